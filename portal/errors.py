"""Error pages in Chinese: no stack trace ever reaches a user."""
from flask import g, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.routing import RequestRedirect

from .accesslog import redact
from .extensions import db
from .htmx import wants_fragment

MESSAGES = {
    400: ("请求无效", "提交的内容无法处理，请检查后重试。"),
    403: ("无权访问", "您的账号没有执行此操作的权限。"),
    404: ("页面不存在", "您要找的页面或记录不存在，或不在您的管辖范围内。"),
    405: ("请求方式不正确", "该页面不支持这种请求方式。"),
    413: ("文件过大", "上传的文件超过大小上限，请拆分后再上传。"),
    500: ("系统内部错误", "服务器处理请求时出错，本次操作未生效。请稍后重试，或联系系统管理员。"),
    503: ("数据库暂时无法连接", "数据库暂时无法连接，本次操作未生效（没有保存任何内容）。请稍后重试；"
                              "如持续出现，请联系系统管理员。"),
}


# The partner API answers in JSON (portal/api), also where no view of it was reached (an unknown address, a NUL
# byte, an unexpected error).
JSON_PREFIX = "/api/"


def _json(code: int, detail: str | None = None):
    _, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    name = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
            503: "database_unavailable"}.get(code, "internal_error" if code >= 500 else "bad_request")
    return jsonify({"error": {"code": name, "message": detail or message, "field": None}}), code


def _page(code: int, detail: str | None = None):
    if request.path.startswith(JSON_PREFIX):
        return _json(code, detail)
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])

    template = "errors/_message.html" if wants_fragment() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message,
                           detail=detail), code


def init_app(app):
    """Register Chinese error pages for HTTP errors, CSRF failures and unexpected exceptions."""
    def has_nul(values) -> bool:
        return any("\x00" in key or any("\x00" in v for v in items) for key, items in values.lists())

    @app.before_request
    def refuse_nul_bytes():
        # No text here may hold a NUL byte (PostgreSQL refuses it in text): a 400, not a 500, on every page.
        if has_nul(request.args) or (request.method == "POST" and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data") and has_nul(request.form)):
            return _page(400, "提交的内容含有不允许的空字符（\\0），请删除后重试。")

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(400, "表单已过期或缺少安全令牌（CSRF），请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code == 405 and request.method in ("GET", "HEAD") and not wants_fragment():
            # The address of an action (a refused draw, sign-in or approval leaves it in the address bar):
            # opened again, it leads back to the page the action belongs to rather than to an error.
            page = _page_of_action(app, request.path)
            if page:
                return redirect(page, 303)
        # A description we wrote ourselves (Chinese) is shown; Werkzeug's English defaults are not.
        detail = error.description if getattr(error, "portal_message", False) else None
        return _page(error.code or 500, detail)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        """The database went away (or cannot be reached): the transaction is rolled back, so nothing of the
        request is kept, and the answer is rendered without touching the database (no account, no menu)."""
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        db.session.remove()
        # Rendering must not ask the database for the account again (Flask-Login's template context would).
        g._login_user = app.login_manager.anonymous_user()
        # The error's class and the driver's first line only: its text may carry the statement's parameters.
        orig = getattr(error, "orig", None)
        app.logger.error("Database unavailable on %s %s: %s (%s)", request.method, redact(request.path),
                         type(error).__name__, (str(orig).splitlines() or [""])[0][:200] if orig is not None else "")
        title, message = MESSAGES[503]

        template = "errors/_message.html" if wants_fragment() else "errors/unavailable.html"
        response = app.make_response((render_template(template, code=503, title=title, message=message,
                                                      detail=None), 503))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, redact(request.path))
        return _page(500)


def _page_of_action(app, path: str) -> str | None:
    """The nearest page above an action's address (/evaluations/5/venues/3/draw -> /evaluations/5): the first
    shorter path that answers GET. The page then decides, as always, whether the person may see it."""
    adapter = app.url_map.bind("localhost")
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        for candidate in ("/".join(parts) or "/", "/".join(parts) + "/"):
            try:
                adapter.match(candidate, method="GET")
            except RequestRedirect:
                continue
            except HTTPException:
                continue
            return candidate
    return None


class ChangeRefused(ValueError):
    """A service refused a change; the Chinese message is for the user, `field` names the form field."""
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def flush_or_refuse(message: str, field: str | None = None, error_class=ChangeRefused) -> None:
    """Flush now: a unique constraint lost to a concurrent request becomes a refusal with `message`.

    The session then needs a rollback, which the view does (show_on_form) before it answers.
    """

    try:
        db.session.flush()
    except IntegrityError:
        raise error_class(message, field) from None


def show_on_form(form, error: ChangeRefused, default_field: str | None = None) -> None:
    """Put a refusal next to its field (or at the top of the form) after rolling the change back."""
    db.session.rollback()
    name = error.field or default_field
    (getattr(form, name).errors if name else form.form_errors).append(str(error))


def abort_with(code: int, message: str):
    """Abort with an HTTP error whose Chinese message is shown on the error page."""
    error = default_exceptions[code](description=message)
    error.portal_message = True
    raise error
