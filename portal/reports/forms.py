"""Forms of the monthly report: the region's figures (entered ones, corrections of counted ones with a
reason), the province's return comment, the import of the region's own sheet."""
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField, ValidationError

from ..forms_base import PortalForm, VersionForm, length, optional, required, strip_filter
from . import rules


def _figure(cell: rules.Cell):
    def check(form, field):
        try:
            field.parsed = rules.parse_value(cell, field.data)
        except rules.FigureError as error:
            field.parsed = None
            raise ValidationError(str(error)) from None
    return check


class ReportFormBase(PortalForm):
    note = TextAreaField("备注", validators=[optional(), length(500, label="备注")], filters=[strip_filter],
                         description="需要向省政数局说明的情况，如本月有外省主场在本地区设副场的评标（本系统未记录）。")
    version = HiddenField()
    # 保存并报送 cannot be undone by the region (only the province can return the report): the view asks for its
    # confirmation first (portal/confirming.py), with or without JavaScript.

    def entered(self) -> dict:
        return {c.key: getattr(self, c.key).parsed for c in rules.ENTERED}

    def corrections(self) -> dict:
        out = {}
        for cell in rules.COMPUTED:
            typed = getattr(self, f"fix_{cell.key}")
            if (typed.data or "").strip():
                out[cell.key] = (typed.parsed, getattr(self, f"reason_{cell.key}").data or "")
        return out

    def fill(self, row) -> None:
        """Show a row's figures: entered values as typed, corrections with their reasons."""
        for cell in rules.ENTERED:
            getattr(self, cell.key).data = rules.to_text(cell, row.values.get(cell.key))
        for cell in rules.COMPUTED:
            if row.corrected(cell.key):
                getattr(self, f"fix_{cell.key}").data = rules.to_text(cell, row.values.get(cell.key))
                getattr(self, f"reason_{cell.key}").data = row.reasons[cell.key]


def _build():
    fields = {}
    for cell in rules.ENTERED:
        fields[cell.key] = StringField(cell.label, validators=[_figure(cell)],
                                       render_kw={"inputmode": "numeric" if cell.kind is rules.Kind.COUNT
                                                  else "decimal", "autocomplete": "off"})
    for cell in rules.COMPUTED:
        where = f"{'主场' if cell.group == 'main' else '副场'}·{cell.label}"
        fields[f"fix_{cell.key}"] = StringField(f"更正为（{where}）", validators=[_figure(cell)],
                                                render_kw={"autocomplete": "off"})
        fields[f"reason_{cell.key}"] = StringField(f"更正原因（{where}）",
                                                   validators=[optional(), length(300, label="更正原因")],
                                                   filters=[strip_filter])
    return type("ReportForm", (ReportFormBase,), fields)


ReportForm = _build()


class ReturnForm(VersionForm):
    comment = TextAreaField("退回意见", validators=[required("退回意见"), length(500, label="退回意见")],
                            filters=[strip_filter], description="说明需要修改的内容，该地区填报人会收到通知。")


class ReopenForm(VersionForm):
    comment = TextAreaField("重新打开的原因", validators=[required("重新打开的原因"), length(500, label="原因")],
                            filters=[strip_filter], description="说明为什么要修改已审核通过的数据，该地区填报人会收到通知。")


class ImportForm(PortalForm):
    file = FileField("本地区的月调度表（.xlsx 或 .csv）",
                     description="按附件格式填写的表格：第一列为地区名称，其后依次为项目数量、标段数量、预算金额、中标金额。"
                                 "只读取本地区所在行的前四项，读取后请核对再保存。")


