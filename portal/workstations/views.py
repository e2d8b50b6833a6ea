"""Shared workstation directory (场所工位共享目录) and the registry of venues and workstations."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from ..audit.models import AuditEntry
from ..auth.permissions import get_scoped_or_404, permission_required, scope_clause, scoped_select
from ..clock import china_today
from ..errors import show_on_form
from ..extensions import db
from ..forms_base import ActionForm
from ..htmx import render, wants_fragment
from ..listing import Page, int_arg, page_number, page_size, paginate, paginate_rows, sort_choice
from ..orgs.models import Province, Region, TradingCenter
from ..spreadsheets import SpreadsheetError, read_table
from ..workbooks import csv_response, workbook_with_table, xlsx_response
from . import bp, holds, local_use, rules, services, standing
from .forms import CancelLocalUseForm, ImportForm, LocalUseForm, RetireForm, VenueForm, WorkstationForm
from .models import WORKSTATION_STATUS_LABELS, LocalUse, Venue, VenueStatus, Workstation, WorkstationStatus

STATUS_FILTERS = {
    "": ("在用（可用和维护中）", lambda: Workstation.status != WorkstationStatus.RETIRED),
    "available": ("可用", lambda: Workstation.status == WorkstationStatus.AVAILABLE),
    "maintenance": ("维护中", lambda: Workstation.status == WorkstationStatus.MAINTENANCE),
    "retired": ("已停用", lambda: Workstation.status == WorkstationStatus.RETIRED),
    "all": ("全部", lambda: None),
}
CAPABILITY_FILTERS = {"": "全部", "cross": "支持跨省", "local": "仅省内"}
STATUS_BADGES = {"available": "badge-ok", "maintenance": "badge-warn", "retired": "badge-muted"}
DIRECTORY_SORTS = {
    "region": Province.sort_order * 100 + func.coalesce(Region.sort_order, 0),
    "center": TradingCenter.name,
    "venue": Venue.sort_key,
    "code": Workstation.code,
    "status": Workstation.status,
    "updated": Workstation.updated_at,
}


def _directory_filters():
    """The directory's filters from the query string; unknown values fall back to the defaults."""
    status = request.args.get("status", "")
    capability = request.args.get("capability", "")
    return {
        "region": int_arg("region"),
        "center": int_arg("center"),
        "capability": capability if capability in CAPABILITY_FILTERS else "",
        "status": status if status in STATUS_FILTERS else "",
        "q": request.args.get("q", "").strip()[:60],
    }


def _directory_where(filters) -> list:
    where = []
    if filters["region"]:
        where.append(TradingCenter.region_id == filters["region"])
    if filters["center"]:
        where.append(TradingCenter.id == filters["center"])
    return where


def _workstation_where(filters) -> list:
    where = _directory_where(filters)
    status_clause = STATUS_FILTERS[filters["status"]][1]()
    if status_clause is not None:
        where.append(status_clause)
    if filters["capability"] == "cross":
        where.append(Workstation.cross_province.is_(True))
    elif filters["capability"] == "local":
        where.append(Workstation.cross_province.is_(False))
    if filters["q"]:
        like = f"%{filters['q']}%"
        where.append(or_(Workstation.code.ilike(like), Venue.name.ilike(like)))
    return where


def _workstation_select(filters):
    return (select(Workstation)
            .join(Venue, Workstation.venue)
            .join(TradingCenter, Workstation.center)
            .join(Province, TradingCenter.province_id == Province.id)
            .outerjoin(Region, TradingCenter.region_id == Region.id)
            .options(contains_eager(Workstation.venue),
                     contains_eager(Workstation.center).contains_eager(TradingCenter.region))
            .where(*_workstation_where(filters)))


def _directory_rows(filters):
    """The directory's list as plain rows (only the columns it shows), not workstations with their venue, center
    and region objects: a page of 50 rows costs a fifth as much to load."""
    return (select(Workstation.id, Workstation.center_id, Workstation.code, Workstation.cross_province,
                   Workstation.has_av, Workstation.has_id_reader, Workstation.has_signature_pad, Workstation.status,
                   TradingCenter.name.label("center"), Venue.name.label("venue"), Region.name.label("region"))
            .select_from(Workstation)
            .join(Venue, Workstation.venue_id == Venue.id)
            .join(TradingCenter, Workstation.center_id == TradingCenter.id)
            .join(Province, TradingCenter.province_id == Province.id)
            .outerjoin(Region, TradingCenter.region_id == Region.id)
            .where(*_workstation_where(filters)))


