"""Expert pool: the shared catalogue (counts only), region records, the specialty tree, shortages."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..audit.services import record as audit_record
from ..auth.permissions import can, get_scoped_or_404, permission_required, scope_clause
from ..errors import show_on_form
from ..extensions import db
from ..htmx import render
from ..listing import int_arg, paginate
from ..orgs.services import home_regions
from ..spreadsheets import SpreadsheetError, read_table
from ..workbooks import csv_response, workbook_with_table, xlsx_response
from . import bp, services
from .forms import ExpertForm, ImportForm, MinimumForm, SpecialtyForm, TransferForm
from .models import Expert, ExpertSpecialty, Specialty
from .rules import IMPORT_COLUMNS, Status


def _home_regions():
    return home_regions()


def _specialty_label(s: Specialty) -> str:
    return "　" * (s.level - 1) + f"{s.code} {s.name}"


@bp.route("/")
@permission_required("experts.catalogue")
def catalogue():
    """How many experts of each specialty each region has; never who they are."""
    regions = _home_regions()
    region_id = int_arg("region")
    scope = request.args.get("scope", "")
    scope = scope if scope in services.SCOPE_FILTERS else ""
    q = request.args.get("q", "").strip()[:30]
    tree = services.specialty_tree(active_only=True)
    rows = tree
    if q:
        needle = q.upper()
        rows = [s for s in tree if needle in s.code or q in s.name]
    counts = services.catalogue_counts(region_id, scope)
    by_scope = {key: services.catalogue_counts(region_id, key) for key in ("province", "cross_province")}
    shown_regions = [r for r in regions if r.id == region_id] if region_id else regions
    return render("experts/catalogue.html", "experts/_catalogue.html", rows=rows, counts=counts,
                  by_scope=by_scope, regions=regions, shown_regions=shown_regions, region_id=region_id,
                  scope=scope, q=q,
                  scope_filters=services.SCOPE_FILTERS)


@bp.route("/shortage", methods=["GET", "POST"])
@permission_required("experts.catalogue")
def shortage():
    """Available experts against the minimum the province set, shortest first; exportable."""
    form = MinimumForm()
    tree = services.specialty_tree(active_only=True)
    form.specialty_id.choices = [("", "请选择")] + [(s.id, _specialty_label(s)) for s in tree]
    status = 200
    if request.method == "POST":
        if not can("experts.minimums"):
            abort(403)
        if form.validate_on_submit():
            specialty = db.get_or_404(Specialty, form.specialty_id.data)
            services.set_minimum(specialty, form.minimum.data)
            db.session.commit()
            flash(f"已设定 {specialty} 的最低可用专家数为 {form.minimum.data}。", "success")
            return redirect(url_for("experts.shortage"), 303)
        status = 422
    rows = _shortage_rows(tree)
    if request.args.get("format") == "xlsx":
        workbook = workbook_with_table("专家缺口", ["专业代码", "专业名称", "全省可用专家", "最低需要", "缺口"],
                                       [[s.code, s.name, have, need, gap] for s, have, need, gap in rows],
                                       widths=[10, 24, 14, 10, 8])
        return xlsx_response(workbook, "评标专家缺口.xlsx")
    return render_template("experts/shortage.html", rows=rows, form=form), status


def _shortage_rows(tree):
    counts = services.catalogue_counts(scope="province")
    wanted = services.minimums()
    rows = []
    for s in tree:
        need = wanted.get(s.id)
        if need is None:
            continue
        have = counts.get((s.code, None), 0)
        rows.append((s, have, need, max(0, need - have)))
    rows.sort(key=lambda row: (-row[3], row[0].code))
    return rows


# --- records of the region --------------------------------------------------------------------------------

@bp.route("/records")
@permission_required("experts.view")
def records():
    q = request.args.get("q", "").strip()[:30]
    status = request.args.get("status", "")
    stmt = (select(Expert).where(scope_clause("experts.view", Expert))
            .options(joinedload(Expert.region),
                     selectinload(Expert.specialty_links).joinedload(ExpertSpecialty.specialty)))
    if q:
        # The ID number and the phone are encrypted: they are found whole, through their blind indexes.
        stmt = stmt.where(or_(Expert.name.contains(q), Expert.employer.contains(q), Expert.id_number_is(q),
                              Expert.phone_is(q)))
    if status in {s.value for s in Status}:
        stmt = stmt.where(Expert.status == Status(status))
    page = paginate(stmt.order_by(Expert.region_id, Expert.id))
    return render("experts/records.html", "experts/_records.html", page=page, q=q, status_filter=status,
                  statuses=list(Status))


def _expert_form(expert: Expert | None):
    form = ExpertForm(obj=expert)
    tree = services.specialty_tree(active_only=True)
    form.specialty_ids.choices = [(s.id, _specialty_label(s)) for s in tree]
    regions = _home_regions()
    if current_user.region_id:
        regions = [r for r in regions if r.id == current_user.region_id]
    form.region_id.choices = [(r.id, r.name) for r in regions]
    if request.method == "GET" and expert is not None:
        form.specialty_ids.data = [link.specialty_id for link in expert.specialty_links]
        form.status.data, form.share_scope.data = expert.status.value, expert.share_scope.value
    if form.validate_on_submit():
        region_id = expert.region_id if expert else (current_user.region_id or form.region_id.data)
        try:
            if region_id not in {r.id for r in regions}:
                raise services.ExpertError("请选择所属地区。", "region_id")
            saved = services.save_expert(expert, form.data, region_id)
        except services.ExpertError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("专家信息已保存。", "success")
            return redirect(url_for("experts.record", expert_id=saved.id), 303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("experts/form.html", form=form, expert=expert), status


@bp.route("/records/new", methods=["GET", "POST"])
@permission_required("experts.manage")
def record_new():
    return _expert_form(None)


def _load(action, expert_id):
    return get_scoped_or_404(action, Expert, expert_id, options=(
        joinedload(Expert.region), selectinload(Expert.specialty_links).joinedload(ExpertSpecialty.specialty)))


@bp.route("/records/<int:expert_id>/edit", methods=["GET", "POST"])
@permission_required("experts.manage")
def record_edit(expert_id):
    return _expert_form(_load("experts.manage", expert_id))


@bp.route("/records/<int:expert_id>")
@permission_required("experts.view")
def record(expert_id):
    expert = _load("experts.view", expert_id)
    services.record_view(expert, current_user)
    db.session.commit()
    transfer_form = None
    if can("experts.transfer"):
        transfer_form = TransferForm()
        transfer_form.region_id.choices = [("", "请选择")] + [(r.id, r.name) for r in _home_regions()
                                                              if r.id != expert.region_id]
    return render_template("experts/record.html", expert=expert, transfer_form=transfer_form)


@bp.route("/records/<int:expert_id>/transfer", methods=["POST"])
@permission_required("experts.transfer")
def record_transfer(expert_id):
    expert = _load("experts.transfer", expert_id)
    form = TransferForm()
    form.region_id.choices = [(r.id, r.name) for r in _home_regions()]
    if form.validate_on_submit():
        try:
            services.transfer_expert(expert, form.region_id.data, form.reason.data)
        except services.ExpertError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("专家记录已转移。", "success")
    else:
        flash("请选择转入地区并填写原因。", "error")
    return redirect(url_for("experts.record", expert_id=expert.id), 303)


# --- import and export ---------------------------------------------------------------------------------------

TEMPLATE_EXAMPLE = ["张建国", "220102198001010012", "13912345678", "长春市市政工程设计研究院", "高级工程师", "A0201、C02",
                    "全省共享", "在库", "长春地区"]


@bp.route("/import", methods=["GET", "POST"])
@permission_required("experts.manage")
def import_():
    form = ImportForm()
    check, result = None, None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            headers, body = read_table(upload.filename, upload.read(), current_app.config["EXPERT_IMPORT_MAX_ROWS"])
        except SpreadsheetError as error:
            form.file.errors.append(str(error))
        else:
            check = services.check_import(headers, body, current_user.region_id)
            if not check.rows and not check.errors:
                form.file.errors.append("文件中没有数据行。")
                check = None
            elif check.ok and not form.dry_run.data:
                try:
                    result = services.apply_import(check, upload.filename, current_user.region_id)
                except services.ExpertError as error:
                    show_on_form(form, error, "file")
                else:
                    db.session.commit()
    counts = None
    if check and check.ok:
        counts = {"new": sum(r["action"] == "new" for r in check.rows),
                  "update": sum(r["action"] == "update" for r in check.rows)}
    # A refusal is a 422: htmx swaps 422 answers (base.html), browsers show the page.
    return render("experts/import.html", "experts/_import.html",
                  status=422 if form.errors or (check and check.errors) else 200, form=form, check=check,
                  result=result, counts=counts, columns=IMPORT_COLUMNS,
                  max_rows=current_app.config["EXPERT_IMPORT_MAX_ROWS"])


@bp.route("/import/template.xlsx")
@permission_required("experts.manage")
def import_template_xlsx():
    headers = [header for _, header, _ in IMPORT_COLUMNS]
    return xlsx_response(workbook_with_table("专家信息表", headers, [TEMPLATE_EXAMPLE],
                                             widths=[12, 22, 14, 28, 12, 16, 10, 8, 12]), "评标专家导入模板.xlsx")


@bp.route("/import/template.csv")
@permission_required("experts.manage")
def import_template_csv():
    headers = [header for _, header, _ in IMPORT_COLUMNS]
    # 身份证号码 and 手机号码 stay text in Excel/WPS (an 18-digit number would be rounded).
    text_columns = tuple(i for i, (key, _, _) in enumerate(IMPORT_COLUMNS) if key in ("id_number", "phone"))
    return csv_response(headers, [TEMPLATE_EXAMPLE], "评标专家导入模板.csv", text_columns=text_columns)


@bp.route("/records/export.xlsx")
@permission_required("experts.view")
def records_export():
    """The region's own records, personal fields included; every export is audited."""
    stmt = (select(Expert).where(scope_clause("experts.view", Expert))
            .options(joinedload(Expert.region),
                     selectinload(Expert.specialty_links).joinedload(ExpertSpecialty.specialty))
            .order_by(Expert.region_id, Expert.id))
    rows = services.export_rows(stmt)
    audit_record("export", "expert", None, label="专家信息导出", region_id=current_user.region_id,
                 summary=f"导出 {len(rows)} 名专家")
    db.session.commit()
    headers = [header for _, header, _ in IMPORT_COLUMNS]
    return xlsx_response(workbook_with_table("专家信息", headers, rows, widths=[12, 22, 14, 28, 12, 16, 10, 8, 12]),
                         "评标专家信息.xlsx")


