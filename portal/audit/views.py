"""The audit log page: the audit admin sees all, region-scoped roles their own region, the security admin the
audit admin's own actions (三员分立); the audit admin exports it and verifies its hash chain."""
import csv
import io
from datetime import datetime, timedelta
from functools import wraps

from flask import Response, abort, render_template, request
from flask_login import login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..auth.permissions import audit_log_clause, can, permission_required, region_reach
from ..clock import to_china
from ..extensions import db
from . import services as audit
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


def log_reader_required(view):
    """audit.view or audit.auditors, else 403."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (can("audit.view") or can("audit.auditors")):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def _filtered():
    filters = {
        "q": request.args.get("q", "").strip()[:60],
        "action": request.args.get("action", ""),
        "object_type": request.args.get("object_type", ""),
        "start": _date_arg("start"),
        "end": _date_arg("end"),
    }
    stmt = select(AuditEntry).where(audit_log_clause(AuditEntry)).options(selectinload(AuditEntry.region))
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
    return filters, stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


@bp.route("/")
@log_reader_required
def index():
    filters, stmt = _filtered()
    page = paginate(stmt)
    auditors_only = not can("audit.view")
    return render("audit/index.html", "audit/_entries.html", page=page, filters=filters,
                  actions=ACTION_LABELS, objects=OBJECT_LABELS, whole_province=region_reach("audit.view") is None,
                  auditors_only=auditors_only)


EXPORT_LIMIT = 100_000
CSV_COLUMNS = ("时间", "操作人", "操作", "对象类型", "对象", "地区", "说明", "修改前", "修改后", "校验值")


def _cell(value) -> str:
    """A CSV cell that a spreadsheet does not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.route("/export.csv")
@permission_required("audit.export")
def export():
    """The filtered log as CSV (UTF-8 with BOM for Excel), at most EXPORT_LIMIT entries; the export is audited."""
    filters, stmt = _filtered()
    entries = db.session.scalars(stmt.limit(EXPORT_LIMIT)).all()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow([_cell(v) for v in (
            to_china(e.created_at).strftime("%Y-%m-%d %H:%M:%S"), e.username, audit.ACTION_LABELS.get(e.action, e.action),
            audit.OBJECT_LABELS.get(e.object_type, e.object_type), e.object_label, e.region.name if e.region else "",
            e.summary, e.before, e.after, e.entry_hash)])
    shown = "，".join(f"{k}={v}" for k, v in filters.items() if v)
    audit.record("export", "audit_log", label="操作日志", summary=f"导出 {len(entries)} 条" + (f"（{shown}）" if shown else ""))
    db.session.commit()
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})


@bp.route("/verify", methods=["GET", "POST"])
@permission_required("audit.verify")
def verify():
    """Re-hash the whole log (as `flask audit verify`); the check and its result are audited."""
    result = None
    if request.method == "POST":
        read, problem = audit.verify_chain()
        if problem is None:
            summary = f"日志完整：{read} 条记录，哈希链首尾相接"
        else:
            entry_id, what = problem
            summary = f"日志被改动：{f'第 {entry_id} 号记录' if entry_id is not None else '日志开头'}{what}（已核对 {read} 条）"
        audit.record("verify", "audit_log", label="操作日志", summary=summary)
        db.session.commit()
        result = {"ok": problem is None, "summary": summary}
    return render_template("audit/verify.html", result=result)