def _filter_options():
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    centers = db.session.execute(
        select(TradingCenter.id, TradingCenter.name, TradingCenter.region_id, Province.name)
        .join(Province, TradingCenter.province_id == Province.id)
        .order_by(Province.sort_order, TradingCenter.region_id, TradingCenter.name)).all()
    return regions, centers


def _manageable_center_ids() -> set[int]:
    return set(db.session.scalars(select(TradingCenter.id).where(
        scope_clause("workstations.manage", TradingCenter))))


@bp.route("/")
@permission_required("workstations.view")
def index():
    filters = _directory_filters()
    sort, desc, order = sort_choice(DIRECTORY_SORTS, "region")
    stmt = _directory_rows(filters).order_by(
        order, Province.sort_order, Region.sort_order, TradingCenter.name, Venue.sort_key, Workstation.code)
    counts = services.center_counts(_directory_where(filters))
    known = None if filters["q"] else services.matching_total(counts, filters["status"], filters["capability"])
    if known is not None and sort == "region" and not desc:
        page = _page_in_place_order(filters, counts, known)
    else:
        page = paginate_rows(stmt, total=known)
    regions, centers = _filter_options()
    context = dict(
        filters=filters, page=page, counts=counts, regions=regions, centers=centers, sort=sort,
        desc=desc, status_filters=STATUS_FILTERS, capability_filters=CAPABILITY_FILTERS, status_badges=STATUS_BADGES,
        manageable=_manageable_center_ids(), totals=_totals(counts),
        groups=services.group_counts(counts),
    )
    if not wants_fragment():  # the compliance panel is part of the page, not of the filtered list
        context["compliance"] = services.standing_secondary_compliance()
    return render("workstations/index.html", "workstations/_results.html", **context)


