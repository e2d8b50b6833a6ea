"""Projects and tender sections: registration, the live remote-evaluation decision, exemptions, thresholds."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from .. import uploads
from ..auth.permissions import can, get_scoped_or_404, permission_required, scope_clause
from ..calendar.services import deadline_for
from ..clock import china_today
from ..errors import show_on_form
from ..extensions import db
from ..htmx import render
from ..listing import int_arg, paginate, sort_choice
from ..orgs.models import Province, Region, TradingCenter
from ..orgs.services import home_regions
from . import bp, services
from .forms import ExemptionForm, FilingForm, ProjectForm, SectionForm, ThresholdForm, WinningForm
from .models import Exemption, Project, Section, Threshold
from .holds import holds_of
from .panels import SectionView, section_panels
from .rules import (
    locked_fields,
    CATEGORY_LABELS,
    AmountError,
    Category,
    CombinedPart,
    Level,
    SectionFacts,
    ThresholdCategory,
    parse_amount,
    start_time_warning,
)

LEVEL_FILTERS = {"": "全部"} | {level.value: level.label for level in Level
                                if level not in (Level.INCOMPLETE, Level.SHOULD)}
EXEMPTION_FILTERS = {"": "全部", "exempt": "不采用远程异地评标（有书面说明）", "unfiled": "书面说明未备案",
                     "missing": "原则上应采用但尚未说明"}
SECTION_SORTS = {
    "date": Section.evaluation_date,
    "created": Section.created_at,
    "price": Section.estimated_price_wan,
    "project": Project.code,
}


def _section_filters():
    level = request.args.get("level", "")
    exemption = request.args.get("exemption", "")
    category = request.args.get("category", "")
    return {"q": request.args.get("q", "").strip()[:60],
            "level": level if level in LEVEL_FILTERS else "",
            "exemption": exemption if exemption in EXEMPTION_FILTERS else "",
            "category": category if category in {c.value for c in Category} else ""}


def _sections_select(filters):
    stmt = (select(Section)
            .join(Project, Section.project)
            .join(TradingCenter, Section.main_center)
            .outerjoin(Exemption, Section.exemption)
            .options(contains_eager(Section.project), contains_eager(Section.main_center),
                     contains_eager(Section.exemption))
            .where(scope_clause("projects.view", Section)))
    if filters["q"]:
        like = f"%{filters['q']}%"
        stmt = stmt.where(or_(Project.name.ilike(like), Project.code.ilike(like), Section.name.ilike(like),
                              Section.code.ilike(like), Project.tenderee.ilike(like)))
    if filters["level"]:
        stmt = stmt.where(Section.remote_level == Level(filters["level"]))
    if filters["category"]:
        stmt = stmt.where(Section.category == Category(filters["category"]))
    if filters["exemption"] == "exempt":
        stmt = stmt.where(Exemption.id.is_not(None))
    elif filters["exemption"] == "unfiled":
        stmt = stmt.where(Exemption.id.is_not(None), Exemption.filed_on.is_(None))
    elif filters["exemption"] == "missing":
        stmt = stmt.where(Section.remote_level == Level.MUST, Exemption.id.is_(None))
    return stmt


@bp.route("/")
@permission_required("projects.view")
def index():
    filters = _section_filters()
    sort, desc, order = sort_choice(SECTION_SORTS, "-created")
    page = paginate(_sections_select(filters).order_by(order, Section.id.desc()))
    deadlines = {s.id: deadline_for(s.evaluation_date) for s in page.items if s.evaluation_date}
    return render("projects/index.html", "projects/_sections.html", page=page, filters=filters, sort=sort,
                  desc=desc, deadlines=deadlines, level_filters=LEVEL_FILTERS, exemption_filters=EXEMPTION_FILTERS,
                  category_labels=CATEGORY_LABELS, today=china_today())


# --- projects -----------------------------------------------------------------------------------------------

def _region_choices():
    return [("", "请选择")] + [(r.id, r.name) for r in home_regions()]


def _project_form(project: Project | None):
    form = ProjectForm(obj=project)
    form.region_id.choices = _region_choices()
    if request.method == "GET" and project is None and current_user.region_id:
        form.region_id.data = current_user.region_id
    if form.validate_on_submit():
        try:
            saved = services.save_project(project, form.data, current_user)
        except services.ProjectError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            if project is None:
                flash("项目已登记，请添加标段（包）。", "success")
                return redirect(url_for("projects.section_new", project_id=saved.id), 303)
            flash("项目信息已保存。", "success")
            return redirect(url_for("projects.project", project_id=saved.id), 303)
    return render_template("projects/project_form.html", form=form, project=project), \
        (422 if form.errors or form.form_errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("projects.manage")
def project_new():
    return _project_form(None)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@permission_required("projects.manage")
def project_edit(project_id):
    return _project_form(get_scoped_or_404("projects.manage", Project, project_id))


@bp.route("/<int:project_id>")
@permission_required("projects.view")
def project(project_id):
    project = get_scoped_or_404("projects.view", Project, project_id,
                                options=(joinedload(Project.region), joinedload(Project.owner)))
    sections = db.session.scalars(
        select(Section).where(Section.project_id == project.id, scope_clause("projects.view", Section))
        .options(joinedload(Section.main_center), joinedload(Section.exemption))
        .order_by(Section.code)).unique().all()
    deadlines = {s.id: deadline_for(s.evaluation_date) for s in sections if s.evaluation_date}
    return render_template("projects/project.html", project=project, sections=sections, deadlines=deadlines,
                           today=china_today(), may_edit=_owns(project))


def _owns(project: Project) -> bool:
    return can("projects.manage") and project.owner_id == current_user.id


# --- sections -----------------------------------------------------------------------------------------------

def _center_choices():
    rows = db.session.execute(
        select(TradingCenter.id, TradingCenter.name).join(Province, TradingCenter.province_id == Province.id)
        .outerjoin(Region, TradingCenter.region_id == Region.id)
        .where(Province.is_home.is_(True), TradingCenter.active.is_(True))
        .order_by(Region.sort_order.nulls_first(), TradingCenter.level_rank(), TradingCenter.name)).all()
    return [("", "请选择")] + [(cid, name) for cid, name in rows]


def _panel_context(form: SectionForm, registered_on: date, project_id: int | None,
                   section_id: int | None) -> dict:
    """The live decision panel: the scope decision, the filing deadline and the warnings for what is typed."""
    category = form.category.data if form.category.data in {c.value for c in Category} else Category.CONSTRUCTION.value
    parts = [p for p in (form.combined_parts.data or []) if p]
    facts = SectionFacts(
        category=Category(category),
        estimates=(form.contract_estimate_wan.amount, form.investment_estimate_wan.amount, form.budget_wan.amount),
        part_amounts={ThresholdCategory.CONSTRUCTION: form.epc_construction_wan.amount,
                      ThresholdCategory.GOODS: form.epc_goods_wan.amount,
                      ThresholdCategory.SERVICES: form.epc_services_wan.amount},
        combined_parts=frozenset(CombinedPart(p) for p in parts
                                 if p in {c.value for c in CombinedPart}),
        special_expert_needs=bool(form.special_expert_needs.data),
        local_pool_insufficient=bool(form.local_pool_insufficient.data) and bool(form.special_expert_needs.data),
        mandatory_tender=form.mandatory_tender.data != "no",
    )
    decision = None
    if facts.category is not Category.COMBINED or facts.combined_parts:
        siblings = services.siblings_of(project_id, section_id) if project_id is not None else ()
        decision = services.decide(facts, registered_on, siblings)
    evaluation_date = form.evaluation_date.data
    if evaluation_date and not 2000 <= evaluation_date.year <= 2099:
        evaluation_date = None   # the form says why; nothing to count from
    return {
        "decision": decision,
        "deadline": deadline_for(evaluation_date) if evaluation_date else None,
        "time_warning": start_time_warning(form.start_time.data),
        "past_date": bool(evaluation_date and evaluation_date < china_today()),
        "amount_errors": [(getattr(form, name).label.text, error) for name in form.AMOUNT_FIELDS
                          for error in _amount_errors(getattr(form, name))],
        "today": china_today(),
    }


def _amount_errors(field):
    try:
        parse_amount(field.data)
    except AmountError as error:
        return [str(error)]
    return []


def _stored_form(section: Section) -> SectionForm:
    """The section as stored, in form fields: what a locked field shows and posts back unchanged."""
    form = SectionForm(formdata=None, obj=section)
    form.main_center_id.choices = _center_choices()
    form.category.data = section.category.value
    form.combined_parts.data = [p.value for p in section.parts]
    return form


def _posted_values(field) -> list[str]:
    """A field's value as the browser posts it, for the hidden copy of a locked (disabled) field."""
    if field.type == "BooleanField":
        return ["y"] if field.data else []
    if field.type in ("CheckboxListField", "SelectMultipleField"):
        return [str(v) for v in field.data or []]
    if field.type == "SelectField":
        return [] if field.data is None else [str(field.data)]
    return [field._value()]


