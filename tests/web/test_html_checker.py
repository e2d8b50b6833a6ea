"""The Nu HTML checker (vnu.jar, the W3C validator's engine; npm package vnu-jar in tools/) on the pages of
every role: no error except htmx's own attributes (hx-get, hx-target, ...), which HTML does not define.

Two walks, each written to a temporary folder and checked in one run of the checker (its JVM is slow to start):
* the access walk's records (tests/web/test_access.py): every GET route of the permission table for every role
  it answers 200, the pages open to every signed-in account, the public pages (signed in and not), the error
  pages, and what htmx asks for (a list's table, a polled badge), put into a page shell as it is swapped in;
* the demo data: each business account's start page (its workbench) and the pages it links to.
Without Java or the jar the tests are skipped, except in CI (REQUIRE_BROWSER=1), where they fail.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess  # nosec B404 - runs the checker, a fixed command line
from pathlib import Path

import pytest

from tests.web.test_access import (  # noqa: F401 - records is a fixture
    PUBLIC,
    ROLE_OF,
    ROLES,
    ROUTES,
    SIGNED_IN,
    expected_status,
    records,
)
from portal.auth.models import ADMINISTRATION_ROLES
from portal.auth.permissions import PERMISSIONS
from portal.demo import ACCOUNTS, DEMO_PASSWORD

VNU = Path(__file__).resolve().parents[2] / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# The demo's business accounts; the three administrators (second factor) are walked with the access records.
BUSINESS = [account[0] for account in ACCOUNTS if account[2] not in ADMINISTRATION_ROLES]
NOT_HTML = (".xlsx", ".csv", ".pdf", ".ics", ".atom", ".css")
# The one kind of error allowed: an htmx attribute (hx-get, hx-post, hx-target, hx-swap, hx-trigger, hx-headers,
# hx-select, hx-push-url, hx-include, hx-indicator, hx-confirm, hx-vals, hx-disinherit, hx-sync, ...), which
# the HTML standard does not define. Exactly the checker's message for an attribute it does not know.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\.$")
# A fragment is swapped into <main> of a page; rows are swapped into a table's body.
SHELL = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>片段</title></head>'
         '<body><main>{}</main></body></html>')
ROW_SHELL = SHELL.format("<table><tbody>{}</tbody></table>")


@pytest.fixture
def vnu() -> list[str]:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        missing = "Java (apt-get install default-jre-headless)" if java is None else \
            f"{VNU} (npm ci --prefix tools)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"the Nu HTML checker cannot run: {missing} is missing")
        pytest.skip(f"the Nu HTML checker cannot run: {missing} is missing")
    # A deeper stack for deeply nested pages (the checker's own advice); the quick compiler only: for a run of
    # seconds it halves the time.
    return [java, "-Xss4m", "-XX:TieredStopAtLevel=1", "-jar", str(VNU)]


def _is_html(response) -> bool:
    return response.status_code in (200, 403, 404, 422) and response.mimetype == "text/html"


def _normalised(body: str) -> str:
    """The page without what differs from one session to the next (CSRF tokens)."""
    return re.sub(r'(csrf_token" type="hidden" value|X-CSRFToken": )"[^"]*"', r"\1", body)


class Pages:
    """The documents to check, each once (the same page for two roles is checked once)."""

    def __init__(self, folder: Path):
        self.folder, self.names, self.seen = folder, {}, set()

    def add(self, label: str, response) -> None:
        assert _is_html(response), (label, response.status_code, response.mimetype)
        body = response.get_data(as_text=True)
        if not body.lstrip().lower().startswith("<!doctype"):
            body = (ROW_SHELL if body.lstrip().startswith("<tr") else SHELL).format(body)
        digest = hashlib.sha256(_normalised(body).encode()).hexdigest()
        if digest in self.seen:
            return
        self.seen.add(digest)
        path = self.folder / f"{len(self.names):04d}.html"
        path.write_text(body, encoding="utf-8")
        self.names[path.name] = label


def _collect(pages: Pages, client, login_as, records) -> None:  # noqa: F811
    clients = {username: login_as(username) for username in ROLES}
    get_routes = [(t, p) for m, t, p in ROUTES
                  if m == "get" and not t.split("?")[0].endswith(NOT_HTML) and "format=" not in t and "/files/" not in t]
    for template, permission in get_routes:
        path = template.format(**records)
        first = None
        for username in ROLES:
            if expected_status(username, template, PERMISSIONS[permission].get(ROLE_OF[username])) != 200:
                continue
            pages.add(f"{username} {path}", clients[username].get(path))
            first = first or username
        # What htmx swaps in (a list's table, a form re-shown, a polled fragment), as the first role gets it.
        if first:
            pages.add(f"{first} {path} (htmx)", clients[first].get(path, headers={"HX-Request": "true"}))
    for method, template, answer in SIGNED_IN:
        if method == "get" and answer == 200:
            for username in ROLES:
                path = template.format(**records)
                pages.add(f"{username} {path}", clients[username].get(path))
    for template in PUBLIC:
        path = template.format(**records)
        if path.startswith("/auth/login") or "/files/" in path or path.endswith(NOT_HTML) or path == "/healthz":
            continue
        pages.add(f"anonymous {path}", client.get(path))
        for username in ROLES:
            pages.add(f"{username} {path}", clients[username].get(path))
    pages.add("anonymous /auth/login", client.get("/auth/login"))
    pages.add("anonymous /auth/login (refused)", client.post("/auth/login", data={"username": "x", "password": "y"}))
    pages.add("agent 403", clients["agent"].get("/auth/users/"))
    pages.add("agent 404", clients["agent"].get("/workstations/999999/edit"))


def _errors(vnu: list[str], pages: Pages) -> list[str]:
    """One run of the checker over every page written: its errors other than htmx attributes, one line each."""
    result = subprocess.run(  # nosec B603 - a fixed command line over files this test wrote
        [*vnu, "--format", "json", "--errors-only", "--exit-zero-always",
         *sorted(str(pages.folder / name) for name in pages.names)],
        capture_output=True, text=True, timeout=300, check=True)
    messages = json.loads(result.stderr)["messages"]
    # "non-document-error": a file the checker could not read; it counts as an error too.
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    allowed = [m for m in errors if HTMX_ATTRIBUTE.match(m.get("message", ""))]
    assert allowed, "no hx-* attribute reported: the checker or the allowance is broken"
    return sorted({f"{pages.names.get(Path(m.get('url', '')).name, m.get('url'))}: line {m.get('lastLine')}: {m['message']}"
                   f" [{m.get('extract', '').strip()[:120]}]" for m in errors if m not in allowed})


def test_the_pages_of_every_role_have_no_markup_error_but_htmx_attributes(app, client, login_as, records,  # noqa: F811
                                                                           vnu, tmp_path):
    pages = Pages(tmp_path)
    _collect(pages, client, login_as, records)
    assert len(pages.names) > 300                   # the walk reached the pages (not only the login page)
    found = _errors(vnu, pages)
    assert found == [], f"{len(found)} errors:\n" + "\n".join(found)


def _links(body: str) -> list[str]:
    """The portal's own page links of a page (navigation and content), without downloads and logging out."""
    paths = []
    for href in re.findall(r'<a [^>]*href="(/[^"#]*)', body):
        path = href.replace("&amp;", "&")
        if path.split("?")[0].endswith(NOT_HTML) or "/files/" in path or "logout" in path or "format=" in path:
            continue
        if path not in paths:
            paths.append(path)
    return paths


def test_the_demo_pages_of_every_business_role_have_no_markup_error_but_htmx_attributes(app, client, vnu,
                                                                                         tmp_path):
    """With the demo data (lists with rows, a workbench with work): each business account's start page and
    the pages it links to, as the accessibility test walks them in the browser."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    pages = Pages(tmp_path)
    for username in [None, *BUSINESS]:
        visitor = app.test_client()
        if username:
            response = visitor.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 303, username
        home = visitor.get("/")
        pages.add(f"{username} /", home)
        for path in _links(home.get_data(as_text=True))[:40]:
            response = visitor.get(path)
            if response.status_code == 200 and response.mimetype == "text/html":
                pages.add(f"{username} {path}", response)
    assert len(pages.names) > 100
    found = _errors(vnu, pages)
    assert found == [], f"{len(found)} errors:\n" + "\n".join(found)
