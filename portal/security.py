"""Response headers every answer carries (issue 11, ASVS V14.4): a Content-Security-Policy with no inline
script or style and no eval (htmx is configured for it in base.html: indicator styles in app.css, allowEval
false), nosniff, no framing, same-origin referrers, and HSTS when the request came over HTTPS. An answer to a
logged-in session is never stored by the browser or a proxy (Cache-Control: no-store, ASVS V8.2.1): after
logging out, the back button shows no page that held expert names or other records.

Behind a reverse proxy that terminates TLS, set PROXY_FIX_HOPS (e.g. PORTAL_PROXY_FIX_HOPS=1) so that the
proxy's X-Forwarded-Proto/For/Host are believed for that many hops; HTTPS is then seen as HTTPS.
"""
from flask import request, session
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # Notice bodies may show images from http(s) addresses; the stylesheet's icons are data: URIs.
    "img-src 'self' data: http: https:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app):
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