def _page_in_place_order(filters, counts, total: int) -> Page:
    """The directory's default order (place: the summary's order of centers, then venue and code) without
    sorting every workstation: the centers' counts tell which centers the page's rows belong to, and only
    those centers' workstations are read (by index) and ordered."""
    per_page = page_size()
    number = min(page_number(), max(1, -(-total // per_page)))
    start, seen, first_seen, picked = (number - 1) * per_page, 0, 0, []
    for row in counts:
        n = services.matching_count(row, filters["status"], filters["capability"])
        if n and seen + n > start and seen < start + per_page:
            if not picked:
                first_seen = seen
            picked.append(row.id)
        seen += n
    if not picked:
        return Page([], number, per_page, total)
    rank = case({center_id: i for i, center_id in enumerate(picked)}, value=Workstation.center_id)
    stmt = (_directory_rows(filters).where(Workstation.center_id.in_(picked))
            .order_by(rank, Venue.sort_key, Workstation.code).limit(per_page).offset(start - first_seen))
    return Page(db.session.execute(stmt).all(), number, per_page, total)


def _totals(counts) -> dict:
    return {k: sum(getattr(row, k) for row in counts) for k in services.COUNT_KEYS}


@bp.route("/compliance")
@permission_required("workstations.view")
def compliance():
    rows = services.standing_secondary_compliance()
    return render("workstations/compliance.html", "workstations/_compliance.html", compliance=rows,
                  standing_records=standing.standing_records(rows, china_today()))


EXPORT_HEADERS = ["地区/省份", *[header for _, header, _ in rules.IMPORT_COLUMNS], "最后修改"]


@bp.route("/export.xlsx")
@permission_required("workstations.view")
def export():
    filters = _directory_filters()
    stmt = _workstation_select(filters).order_by(
        Province.sort_order, Region.sort_order, TradingCenter.name, Venue.sort_key, Workstation.code)
    limit = 100_000
    yes = {True: "是", False: "否"}
    rows = ([ws.center.region.name if ws.center.region else "", ws.center.name, ws.venue.name, ws.code,
             yes[ws.cross_province], yes[ws.has_av], yes[ws.has_id_reader], yes[ws.has_signature_pad],
             WORKSTATION_STATUS_LABELS[ws.status], ws.notes or "",
             ws.updated_at.strftime("%Y-%m-%d %H:%M") if ws.updated_at else ""]
            for ws in db.session.scalars(stmt.limit(limit)).unique())
    workbook = workbook_with_table("场所工位共享目录", EXPORT_HEADERS, rows,
                                   widths=[14, 28, 20, 14, 12, 10, 12, 10, 8, 24, 16])
    return xlsx_response(workbook, "场所工位共享目录.xlsx")


# ---------------------------------------------------------------- venues

def _scoped_centers():
    return db.session.scalars(scoped_select("workstations.manage", TradingCenter)
                              .where(TradingCenter.active.is_(True))
                              .order_by(TradingCenter.region_id, TradingCenter.name)).all()


@bp.route("/venues/")
@permission_required("workstations.manage")
def venues():
    q = request.args.get("q", "").strip()[:60]
    status = request.args.get("status", "active")
    in_use = func.count(Workstation.id).filter(Workstation.status != WorkstationStatus.RETIRED)
    stmt = (select(Venue, TradingCenter.name.label("center_name"), in_use.label("in_use"))
            .join(TradingCenter, Venue.center_id == TradingCenter.id)
            .outerjoin(Workstation, Workstation.venue_id == Venue.id)
            .where(scope_clause("workstations.manage", Venue))
            .group_by(Venue.id, TradingCenter.name)
            .order_by(TradingCenter.name, Venue.sort_key))
    if status in ("active", "retired"):
        stmt = stmt.where(Venue.status == VenueStatus(status))
    if q:
        stmt = stmt.where(or_(Venue.name.ilike(f"%{q}%"), TradingCenter.name.ilike(f"%{q}%")))
    page = paginate_rows(stmt)
    return render("workstations/venues.html", "workstations/_venues.html", page=page, q=q,
                  status_filter=status)


def _venue_form(venue: Venue | None):
    form = VenueForm(obj=venue)
    form.center_id.choices = [(c.id, c.name) for c in _scoped_centers()]
    if request.method == "GET" and venue is None and int_arg("center"):
        form.center_id.data = int_arg("center")
    if form.validate_on_submit():
        try:
            saved = services.save_venue(venue, form.data)
        except services.RegistryError as error:
            show_on_form(form, error, "name")
        else:
            db.session.commit()
            flash(f"评标场所“{saved.name}”已保存。", "success")
            return redirect(url_for("workstations.venues"), 303)
    return render_template("workstations/venue_form.html", form=form, venue=venue,
                           history=_history("venue", venue.id) if venue else [])


@bp.route("/venues/new", methods=["GET", "POST"])
@permission_required("workstations.manage")
def venue_new():
    return _venue_form(None)


@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@permission_required("workstations.manage")
def venue_edit(venue_id):
    venue = get_scoped_or_404("workstations.manage", Venue, venue_id)
    if venue.status is VenueStatus.RETIRED:
        flash("该评标场所已停用，不能修改。", "warning")
    return _venue_form(venue)


@bp.route("/venues/<int:venue_id>/retire", methods=["GET", "POST"])
@permission_required("workstations.manage")
def venue_retire(venue_id):
    venue = get_scoped_or_404("workstations.manage", Venue, venue_id)
    form = RetireForm()
    if form.validate_on_submit():
        try:
            count = services.retire_venue(venue, form.reason.data)
        except services.RegistryError as error:
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"评标场所“{venue.name}”已停用，其中 {count} 个工位同时停用。", "success")
            return redirect(url_for("workstations.venues"), 303)
    return render_template("workstations/retire.html", form=form, what="评标场所", name=venue.name,
                           action=url_for("workstations.venue_retire", venue_id=venue.id),
                           back=url_for("workstations.venues"),
                           warning="该场所中仍在用的工位将一并停用。停用不会删除任何记录。")


# ---------------------------------------------------------------- workstations

def _venue_choices():
    rows = db.session.execute(
        select(Venue.id, Venue.name, TradingCenter.name)
        .join(TradingCenter, Venue.center_id == TradingCenter.id)
        .where(scope_clause("workstations.manage", Venue), Venue.status == VenueStatus.ACTIVE)
        .order_by(TradingCenter.name, Venue.sort_key)).all()
    return [(vid, f"{center} · {name}") for vid, name, center in rows]


def _history(object_type: str, object_id: int, limit: int = 50):
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)).all()


