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
    if not os.path.exists(SOFFICE):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("LibreOffice not found: install Debian's libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    source = folder / f"{name}.xlsx"
    source.write_bytes(data)
    profile = folder / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=180)
    return PdfReader(folder / f"{name}.pdf")


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