def _locks(section: Section | None) -> dict:
    """The section's locked fields while requests or bookings hold it (issue 22 item 4), as the form shows
    them: the stored values, disabled, posted back by hidden copies, with the reason."""
    holds = holds_of(section.id if section else None)
    ended = any(h.ended for h in holds)
    locked = locked_fields(bool(holds), ended)
    if not locked:
        return {"locked": (), "lock_note": None, "stored": None, "locked_values": {}}
    stored = _stored_form(section)
    reasons = "；".join(dict.fromkeys(h.reason for h in holds))
    note = ("该标段的评审已经结束，评标日期、开始时间、主场交易中心、估算价、类别和资格预审已冻结，不能再修改。" if ended else
            f"该标段已有进行中的客场机位申请或预订（{reasons}）：评标日期、开始时间和主场交易中心须与申请一致，"
            "只能通过场地变更申请调整，这里只读显示。修改估算价、类别或资格预审会重新判定是否应采用远程异地评标，"
            "并通知各客场。")
    return {"locked": locked, "lock_note": note, "stored": stored,
            "locked_values": {name: _posted_values(stored[name]) for name in locked}}


def _section_form(project: Project, section: Section | None):
    form = SectionForm(obj=section)
    form.main_center_id.choices = _center_choices()
    if request.method == "GET" and section is not None:
        form.category.data = section.category.value
        form.combined_parts.data = [p.value for p in section.parts]
    if form.validate_on_submit():
        try:
            saved = services.save_section(project, section, form.values())
        except services.ProjectError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(f"标段已保存：{saved.remote_level.label}。", "success")
            warning = start_time_warning(saved.start_time)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("projects.section", section_id=saved.id), 303)
    panel = _panel_context(form, services.registration_day(section), project.id, section.id if section else None)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("projects/section_form.html", form=form, project=project, section=section,
                           **panel, **_locks(section)), status


