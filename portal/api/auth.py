"""Who is calling: the signature check before every call but the OpenAPI document. A refused call is a 401 in
JSON and changes nothing (not even the key's last use)."""
import time

from flask import g, request

from ..auth.models import User
from ..extensions import db
from ..models_base import utcnow
from ..partners import signing
from ..partners.systems import key_secret, usable_key
from .errors import ApiError

OPEN_ENDPOINTS = {"api.openapi"}


def refuse(refusal: signing.Refusal):
    raise ApiError(401, refusal.code, refusal.message, refusal.field)


def authenticate() -> None:
    """Check X-Api-Key, X-Timestamp and X-Signature; then the call acts as the system's account."""
    if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
        return
    key_id = request.headers.get(signing.HEADER_KEY, "")
    if not key_id:
        raise ApiError(401, "missing_api_key", "缺少接口密钥编号（X-Api-Key）。", signing.HEADER_KEY)
    problem = signing.timestamp_problem(request.headers.get(signing.HEADER_TIMESTAMP), time.time())
    if problem:
        refuse(problem)
    found = usable_key(key_id) if key_id.isascii() and len(key_id) <= 40 else None
    if found is None:
        raise ApiError(401, "unknown_api_key", "接口密钥不存在、已撤销或已过期。", signing.HEADER_KEY)
    key, system = found
    secret = key_secret(key)
    if secret is None:
        raise ApiError(401, "unknown_api_key", "接口密钥不存在、已撤销或已过期。", signing.HEADER_KEY)
    query = request.query_string.decode("latin-1")
    problem = signing.signature_problem(secret, request.method, request.path, query,
                                        request.headers[signing.HEADER_TIMESTAMP], request.get_data(cache=True),
                                        request.headers.get(signing.HEADER_SIGNATURE))
    if problem:
        refuse(problem)
    problem = signing.idempotency_problem(request.method, request.headers.get(signing.HEADER_IDEMPOTENCY))
    if problem:
        raise ApiError(400, problem.code, problem.message, problem.field)
    account = db.session.get(User, system.account_id)
    g.partner_system, g.api_key = system, key
    key.last_used_at = utcnow()
    # The system's account is the one acting: audit entries and requests name it (Flask-Login's current user for
    # this request only; no session cookie is read or written).
    g._login_user = account
