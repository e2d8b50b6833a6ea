"""What a person gets when printing our exports: LibreOffice (the stand-in for Excel/WPS here) turns an
.xlsx into the PDF its print would give, and pypdf reads that PDF's pages back."""
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


def office_pdf(data: bytes, folder: Path, name: str = "export") -> PdfReader:
    """The PDF LibreOffice prints from an .xlsx (every sheet, with the sheet's own page setup)."""
    source = folder / f"{name}.xlsx"
    source.write_bytes(data)
    _soffice(folder, "--convert-to", "pdf", str(source))
    return PdfReader(folder / f"{name}.pdf")


def _soffice(folder: Path, *args: str) -> None:
    if not os.path.exists(SOFFICE):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("LibreOffice not found: install Debian's libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = folder / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", *args, "--outdir", str(folder)],
                   check=True, capture_output=True, timeout=180)


def office_opens_csv(data: bytes, folder: Path, name: str = "table"):
    """The cells a spreadsheet shows when it opens a CSV (UTF-8, comma, double quotes): LibreOffice's import,
    saved as .xlsx and read back with the values it computed."""
    from openpyxl import load_workbook

    source = folder / f"{name}.csv"
    source.write_bytes(data)
    _soffice(folder, "--convert-to", "xlsx", "--infilter=CSV:44,34,76,1", str(source))
    return load_workbook(folder / f"{name}.xlsx", data_only=True).active


def landscape_a4(page) -> bool:
    """A4 (297 x 210 mm = 842 x 595 pt) lying on its side."""
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    return abs(width - 842) < 3 and abs(height - 595) < 3


def portrait_a4(page) -> bool:
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    return abs(width - 595) < 3 and abs(height - 842) < 3


def page_text(page) -> str:
    """A PDF page's text as a person reads it: CJK fonts often map glyphs to the Kangxi radicals and
    compatibility ideographs (⼯ for 工); NFKC folds them back so that a search for 工位 finds it."""
    return unicodedata.normalize("NFKC", page.extract_text())