def _workstation_form(workstation: Workstation | None, venue_choices: list):
    form = WorkstationForm(obj=workstation)
    if request.method == "GET" and workstation is not None:
        form.status.data = workstation.status.value
    if request.method == "GET" and workstation is None and int_arg("venue"):
        form.venue_id.data = int_arg("venue")
    form.venue_id.choices = venue_choices
    if workstation is not None and workstation.venue_id not in {c[0] for c in form.venue_id.choices}:
        form.venue_id.choices.insert(0, (workstation.venue_id, workstation.venue.name))
    if form.validate_on_submit():
        venue = get_scoped_or_404("workstations.manage", Venue, form.venue_id.data)
        try:
            saved = services.save_workstation(workstation, form.data, venue)
        except services.RegistryError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(f"工位 {saved.code} 已保存。", "success")
            if request.form.get("and_new"):
                return redirect(url_for("workstations.new", venue=saved.venue_id), 303)
            return redirect(url_for("workstations.index", center=saved.center_id), 303)
    return render_template("workstations/form.html", form=form, workstation=workstation,
                           history=_history("workstation", workstation.id) if workstation else [],
                           empty_form=ActionForm())


@bp.route("/new", methods=["GET", "POST"])
@permission_required("workstations.manage")
def new():
    choices = _venue_choices()
    if not choices:
        flash("请先登记评标场所，再登记工位。", "warning")
        return redirect(url_for("workstations.venue_new"), 303)
    return _workstation_form(None, choices)


def _load_workstation(workstation_id):
    return get_scoped_or_404("workstations.manage", Workstation, workstation_id,
                             options=(selectinload(Workstation.venue),))


@bp.route("/<int:workstation_id>/edit", methods=["GET", "POST"])
@permission_required("workstations.manage")
def edit(workstation_id):
    workstation = _load_workstation(workstation_id)
    return _workstation_form(workstation, _venue_choices())


@bp.route("/<int:workstation_id>/retire", methods=["GET", "POST"])
@permission_required("workstations.manage")
def retire(workstation_id):
    workstation = _load_workstation(workstation_id)
    form = RetireForm()
    if form.validate_on_submit():
        try:
            services.retire_workstation(workstation, form.reason.data)
        except services.RegistryError as error:
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"工位 {workstation.code} 已停用，历史记录保留。", "success")
            return redirect(url_for("workstations.edit", workstation_id=workstation.id), 303)
    return render_template("workstations/retire.html", form=form, what="评标工位", name=workstation.code,
                           action=url_for("workstations.retire", workstation_id=workstation.id),
                           back=url_for("workstations.edit", workstation_id=workstation.id),
                           warning="停用后该工位不再出现在可用工位中，历史记录保留。")


@bp.route("/<int:workstation_id>/restore", methods=["POST"])
@permission_required("workstations.manage")
def restore(workstation_id):
    workstation = _load_workstation(workstation_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.restore_workstation(workstation)
        except services.RegistryError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"工位 {workstation.code} 已恢复为可用。", "success")
    return redirect(url_for("workstations.edit", workstation_id=workstation.id), 303)


# ---------------------------------------------------------------- import / export

TEMPLATE_EXAMPLE = ["长春市公共资源交易中心", "第一评标区", "CC-A01", "是", "是", "是", "是", "可用", ""]


@bp.route("/import", methods=["GET", "POST"])
@permission_required("workstations.manage")
def import_():
    form = ImportForm()
    check, result = None, None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            headers, body = read_table(upload.filename, data, current_app.config["IMPORT_MAX_ROWS"])
        except SpreadsheetError as error:
            form.file.errors.append(str(error))
        else:
            check = services.check_import(headers, body)
            if not check.rows and not check.errors:
                form.file.errors.append("文件中没有数据行。")
                check = None
            elif check.ok and not form.dry_run.data:
                try:
                    result = services.apply_import(check, upload.filename)
                except services.RegistryError as error:
                    show_on_form(form, error, "file")
                else:
                    db.session.commit()
                    if not wants_fragment():
                        venues_note = (f"，新建评标场所 {len(result['venues'])} 个（{'、'.join(result['venues'])}）"
                                       if result["venues"] else "")
                        flash(f"已导入工位 {result['workstations']} 个{venues_note}。", "success")
                        return redirect(url_for("workstations.index"), 303)
    # A refusal is a 422: htmx swaps 422 answers (base.html), browsers show the page.
    return render("workstations/import.html", "workstations/_import.html",
                  status=422 if form.errors or (check and check.errors) else 200, form=form, check=check,
                  result=result, columns=rules.IMPORT_COLUMNS, max_rows=current_app.config["IMPORT_MAX_ROWS"],
                  centers=list(services.import_targets().keys()))


