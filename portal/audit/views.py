"""The audit log page: provincial admins see all, region-scoped roles their own region."""
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from ..auth.permissions import permission_required, region_reach, scoped_select
from ..clock import local_midnight_utc
from ..htmx import render
from ..listing import paginate
from . import bp
from .models import AuditEntry
from .services import ACTION_LABELS, OBJECT_LABELS


def _date_arg(name):
    """A YYYY-MM-DD query argument in years 2000-2099 (a day after 9999-12-31 cannot be asked for), else None."""
    try:
        day = datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2099 else None


@bp.route("/")
@permission_required("audit.view")
def index():
    filters = {
        "q": request.args.get("q", "").strip()[:60],
        "action": request.args.get("action", ""),
        "object_type": request.args.get("object_type", ""),
        "start": _date_arg("start"),
        "end": _date_arg("end"),
    }
    stmt = scoped_select("audit.view", AuditEntry).options(selectinload(AuditEntry.region))
    if filters["q"]:
        like = f"%{filters['q']}%"
        stmt = stmt.where(or_(AuditEntry.username.ilike(like), AuditEntry.object_label.ilike(like),
                              AuditEntry.summary.ilike(like)))
    if filters["action"] in ACTION_LABELS:
        stmt = stmt.where(AuditEntry.action == filters["action"])
    if filters["object_type"] in OBJECT_LABELS:
        stmt = stmt.where(AuditEntry.object_type == filters["object_type"])
    if filters["start"]:
        stmt = stmt.where(AuditEntry.created_at >= local_midnight_utc(filters["start"]))
    if filters["end"]:
        stmt = stmt.where(AuditEntry.created_at < local_midnight_utc(filters["end"] + timedelta(days=1)))
    page = paginate(stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()))
    return render("audit/index.html", "audit/_entries.html", page=page, filters=filters,
                  actions=ACTION_LABELS, objects=OBJECT_LABELS, whole_province=region_reach("audit.view") is None)
