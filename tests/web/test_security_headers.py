"""Security headers on every kind of answer (issue 11, headers): pages, htmx fragments, errors, downloads,
static files, feeds; HSTS only over HTTPS (also behind a proxy that says so, when told to believe it); the
templates hold no inline script, style or event handler, so the policy needs no 'unsafe-inline'."""
import re
from pathlib import Path

import pytest

from portal.security import CSP
from tests.conftest import make_app

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _assert_hardened(response):
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert policy == CSP
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "object-src 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path, status", [
    ("/auth/login", 200), ("/", 200), ("/notices/", 200), ("/notices/feed.atom", 200), ("/training/", 200),
    ("/healthz", 200), ("/static/app.js", 200), ("/no-such-page", 404), ("/workstations/", 302),
])
def test_anonymous_answers_carry_the_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    _assert_hardened(response)
    assert "Strict-Transport-Security" not in response.headers      # plain HTTP: no HSTS


@pytest.mark.parametrize("path, htmx, status", [
    ("/workstations/", False, 200), ("/workstations/?q=A", True, 200),
    ("/bookings/deadline?date=2026-13-01", True, 400), ("/experts/records", False, 200),
    ("/workstations/export.xlsx", False, 200)])
def test_logged_in_pages_fragments_refusals_and_downloads_carry_the_headers(login_as, path, htmx, status):
    response = login_as("province").get(path, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == status
    _assert_hardened(response)


@pytest.mark.parametrize("path, htmx", [("/workstations/", False), ("/workstations/?q=A", True),
                                        ("/experts/records", False), ("/workstations/export.xlsx", False),
                                        ("/notices/", False), ("/no-such-page", False)])
def test_nothing_a_logged_in_session_sees_is_stored_by_the_browser(login_as, path, htmx):
    response = login_as("province").get(path, headers={"HX-Request": "true"} if htmx else {})
    assert response.headers["Cache-Control"] == "no-store", path


def test_public_pages_and_static_files_may_be_cached(client, login_as):
    assert "no-store" not in client.get("/notices/").headers.get("Cache-Control", "")
    assert "no-store" not in login_as("province").get("/static/app.css").headers.get("Cache-Control", "")
    assert client.get("/auth/login").headers["Cache-Control"] == "no-store"     # the login form itself


def test_a_refused_form_carries_the_headers(login_as):
    response = login_as("province").post("/auth/password", data={"current": "x", "new": "y", "confirm": "z"})
    assert 400 <= response.status_code < 500 or response.status_code == 200
    _assert_hardened(response)


def test_hsts_over_https_only(client):
    response = client.get("/auth/login", base_url="https://portal.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # A client claiming HTTPS through a proxy header is not believed unless the proxy is configured.
    spoofed = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers


def test_behind_a_configured_proxy_https_is_seen(database_url):
    app = make_app(database_url, PROXY_FIX_HOPS=1)
    response = app.test_client().get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_session_cookie_flags(app, users, database_url):
    from tests import factories

    def login_cookie(application):
        response = application.test_client().post("/auth/login", data={"username": "agent",
                                                                       "password": factories.PASSWORD})
        assert response.status_code == 303
        return next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))

    cookie = login_cookie(app)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    production = make_app(database_url, SESSION_COOKIE_SECURE=True)
    assert "Secure" in login_cookie(production)


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"\bhx-on", re.I), "hx-on (htmx evaluates it)"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_needs_unsafe_inline():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert found == []


def test_htmx_is_configured_for_the_policy():
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', base).group(1)
    assert '"includeIndicatorStyles": false' in config and '"allowEval": false' in config
    css = (TEMPLATES.parent / "static" / "app.css").read_text(encoding="utf-8")
    assert ".htmx-indicator" in css


def test_the_readme_prints_the_permission_table_the_code_consults():
    from portal.auth.permissions import permission_table_markdown

    readme = (TEMPLATES.parent / "README.md").read_text(encoding="utf-8")
    printed = readme.split("<!-- permissions:start -->\n", 1)[1].split("\n<!-- permissions:end -->", 1)[0]
    assert printed == permission_table_markdown(), "run: flask --app portal permissions, and paste it in README"