@bp.route("/<int:project_id>/sections/new", methods=["GET", "POST"])
@permission_required("projects.manage")
def section_new(project_id):
    return _section_form(get_scoped_or_404("projects.manage", Project, project_id), None)


def _load_section(action, section_id):
    return get_scoped_or_404(action, Section, section_id,
                             options=(joinedload(Section.project), joinedload(Section.main_center),
                                      joinedload(Section.exemption)))


@bp.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
@permission_required("projects.manage")
def section_edit(section_id):
    section = _load_section("projects.manage", section_id)
    return _section_form(section.project, section)


@bp.route("/scope-preview", methods=["POST"])
@permission_required("projects.manage")
def scope_preview():
    """The decision panel for the figures typed so far (htmx, as the agent types)."""
    form = SectionForm()
    section_id = int_arg("section")
    section = _load_section("projects.manage", section_id) if section_id else None
    project_id = int_arg("project")
    if section is not None:
        project_id = section.project_id
    elif project_id is not None:
        project_id = get_scoped_or_404("projects.manage", Project, project_id).id
    return render("projects/_scope_panel.html", "projects/_scope_panel.html",
                  **_panel_context(form, services.registration_day(section), project_id,
                                   section.id if section else None))


def _may_see_exemption(section: Section) -> bool:
    """The explanation (it may concern state secrets) is for its agent and the supervisors, not every viewer."""
    if _owns(section.project):
        return True
    return can("exemptions.view") and db.session.scalar(
        select(Section.id).where(Section.id == section.id, scope_clause("exemptions.view", Section))) is not None


def _section_page(section: Section, exemption_form=None, filing_form=None, winning_form=None, status=200):
    decision = services.decide(section.facts(), services.registration_day(section),
                               services.siblings_of(section.project_id, section.id))
    return render_template(
        "projects/section.html", section=section, project=section.project, decision=decision,
        deadline=deadline_for(section.evaluation_date) if section.evaluation_date else None,
        time_warning=start_time_warning(section.start_time), today=china_today(), may_edit=_owns(section.project),
        may_see_exemption=_may_see_exemption(section), exemption_form=exemption_form,
        filing_form=filing_form, panels=section_panels(SectionView(section, _owns(section.project))),
        winning_form=winning_form or (WinningForm(formdata=None, obj=section) if _owns(section.project) else None)), \
        status


@bp.route("/sections/<int:section_id>")
@permission_required("projects.view")
def section(section_id):
    section = _load_section("projects.view", section_id)
    exemption = section.exemption
    owner = _owns(section.project)
    may_explain = owner and section.remote_level.exemptable and not (exemption and exemption.filed)
    return _section_page(section, exemption_form=ExemptionForm(obj=exemption) if may_explain else None,
                         filing_form=FilingForm() if owner and exemption and not exemption.filed else None)


