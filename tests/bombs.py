"""Hostile uploads for the import tests, built by hand with zipfile: what the probe of issue 27 sent, and more.

Each builder returns the bytes of a file; the big ones are cached, so a test run builds each once.
"""
import io
import struct
import zipfile
import zlib
from functools import cache

from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>')
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '<Relationship Id="rId2" Target="sharedStrings.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
EMPTY_STRINGS = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="0" uniqueCount="0"/>'
SHEET_START = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
SHEET_END = "</sheetData></worksheet>"


def header_row(headers) -> str:
    """Row 1 with the given header texts as inline strings."""
    cells = "".join(f'<c r="{get_column_letter(i)}1" t="inlineStr"><is><t>{text}</t></is></c>'
                    for i, text in enumerate(headers, start=1))
    return f'<row r="1">{cells}</row>'


def workbook(sheet_chunks, shared_strings=(EMPTY_STRINGS,), extra=(), level=9) -> bytes:
    """A minimal .xlsx whose sheet1.xml and sharedStrings.xml are streamed from chunks of text or bytes, so a
    part of hundreds of megabytes is never held whole; `extra` adds (name, bytes) entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, chunks in (("xl/worksheets/sheet1.xml", sheet_chunks), ("xl/sharedStrings.xml", shared_strings)):
            with archive.open(name, "w") as part:
                for chunk in chunks:
                    part.write(chunk.encode() if isinstance(chunk, str) else chunk)
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet(headers, rows_xml=""):
    return [SHEET_START, header_row(headers), rows_xml, SHEET_END]


@cache
def blank_inline_rows(headers: tuple, count: int = 3_000_000) -> bytes:
    """The probe's bomb: millions of rows holding one blank inline string (144 MB of XML in 440 KB)."""
    row = b'<row><c t="inlineStr"><is><t></t></is></c></row>'
    return raw_zip(_parts([], sheet_part=repeated((SHEET_START + header_row(headers)).encode(), row * 10_000,
                                             count // 10_000, SHEET_END.encode())))


@cache
def empty_rows(headers: tuple, count: int = 4_000_000) -> bytes:
    """Four million <row/> elements: 24 MB of XML, under the part limit, compressed a thousandfold."""
    return raw_zip(_parts([], sheet_part=repeated((SHEET_START + header_row(headers)).encode(), b"<row/>" * 10_000,
                                             count // 10_000, SHEET_END.encode())))


def repeated(head: bytes, block: bytes, count: int, tail: bytes):
    """(deflated bytes, size, crc) of head + block * count + tail, compressing the block once: after a full
    flush the compressor starts afresh, so every copy of the block compresses to the same bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    return (start + middle * count + compressor.compress(tail) + compressor.flush(),
            len(head) + len(block) * count + len(tail), zlib.crc32(tail, crc))


@cache
def numbered_rows(headers: tuple, count: int) -> bytes:
    """`count` rows each numbered and holding its number: compresses like real data (ratio about 10), so only
    counting the rows finds it."""
    return workbook([SHEET_START, header_row(headers),
                     *(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, count + 2)), SHEET_END])


@cache
def far_row(headers: tuple) -> bytes:
    """One row numbered 1,048,576: openpyxl's reader yields a million empty rows before it, from 1 KB."""
    return workbook(sheet(headers, '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'))


@cache
def huge_shared_string(headers: tuple, megabytes: int = 300) -> bytes:
    """One shared string of 300 MB that cell A2 refers to, in 311 KB like the probe's."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode()
    strings = repeated(head, b"A" * 1024 * 1024, megabytes, b"</t></si></sst>")
    return raw_zip(_parts(sheet(headers, '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'), strings_part=strings))


def _parts(sheet_chunks, sheet_part=None, strings_part=None):
    """The entries of a minimal workbook for raw_zip, (name, deflated bytes, size, crc); the sheet and the
    shared strings may come already deflated (from `repeated`)."""
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS, "xl/workbook.xml": WORKBOOK,
             "xl/_rels/workbook.xml.rels": WORKBOOK_RELS, "xl/worksheets/sheet1.xml": "".join(sheet_chunks),
             "xl/sharedStrings.xml": EMPTY_STRINGS}
    given = {"xl/worksheets/sheet1.xml": sheet_part, "xl/sharedStrings.xml": strings_part}
    entries = []
    for name, text in parts.items():
        if given.get(name):
            entries.append((name, *given[name]))
            continue
        data = text.encode()
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        entries.append((name, compressor.compress(data) + compressor.flush(), len(data), zlib.crc32(data)))
    return entries


def raw_zip(entries, stored=()) -> bytes:
    """A zip assembled by hand: deflated (name, bytes, size, crc) entries, then empty stored entries named in
    `stored`; the ZIP64 end record when there are more than 65,535 (as zipfile writes it)."""
    out, directory = bytearray(), bytearray()
    every = [(name, zipfile.ZIP_DEFLATED, data, size, crc) for name, data, size, crc in entries]
    every += [(name, zipfile.ZIP_STORED, b"", 0, 0) for name in stored]
    for name, method, data, size, crc in every:
        encoded, offset = name.encode(), len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, method, 0, 0x21, crc, len(data), size,
                           len(encoded), 0) + encoded + data
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0x800, method, 0, 0x21, crc, len(data), size,
                                 len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start, count = len(out), len(every)
    out += directory
    if count > 0xFFFF:
        record = len(out)
        out += struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), start)
        out += struct.pack("<4sLQL", b"PK\x06\x07", 0, record, 1)
        count = 0xFFFF
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0)
    return bytes(out)


def entity_sheet(headers, kind: str) -> bytes:
    """sheet1.xml declaring an entity used in A2: "laughs" (a billion of them) or "external" (a local file)."""
    if kind == "laughs":
        entities = '<!ENTITY lol0 "lol">' + "".join(
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
        reference = "&lol9;"
    else:
        entities = '<!ENTITY secret SYSTEM "file:///etc/passwd">'
        reference = "&secret;"
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [{entities}]><worksheet xmlns="{MAIN}">'
           f'<sheetData>{header_row(headers)}<row r="2"><c r="A2" t="inlineStr"><is><t>{reference}</t></is></c>'
           f'</row></sheetData></worksheet>')
    return workbook([xml])


@cache
def many_entries(headers: tuple, count: int = 100_000) -> bytes:
    """A valid workbook with `count` more (empty, stored) entries."""
    return raw_zip(_parts(sheet(headers)), stored=[f"{n:x}" for n in range(count)])
