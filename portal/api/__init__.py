"""The partner API (系统对接接口, issue 25): signed JSON under /api/v1/ for partner systems, described by
/api/v1/openapi.json. The blueprint is CSRF-exempt (no cookie session: every call is signed)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
