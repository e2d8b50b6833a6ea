"""Exports print as the trading centers file them (A4, every column on the page's width, the header on each
page, a CJK font), checked on what LibreOffice prints from them and on the page setup stored in the file."""
import io

from openpyxl import load_workbook

from portal.extensions import db
from portal.workbooks import CJK_FONT, workbook_with_table
from tests import factories
from tests.office import landscape_a4, office_pdf, page_text, portrait_a4


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_narrow_table_prints_portrait_and_a_wide_one_landscape(tmp_path):
    narrow = load_workbook(io.BytesIO(save(workbook_with_table("窄表", ["专业代码", "专业名称", "缺口"], [["A01", "土建", 3]]))))
    wide = load_workbook(io.BytesIO(save(workbook_with_table("宽表", [f"列{i}" for i in range(12)], [list(range(12))],
                                                            widths=[14] * 12))))
    for book, orientation in ((narrow, "portrait"), (wide, "landscape")):
        sheet = book.active
        assert sheet.page_setup.orientation == orientation
        assert sheet.page_setup.paperSize == 9   # A4 in the OOXML paper size table
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$1"
        assert sheet["A1"].font.name == CJK_FONT and sheet["A2"].font.name == CJK_FONT
        assert sheet["A2"].border.left.style == "thin"
    pdf = office_pdf(save(workbook_with_table("窄表", ["专业代码", "专业名称", "缺口"], [["A01", "土建", 3]])), tmp_path)
    assert len(pdf.pages) == 1 and portrait_a4(pdf.pages[0]) and "土建" in page_text(pdf.pages[0])


def test_the_directory_prints_whole_on_a4_landscape_with_its_header_on_every_page(login_as, orgs, tmp_path):
    venue = factories.make_venue(orgs.center(factories.CHANGCHUN))
    factories.bulk_workstations(venue, 119, prefix="CC-")
    db.session.commit()
    response = login_as("province").get("/workstations/export.xlsx")
    assert response.status_code == 200
    pdf = office_pdf(response.data, tmp_path, "directory")
    texts = [page_text(page) for page in pdf.pages]
    whole = "".join(texts)
    assert all(landscape_a4(page) for page in pdf.pages)
    # Every column on the page's width: the last column's header is on each page with the first one's.
    assert all("地区/省份" in text and "最后修改" in text for text in texts)
    assert "CC-00000" in whole and "CC-00118" in whole and "长春" in whole
    assert 2 <= len(pdf.pages) <= 6
