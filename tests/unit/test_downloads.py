"""Download names: every client gets a usable name, also those that read only the plain `filename`."""
import pytest

from portal.downloads import ascii_fallback, content_disposition


@pytest.mark.parametrize("name, fallback", [
    ("长春地区专家名单.xlsx", "download.xlsx"),        # no ASCII left: not ".xlsx"
    ("2026年10月调度情况表.xlsx", "202610.xlsx"),
    ("report 2026-10.csv", "report-2026-10.csv"),
    ("Ｆｕｌｌ２０２６.pdf", "Full2026.pdf"),          # full-width letters and digits folded
    ("../../etc/passwd", "etc-passwd"),               # no path survives
    ('a"b;c.pdf', "a-b-c.pdf"),                       # nothing that breaks the header
    ("说明", "download"),
    ("", "download"),
])
def test_the_ascii_name_beside_the_chinese_one(name, fallback):
    assert ascii_fallback(name) == fallback


def test_the_header_carries_both_names():
    header = content_disposition("培训报名表.pdf")
    assert header.startswith('attachment; filename="download.pdf"; ')
    assert "filename*=UTF-8''%E5%9F%B9%E8%AE%AD%E6%8A%A5%E5%90%8D%E8%A1%A8.pdf" in header

