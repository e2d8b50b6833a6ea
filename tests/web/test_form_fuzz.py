"""Hostile input to every form (issue 11): hypothesis posts random and hostile values — overlong strings,
control characters, emoji, full-width digits, SQL and template injection, huge and odd numbers; to file
fields, uploads with hostile names and bodies — to every POST route of the access matrix, as an account
allowed to use it, with the field names the form's own page shows. Every answer must be below 500, and a
refusal (4xx) must change nothing: no table gains or loses rows, no audited change is written and no
uploaded file is left behind."""
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.audit.models import AuditChainHead
from portal.auth.permissions import PERMISSIONS
from portal.extensions import db
from tests.web.test_access import POST_ROUTES, ROLE_OF, ROLES, ROUTES, expected_status, records  # noqa: F401

HOSTILE = [
    "", " ", "0", "-1", "1e309", "NaN", "9" * 40, "１２３４５", "2026-02-30", "2026-13-01", "99:99", "１０：００",
    "' OR '1'='1' --", "'; DROP TABLE users; --", "\" onmouseover=\"alert(1)", "<script>alert(1)</script>",
    "{{ 7*7 }}", "{% for x in range(9999999) %}{% endfor %}", "${7*7}", "%s%s%s%n", "../../../etc/passwd",
    "😀" * 60, "\u202eevil", "𠀀𠀁", "\x01\x02\x1b[31m", "\r\n\r\nX-Injected: 1", "a" * 5000, "中" * 2000,
    "%00", "\\", "null", "true", "[]", "{}",
]
# Names a form without a page of its own (buttons posting from another page) may read.
GENERIC_FIELDS = ["reason", "comment", "version", "note", "action", "seats", "workstation_ids", "evaluation_date",
                  "name", "phone", "audience", "value"]
value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300),
                  st.integers(min_value=-10**30, max_value=10**30).map(str),
                  st.floats(allow_nan=True, allow_infinity=True).map(str))


def _form_routes():
    """(template) of every route that takes a POST: the POST-only ones and the pages whose form posts back."""
    posting = {template: permission for template, permission in POST_ROUTES}
    for method, template, permission in ROUTES:
        if method == "get" and re.search(r"/(new|edit|retire|import|password|answer|specialties|shortage|"
                                         r"thresholds|joint-tests/\{province\}|fees/\{center\}|feeds)$", template):
            posting.setdefault(template, permission)
    return sorted(posting.items()) + [(template, None) for template in OWN_FORMS]


# Forms outside the table: the login (anonymous) and one's own password forms (the agent). Each refusal there
# is counted and audited on purpose (failed logins and confirmations), so only "no 5xx" is asked of them.
OWN_FORMS = {"/auth/login": None, "/auth/password": "agent", "/auth/confirm": "agent", "/mail/preferences": "agent"}


def _fingerprint() -> tuple:
    counts = tuple(db.session.scalar(select(func.count()).select_from(table))
                   for table in db.metadata.sorted_tables if table.name != "notifications")
    head = db.session.get(AuditChainHead, 1)
    # Stored files are rows (file_contents, file_chunks), counted with every other table.
    return counts, head.entries if head else 0


def _field_names(page: str) -> list[str]:
    names = re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', page)
    return sorted({n for n in names if n not in ("csrf_token",)}) or GENERIC_FIELDS


def _file_fields(page: str) -> set[str]:
    return {m for m in re.findall(r'<input[^>]*\stype="file"[^>]*\sname="([^"]+)"', page)} | {
        m for m in re.findall(r'<input[^>]*\sname="([^"]+)"[^>]*\stype="file"', page)}


# Hostile uploads: names that climb out of folders, hide an extension or are empty; bodies that claim one type
# and are another, are empty, or are random bytes.
FILE_NAMES = ["../../../etc/passwd", "a.pdf\x00.exe", "报告.pdf", "x" * 300 + ".pdf", "", ".htaccess",
              "CON.pdf", "shell.php", "a.xlsx", "名单.csv", "photo.jpg.exe", "\u202egnp.exe"]
FILE_BODIES = [b"", b"MZ\x90\x00" + b"\x00" * 60, b"%PDF-1.4\n%%EOF\n", b"PK\x03\x04" + b"\x00" * 26,
               b"<script>alert(1)</script>", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 56,
               "姓名,身份证号\n张三,110101199003070000\n".encode("gbk")]
upload = st.tuples(st.one_of(st.sampled_from(FILE_BODIES), st.binary(max_size=4096)), st.sampled_from(FILE_NAMES))


@pytest.mark.parametrize("template, permission", _form_routes())
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_values_never_break_a_form(app, login_as, records, template, permission, data):  # noqa: F811
    if permission is None:
        username = OWN_FORMS[template]
    else:
        username = next((u for u in ROLES if expected_status(u, template, PERMISSIONS[permission].get(ROLE_OF[u]))
                         == 200), None)
        if username is None:
            pytest.skip(f"no account may post to {template}")
    client = login_as(username) if username else app.test_client()
    path = template.format(**records)
    page = client.get(path)
    text = page.get_data(as_text=True) if page.status_code == 200 else ""
    names, files = (_field_names(text), _file_fields(text)) if text else (GENERIC_FIELDS, set())
    form = {name: data.draw(st.one_of(value, st.lists(value, max_size=3)), label=name) for name in names
            if name not in files}
    for name in files:
        body, filename = data.draw(upload, label=name)
        form[name] = (io.BytesIO(body), filename)
    db.session.expire_all()
    before = _fingerprint()
    response = client.post(path, data=form)
    assert response.status_code < 500, (path, form, response.get_data(as_text=True)[:500])
    db.session.expire_all()
    if 400 <= response.status_code < 500 and permission is not None:
        assert _fingerprint() == before, (path, form, response.status_code)
