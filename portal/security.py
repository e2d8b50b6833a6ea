"""Response headers every answer carries (issue 11, ASVS V14.4): a Content-Security-Policy with no inline
script or style and no eval (htmx is configured for it in base.html: indicator styles in app.css, allowEval
false), nosniff, no framing, same-origin referrers, and HSTS when the request came over HTTPS. An answer to a
logged-in session is never stored by the browser or a proxy (Cache-Control: no-store, ASVS V8.2.1): after
logging out, the back button shows no page that held expert names or other records.

Behind a reverse proxy that terminates TLS, set PROXY_FIX_HOPS (e.g. PORTAL_PROXY_FIX_HOPS=1) so that the
proxy's X-Forwarded-Proto/For/Host are believed for that many hops; HTTPS is then seen as HTTPS, and the
client's address (which the login throttle counts by) is the visitor's, not the proxy's.

TRUSTED_HOSTS (issue 27 item 5) lists the host names the portal answers to (e.g.
PORTAL_TRUSTED_HOSTS='["pbjy.jl.gov.cn", "10.0.0.8"]', or comma-separated; ".example.cn" also takes its
subdomains); without it, SERVER_NAME's host; without either, any well-formed host. A request for another
host gets a 400 before the app reads it, so no page, link or redirect is built from a Host header an
attacker chose.
"""
from flask import request, session
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host

from .models_base import MAX_ID

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # Notice and training bodies show only their own image files or embedded data: images (richtext), the
    # stylesheet's icons are data: URIs: no image from another host (a tracking pixel) is fetched.
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"


# The answer to an untrusted Host, built without the app (no template, no url_for: the request has no URLs).
HOST_REFUSED = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>请求无效</title>"
                "<h1>请求无效</h1><p>本系统不接受以该主机名发来的请求，请使用系统管理员公布的网址访问。</p></html>")


class RecordIdConverter(IntegerConverter):
    """`<int:…>` in every route: 0 to 2**31 - 1 (issue 27 item 4). A larger number in a URL is no record of any
    table (a 404, as for any id not found), never an integer the database driver cannot hold (a 500)."""

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def trusted_hosts(config) -> list[str] | None:
    """The host names to answer (None: any well-formed one), from TRUSTED_HOSTS or else SERVER_NAME."""
    hosts = config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):
        hosts = [h.strip() for h in hosts.split(",") if h.strip()]
    if not hosts and config.get("SERVER_NAME"):
        hosts = [str(config["SERVER_NAME"]).rsplit(":", 1)[0]]
    return list(hosts) if hosts else None


class HostCheck:
    """WSGI middleware: a request whose Host (after ProxyFix) is malformed or not trusted gets a 400."""

    def __init__(self, wsgi_app, hosts: list[str] | None):
        self.wsgi_app, self.hosts = wsgi_app, hosts

    def __call__(self, environ, start_response):
        try:
            host = get_host(environ, self.hosts)
            if self.hosts is None and not host_is_trusted(host, None):   # well-formed, at least
                raise SecurityError(host)
        except SecurityError:
            response = Response(HOST_REFUSED, 400, mimetype="text/html")
            response.headers.update({"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                                     "X-Frame-Options": "DENY", "Cache-Control": "no-store"})
            return response(environ, start_response)
        return self.wsgi_app(environ, start_response)


def init_app(app):
    hosts = trusted_hosts(app.config)
    app.config["TRUSTED_HOSTS"] = hosts      # Flask checks the same list again when it reads request.host
    if hosts is None and not (app.debug or app.testing):
        app.logger.warning("TRUSTED_HOSTS is not set: any Host header is answered and used in feed links; "
                           "set PORTAL_TRUSTED_HOSTS to the portal's host names in production.")
    app.wsgi_app = HostCheck(app.wsgi_app, hosts)
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        # (the session's account id, not current_user: a static file must not load the account)
        if request.endpoint != "static" and ("_user_id" in session or request.path.startswith("/auth/")):
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response