# --- the specialty tree -------------------------------------------------------------------------------------

@bp.route("/specialties", methods=["GET", "POST"])
@permission_required("experts.catalogue")
def specialties():
    form = SpecialtyForm()
    status = 200
    if request.method == "POST":
        if not can("specialties.manage"):
            abort(403)
        if form.validate_on_submit():
            try:
                services.save_specialty(None, form.code.data, form.name.data, form.active.data)
            except services.ExpertError as error:
                show_on_form(form, error)
            else:
                db.session.commit()
                flash("专业已添加。", "success")
                return redirect(url_for("experts.specialties"), 303)
        status = 422
    return render_template("experts/specialties.html", tree=services.specialty_tree(), form=form), status


@bp.route("/specialties/<int:specialty_id>/edit", methods=["GET", "POST"])
@permission_required("specialties.manage")
def specialty_edit(specialty_id):
    specialty = db.get_or_404(Specialty, specialty_id)
    form = SpecialtyForm(obj=specialty)
    if form.validate_on_submit():
        try:
            services.save_specialty(specialty, form.code.data, form.name.data, form.active.data)
        except services.ExpertError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("专业已保存。", "success")
            return redirect(url_for("experts.specialties"), 303)
    return render_template("experts/specialty_form.html", form=form, specialty=specialty), \
        (422 if form.errors else 200)

