"""The monthly table as the attachment lays it out (.xlsx) and as a flat CSV.

Sheet 1 is the month: title, month and unit, the two-level header (地区 spanning two rows, the three groups
merged over their columns), one row per region in the attachment's order, then 合计 (computed values, so
that every viewer shows them, formulas or not). Sheet 2 is January..month summed; sheet 3 says who
submitted when, who is late and what was corrected.
"""
import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..clock import to_china
from ..workbooks import BODY_FONT, BOX, CJK_FONT, HEADER_FILL, HEADER_FONT, csv_safe, page_setup, set_text
from . import rules
from .rules import CELLS, GROUPS, Kind

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
AMOUNT_FORMAT = "#,##0.00##"
WIDTHS = [18] + [9 if c.kind is Kind.COUNT else (30 if c.kind is Kind.TEXT else 13) for c in CELLS]
HEADER_ROW = 3       # group headers; column labels on row 4; regions from row 5


def header_cells() -> list[str]:
    """CSV/flat headers: 组·列."""
    return ["地区"] + [f"{rules.GROUP_LABELS[c.group]}·{c.label}" for c in CELLS]


def _value(cell: rules.Cell, value):
    if value is None:
        return None
    if cell.kind is Kind.AMOUNT:
        return float(value)   # Excel has no decimal type; 4 decimals of 万元 fit a double exactly enough
    return value


def _sheet(sheet, title: str, subtitle: str, rows: list[tuple[str, dict]], total: dict) -> None:
    last_col = len(CELLS) + 1
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    set_text(sheet.cell(1, 1), title)
    sheet.cell(1, 1).font = Font(name=CJK_FONT, bold=True, size=16)
    sheet.cell(1, 1).alignment = CENTER
    sheet.row_dimensions[1].height = 30
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)
    set_text(sheet.cell(2, 1), subtitle)
    sheet.cell(2, 1).font = BODY_FONT
    sheet.cell(2, 1).alignment = Alignment(horizontal="right")

    top, second = HEADER_ROW, HEADER_ROW + 1
    sheet.merge_cells(start_row=top, start_column=1, end_row=second, end_column=1)
    set_text(sheet.cell(top, 1), "地区")
    col = 2
    for group, label in GROUPS:
        cells = rules.group_cells(group)
        sheet.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + len(cells) - 1)
        set_text(sheet.cell(top, col), label)
        for offset, cell in enumerate(cells):
            text = cell.label + (f"（{rules.PLACES_HINT}）" if cell.key == "main_places" else "")
            set_text(sheet.cell(second, col + offset), text)
        col += len(cells)
    for r in (top, second):
        for c in range(1, last_col + 1):
            target = sheet.cell(r, c)
            target.font, target.fill, target.alignment, target.border = HEADER_FONT, HEADER_FILL, CENTER, BOX
    sheet.row_dimensions[second].height = 48

    for r, (name, values) in enumerate(rows + [("合计", total)], start=second + 1):
        set_text(sheet.cell(r, 1), name)
        sheet.cell(r, 1).border = BOX
        sheet.cell(r, 1).font = HEADER_FONT if name == "合计" else BODY_FONT
        for c, cell in enumerate(CELLS, start=2):
            target = sheet.cell(r, c)
            set_text(target, _value(cell, values.get(cell.key)) if cell.numeric else (values.get(cell.key) or None))
            target.border = BOX
            target.font = BODY_FONT
            if cell.kind is Kind.AMOUNT:
                target.number_format = AMOUNT_FORMAT
            if cell.kind is Kind.TEXT:
                target.alignment = Alignment(wrap_text=True, vertical="center")
            if name == "合计":
                target.font = HEADER_FONT
    for c, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.freeze_panes = sheet.cell(second + 1, 2)
    page_setup(sheet, f"{top}:{second}", landscape=True)


def workbook(table, exported_at: datetime) -> bytes:
    """The .xlsx of a province (or one region's) table: the month, the year so far, the status sheet."""
    book = Workbook()
    month_sheet = book.active
    month_sheet.title = f"{table.month.year}年{table.month.month}月"
    _sheet(month_sheet, rules.TITLE, f"填报月份：{rules.month_label(table.month)}    金额单位：万元",
           [(row.region.name, row.values) for row in table.rows], table.total)
    unsubmitted = [row.region.name for row in table.rows if not row.submitted]
    if unsubmitted:
        note_row = HEADER_ROW + 3 + len(table.rows) + 1
        set_text(month_sheet.cell(note_row, 1), "注：" + "、".join(unsubmitted) + "尚未报送，其数据为草稿或系统按客场机位记录"
                 "统计的数，未经地区确认；合计含这些数。")

    year_sheet = book.create_sheet(f"{table.month.year}年1-{table.month.month}月累计")
    _sheet(year_sheet, rules.TITLE + "（年度累计）",
           f"统计期间：{table.month.year}年1月至{table.month.month}月    金额单位：万元",
           [(row.region.name, table.year[row.region.id]) for row in table.rows], table.year_total)
    for r in range(HEADER_ROW + 2, HEADER_ROW + 3 + len(table.rows)):    # text cells are monthly only
        for c, cell in enumerate(CELLS, start=2):
            if cell.kind is Kind.TEXT:
                year_sheet.cell(r, c).value = None

    status = book.create_sheet("报送情况")
    headers = ["地区", "状态", "首次报送时间", "最近报送时间", "是否逾期", "报送次数", "更正说明", "备注"]
    for c, text in enumerate(headers, start=1):
        set_text(status.cell(1, c), text)
        status.cell(1, c).font, status.cell(1, c).fill, status.cell(1, c).border = HEADER_FONT, HEADER_FILL, BOX
    for r, row in enumerate(table.rows, start=2):
        report = row.report
        corrections = "；".join(f"{rules.GROUP_LABELS[rules.CELL[k].group]}·{rules.CELL[k].label}："
                               f"{rules.to_text(rules.CELL[k], row.values.get(k))}"
                               f"（系统统计 {rules.to_text(rules.CELL[k], row.computed.get(k)) or '空'}；{reason}）"
                               for k, reason in row.reasons.items())
        values = [row.region.name, report.status.label if report else "未填报",
                  _local(report.first_submitted_at) if report else "", _local(report.submitted_at) if report else "",
                  "逾期" if table.is_late(row) else "", report.submissions if report else 0, corrections,
                  (report.note or "") if report else ""]
        for c, value in enumerate(values, start=1):
            set_text(status.cell(r, c), value)
            status.cell(r, c).font, status.cell(r, c).border = BODY_FONT, BOX
            status.cell(r, c).alignment = Alignment(wrap_text=True, vertical="top")
    for c, width in enumerate([18, 12, 20, 20, 10, 10, 60, 40], start=1):
        status.column_dimensions[get_column_letter(c)].width = width
    set_text(status.cell(len(table.rows) + 3, 1), f"导出时间：{_local(exported_at)}")
    status.cell(len(table.rows) + 3, 1).font = BODY_FONT
    page_setup(status, "1:1", landscape=True)

    book.properties.title = f"{rules.TITLE}（{rules.month_label(table.month)}）"
    book.properties.creator = "远程异地评标协同门户"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_rows(table) -> list[list]:
    out = []
    for name, values in [(row.region.name, row.values) for row in table.rows] + [("合计", table.total)]:
        out.append([name] + [rules.to_text(c, values.get(c.key)) if c.numeric else _plain(values.get(c.key))
                             for c in CELLS])
    return out


def _plain(text) -> str:
    return csv_safe(text or "")


def _local(moment) -> str:
    return to_china(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