@bp.route("/sections/<int:section_id>/exemption", methods=["POST"])
@uploads.limit(21 * uploads.MB)
@permission_required("projects.manage")
def exemption_save(section_id):
    section = _load_section("projects.manage", section_id)
    form = ExemptionForm()
    if form.validate_on_submit():
        upload = form.pdf.data if getattr(form.pdf.data, "filename", "") else None
        problem = services.pdf_problem(upload.stream) if upload else None
        if problem:
            form.pdf.errors.append(problem)
        else:
            try:
                with uploads.transaction(services.EXEMPTION_FEATURE) as batch:
                    services.record_exemption(section, {"reason": form.reason.data,
                                                        "explanation": form.explanation.data}, upload, batch)
            except services.ProjectError as error:
                show_on_form(form, error)
            else:
                flash("书面说明已保存。确定中标人后，请向行政监督部门提交并在此登记备案。", "success")
                return redirect(url_for("projects.section", section_id=section.id) + "#exemption", 303)
    return _section_page(section, exemption_form=form, status=422)


@bp.route("/sections/<int:section_id>/exemption/filed", methods=["POST"])
@permission_required("projects.manage")
def exemption_filed(section_id):
    section = _load_section("projects.manage", section_id)
    if section.exemption is None:
        abort(404)
    form = FilingForm()
    if form.validate_on_submit():
        try:
            services.mark_filed(section, form.winner_determined_on.data, form.filed_on.data,
                                form.filed_with.data)
        except services.ProjectError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("已登记向行政监督部门备案。", "success")
            return redirect(url_for("projects.section", section_id=section.id) + "#exemption", 303)
    return _section_page(section, filing_form=form, status=422)


@bp.route("/sections/<int:section_id>/winning", methods=["POST"])
@permission_required("projects.manage")
def winning(section_id):
    """The agent records the winning bid once the winner is determined (it feeds the monthly report)."""
    section = _load_section("projects.manage", section_id)
    form = WinningForm()
    if form.validate_on_submit():
        try:
            services.record_winning(section, form.winning_bid_wan.amount)
        except services.ProjectError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("中标金额已登记。", "success")
            return redirect(url_for("projects.section", section_id=section_id) + "#winning", 303)
    return _section_page(section, winning_form=form, status=422)


@bp.route("/sections/<int:section_id>/exemption.pdf")
@permission_required("projects.view")
def exemption_pdf(section_id):
    section = _load_section("projects.view", section_id)
    exemption = section.exemption
    if exemption is None or not exemption.pdf_key or not _may_see_exemption(section):
        abort(404)
    return uploads.send_key(exemption.pdf_key, exemption.pdf_name or "说明.pdf", "application/pdf")


@bp.route("/exemptions")
@permission_required("exemptions.view")
def exemptions():
    only_unfiled = request.args.get("unfiled") == "1"
    stmt = (select(Exemption).join(Section, Exemption.section).join(Project, Section.project)
            .options(contains_eager(Exemption.section).contains_eager(Section.project),
                     contains_eager(Exemption.section).joinedload(Section.main_center))
            .where(scope_clause("exemptions.view", Section)))
    if only_unfiled:
        stmt = stmt.where(Exemption.filed_on.is_(None))
    page = paginate(stmt.order_by(Exemption.filed_on.is_not(None), Exemption.created_at.desc()))
    return render("projects/exemptions.html", "projects/_exemptions.html", page=page, only_unfiled=only_unfiled)


# --- thresholds ---------------------------------------------------------------------------------------------

@bp.route("/thresholds", methods=["GET", "POST"])
@permission_required("thresholds.view")
def thresholds():
    form = ThresholdForm()
    status = 200
    if request.method == "POST":
        if not can("thresholds.manage"):
            abort(403)
        if form.validate_on_submit():
            try:
                services.add_threshold(ThresholdCategory(form.category.data), form.amount.amount,
                                       form.effective_from.data, form.notice.data)
            except services.ProjectError as error:
                show_on_form(form, error)
            else:
                db.session.commit()
                flash("新的限额标准已保存，自生效日期起用于判断新登记的标段。", "success")
                return redirect(url_for("projects.thresholds"), 303)
        status = 422
    rows = db.session.scalars(select(Threshold).order_by(Threshold.category, Threshold.effective_from.desc())).all()
    current = services.thresholds_on(china_today())
    return render_template("projects/thresholds.html", rows=rows, current=current, form=form,
                           categories=list(ThresholdCategory)), status