@bp.route("/import/template.xlsx")
@permission_required("workstations.manage")
def import_template_xlsx():
    headers = [header for _, header, _ in rules.IMPORT_COLUMNS]
    workbook = workbook_with_table("工位登记表", headers, [TEMPLATE_EXAMPLE],
                                   widths=[28, 20, 14, 20, 12, 14, 12, 10, 24])
    return xlsx_response(workbook, "评标工位登记模板.xlsx")


@bp.route("/import/template.csv")
@permission_required("workstations.manage")
def import_template_csv():
    headers = [header for _, header, _ in rules.IMPORT_COLUMNS]
    return csv_response(headers, [TEMPLATE_EXAMPLE], "评标工位登记模板.csv")


# ---------------------------------------------------------------- local use (本地使用)

LOCAL_USE_SHOWS = {"active": "有效的", "all": "全部（含已取消）"}


def _own_center() -> TradingCenter:
    """The center whose local use the account records: center staff record their own center's."""
    center = db.session.scalars(select(TradingCenter).where(
        scope_clause("workstations.local_use", TradingCenter))).first()
    if center is None:
        abort(404)
    return center


@bp.route("/local-use")
@permission_required("workstations.local_use")
def local_uses():
    center = _own_center()
    show = request.args.get("show", "active")
    show = show if show in LOCAL_USE_SHOWS else "active"
    stmt = scoped_select("workstations.local_use", LocalUse).order_by(
        LocalUse.active.desc(), LocalUse.first_date, LocalUse.id)
    if show == "active":
        stmt = stmt.where(LocalUse.active.is_(True), LocalUse.last_date >= china_today())
    page = paginate(stmt)
    return render("workstations/local_use.html", "workstations/_local_use.html", page=page, center=center,
                  show=show, shows=LOCAL_USE_SHOWS, held=local_use.hold_counts([u.id for u in page.items]),
                  weekdays=rules.WEEKDAYS)


@bp.route("/local-use/new", methods=["GET", "POST"])
@permission_required("workstations.local_use")
def local_use_new():
    center = _own_center()
    form = LocalUseForm()
    sections = local_use.own_sections(center.id)
    form.section_id.choices = [("", "（不选：填写本地项目名称）")] + sections
    stations = local_use.usable_workstations(center.id)
    status = 200
    if request.method == "GET" and not form.first_date.data:
        form.first_date.data = china_today()
    if form.validate_on_submit():
        try:
            use = local_use.create(center.id, form.data, china_today())
        except (services.RegistryError, holds.HoldTaken) as error:
            show_on_form(form, error, "workstation_ids")
        else:
            db.session.commit()
            flash(f"已登记{use.label}，占用工位 {use.seats} 个。", "success")
            return redirect(url_for("workstations.local_uses"), 303)
    if form.errors or form.form_errors:
        status = 422
    return render_template("workstations/local_use_form.html", form=form, center=center, stations=stations,
                           chosen=set(form.workstation_ids.data or [])), status


@bp.route("/local-use/<int:use_id>/cancel", methods=["GET", "POST"])
@permission_required("workstations.local_use")
def local_use_cancel(use_id):
    use = get_scoped_or_404("workstations.local_use", LocalUse, use_id)
    form = CancelLocalUseForm()
    if form.validate_on_submit():
        try:
            released = local_use.cancel(use, form.reason.data)
        except services.RegistryError as error:
            show_on_form(form, error, "reason")
        else:
            db.session.commit()
            flash(f"已取消{use.label}，释放工位占用 {released} 个。", "success")
            return redirect(url_for("workstations.local_uses"), 303)
    return render_template("workstations/local_use_cancel.html", form=form, use=use,
                           weekdays=rules.WEEKDAYS), 422 if form.errors else 200
