"""The evaluation day and after (评标当日与事后): committee, draws, sign-in, the live board, the end
instruction, duties, incidents, clues, hand-over, fees and the deadlines board.

Thin views: load in scope or 404, check the role or 403 (and the venue the person runs), call the service,
commit once, render or 303. A refused change re-renders the page with the message and what was typed (422).
"""
import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import uploads
from ..auth.models import Role
from ..auth.permissions import can, get_scoped_or_404, permission_required, scope_clause
from ..errors import show_on_form
from ..forms_base import ActionForm, china_to_utc
from ..experts.services import specialty_tree
from ..extensions import db
from ..htmx import fragment, render, wants_fragment
from ..listing import paginate, sort_choice
from ..models_base import valid_id
from ..projects.models import Section
from ..templating import china_today
from ..calendar.rules import parse_iso_date
from . import bp, rules, services
from .forms import (
    NEED_ROWS,
    ClueForm,
    CommitteeForm,
    DutyForm,
    HandoverForm,
    IncidentForm,
    PaymentForm,
    ReceiveForm,
    ReplaceForm,
    ReportForm,
    ResumeForm,
    SignInForm,
    WinnerForm,
    parse_needs,
)
from .models import Attachment, Clue, CommitteeMember, Evaluation, EvaluationVenue, ExpertDraw, Incident

CLUE_MAX_BYTES = 20 * uploads.MB
HANDOVER_MAX_BYTES = 50 * uploads.MB


# --- list ---------------------------------------------------------------------------------------------------

@bp.route("/")
@permission_required("evaluation.view")
def index():
    filters = {"q": request.args.get("q", "").strip()[:60], "start": parse_iso_date(request.args.get("start")),
               "end": parse_iso_date(request.args.get("end")), "state": request.args.get("state", "")}
    stmt = (select(Evaluation).where(scope_clause("evaluation.view", Evaluation))
            .join(Section, Evaluation.section_id == Section.id)
            .options(joinedload(Evaluation.section).joinedload(Section.project), joinedload(Evaluation.main_center)))
    if filters["q"]:
        like = f"%{filters['q']}%"
        stmt = stmt.where(or_(Section.name.ilike(like), Section.code.ilike(like)))
    if filters["start"]:
        stmt = stmt.where(Evaluation.evaluation_date >= filters["start"])
    if filters["end"]:
        stmt = stmt.where(Evaluation.evaluation_date <= filters["end"])
    if filters["state"] == "open":
        stmt = stmt.where(Evaluation.ended_at.is_(None))
    elif filters["state"] == "ended":
        stmt = stmt.where(Evaluation.ended_at.is_not(None))
    sort, desc, column = sort_choice({"date": Evaluation.evaluation_date, "updated": Evaluation.updated_at}, "date")
    page = paginate(stmt.order_by(column, Evaluation.id))
    ready = services.ready_sections(current_user) if can("evaluation.manage") else []
    return render("evaluations/index.html", "evaluations/_list.html", page=page, filters=filters, sort=sort,
                  desc=desc, ready=ready, today=china_today())


# --- the committee (评标委员会组成) ------------------------------------------------------------------------

def _committee_context(section, evaluation, form, needs=None, need_errors=None):
    requests = services.holding_requests(section)
    keys = [("main", f"主场（{section.main_center.name}）", None)]
    keys += [(str(r.id), f"客场（{r.guest_center.name}）", r) for r in requests]
    if needs is None:
        needs = {}
        if evaluation is not None:
            by_request = {v.seat_request_id or "main": v for v in evaluation.venues}
            for key, _, req in keys:
                venue = by_request.get(req.id if req else "main")
                needs[key] = [(n.specialty_id, n.count) for n in venue.needs] if venue else []
        else:
            for key, _, req in keys:
                if req is not None:
                    specialties = [link.specialty_id for link in req.specialty_links][:1]
                    needs[key] = [(specialties[0], req.seats_accepted or req.seats_requested)] if specialties else []
    return dict(section=section, project=section.project, evaluation=evaluation, form=form, venue_keys=keys,
                needs=needs, need_errors=need_errors or {}, rows=range(NEED_ROWS),
                specialties=specialty_tree(active_only=True))


@bp.route("/new", methods=["GET", "POST"])
@permission_required("evaluation.manage")
def new():
    """The main venue fixes the committee of a section with accepted guest seats (or changes it before drawing)."""
    section = get_scoped_or_404("projects.view", Section, request.args.get("section"),
                                options=(joinedload(Section.project), joinedload(Section.main_center)))
    if section.main_center_id != current_user.center_id:
        abort(403)
    evaluation = db.session.scalars(select(Evaluation).where(Evaluation.section_id == section.id)
                                    .options(*services.evaluation_options())).first()
    form = CommitteeForm(obj=evaluation) if request.method == "GET" else CommitteeForm()
    status = 200
    if request.method == "GET":
        if evaluation is None and not services.holding_requests(section):
            flash("该标段还没有已接受的客场机位申请：请先申请客场机位。", "error")
            return redirect(url_for("projects.section", section_id=section.id), 303)
        return render_template("evaluations/committee.html", **_committee_context(section, evaluation, form))
    context_keys = ["main"] + [str(r.id) for r in services.holding_requests(section)]
    specialty_ids = {s.id for s in specialty_tree(active_only=True)}
    needs, need_errors = parse_needs(request.form, context_keys, specialty_ids)
    if form.validate_on_submit() and not need_errors:
        data = {name: getattr(form, name).data for name in (
            "committee_size", "tenderee_reps", "bidders", "supervising_department", "avoid_months")}
        data["tenderee_reps"] = data["tenderee_reps"] or 0
        try:
            evaluation = services.fix_committee(section, evaluation, data, needs)
        except services.EvaluationError as error:
            db.session.rollback()
            show_on_form(form, error)
            evaluation = db.session.scalars(select(Evaluation).where(Evaluation.section_id == section.id)
                                            .options(*services.evaluation_options())).first()
        else:
            db.session.commit()
            flash("评标委员会组成和抽取条件已保存。各场所可以抽取专家。", "success")
            return redirect(url_for("evaluations.show", evaluation_id=evaluation.id), 303)
    status = 422
    return render_template("evaluations/committee.html",
                           **_committee_context(section, evaluation, form, needs, need_errors)), status


# --- the evaluation page ------------------------------------------------------------------------------------

def _load(evaluation_id, action="evaluation.view"):
    return get_scoped_or_404(action, Evaluation, evaluation_id, options=services.evaluation_options())


def _reload(evaluation_id):
    """After a refused change: roll back and load the evaluation afresh (every attribute, every relation)."""
    db.session.rollback()
    # Forget the evaluation's records held by the session, so that they load again with their relations.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, (Evaluation, EvaluationVenue, CommitteeMember, ExpertDraw)):
            db.session.expunge(obj)
    return _load(evaluation_id)


def _venue(evaluation, venue_id) -> EvaluationVenue:
    venue = next((v for v in evaluation.venues if v.id == valid_id(venue_id)), None)
    if venue is None:
        abort(404)
    return venue


def _acting(evaluation, venue) -> None:
    """The person must run this venue (its staff; the main venue's staff for a partner-province venue)."""
    if venue.id not in services.acting_venue_ids(current_user, evaluation):
        abort(403)


def _member(evaluation, member_id) -> CommitteeMember:
    member = db.session.scalars(
        select(CommitteeMember).where(CommitteeMember.id == valid_id(member_id),
                                      CommitteeMember.evaluation_id == evaluation.id)
        .options(joinedload(CommitteeMember.expert), joinedload(CommitteeMember.venue))).first()
    if member is None:
        abort(404)
    return member


def _board_context(evaluation):
    members = services.members_of(evaluation)
    acting = services.acting_venue_ids(current_user, evaluation)
    names = {v.id for v in evaluation.venues if services.may_see_names(current_user, evaluation, v)}
    by_venue = {v.id: [m for m in members if m.venue_id == v.id] for v in evaluation.venues}
    main_staff = services.is_main_staff(current_user, evaluation)
    end_problems = services.end_problems(evaluation, members) if main_staff and not evaluation.ended else []
    return dict(evaluation=evaluation, members=members, by_venue=by_venue, acting=acting, names=names,
                main_staff=main_staff, end_problems=end_problems, signatures=rules.SIGNATURES,
                action_form=ActionForm(formdata=None))


def _page(evaluation, status=200, **forms):
    context = _board_context(evaluation)
    main_staff = context["main_staff"]
    acting = context["acting"]
    see_clues = services.may_see_clues(current_user, evaluation)
    guest_acting = [v for v in evaluation.venues if v.id in acting and not v.is_main]
    incident_form = forms.get("incident_form") or IncidentForm(formdata=None)
    incident_form.venue_id.choices = [(v.id, v.label) for v in evaluation.venues if v.id in acting]
    clue_form = forms.get("clue_form") or ClueForm(formdata=None)
    clue_form.venue_id.choices = [(v.id, v.label) for v in guest_acting]
    handover_form = forms.get("handover_form") or HandoverForm(formdata=None)
    handover_form.venue_id.choices = [(v.id, v.label) for v in guest_acting]
    start, finish = services.evaluation_window(evaluation)
    context.update(
        section=evaluation.section, project=evaluation.section.project, today=china_today(),
        start=start, finish=finish, draws=services.draws_of(evaluation),
        duties=services.duties_of(evaluation), incidents=services.incidents_of(evaluation),
        clues=[c for c in services.clues_of(evaluation) if services.may_read_clue(current_user, evaluation, c.venue_id)]
        if see_clues else [], see_clues=see_clues,
        handover=services.handover_items_of(evaluation) if evaluation.ended else {},
        guest_acting=guest_acting, incident_form=incident_form, clue_form=clue_form,
        handover_form=handover_form, report_form=forms.get("report_form") or ReportForm(formdata=None),
        receive_form=ReceiveForm(formdata=None), resume_form=forms.get("resume_form") or ResumeForm(formdata=None),
        winner_form=forms.get("winner_form") or WinnerForm(formdata=None),
        payment_form=forms.get("payment_form") or PaymentForm(formdata=None), failed=forms.get("failed"),
        failed_id=forms.get("failed_id"), error=forms.get("error"),
        may_pay=can("evaluation.pay") and evaluation.section.project.owner_id == current_user.id,
        may_verify=can("evaluation.verify"), duty_items=rules.DUTY_ITEMS, incident_labels=rules.INCIDENT_LABELS,
        handover_kinds=rules.HANDOVER_KINDS, see_fees=main_staff or bool(acting) or can("evaluation.pay")
        or current_user.role.value in ("supervisor", "province_admin", "prefecture_admin"),
        poll_seconds=_poll_seconds())
    return render_template("evaluations/show.html", **context), status


def _poll_seconds():
    from flask import current_app

    return current_app.config.get("POLL_SECONDS", 20)


@bp.route("/<int:evaluation_id>")
@permission_required("evaluation.view")
def show(evaluation_id):
    return _page(_load(evaluation_id))


@bp.route("/<int:evaluation_id>/board")
@permission_required("evaluation.view")
def board(evaluation_id):
    """The live sign-in board (polled by htmx; a page of its own without JavaScript)."""
    evaluation = _load(evaluation_id)
    return render("evaluations/board.html", "evaluations/_board.html", poll_seconds=_poll_seconds(),
                  **_board_context(evaluation))


def _refused(evaluation_id, error, **forms):
    """A refused change: roll back, reload, show the message on the page (422)."""
    evaluation = _reload(evaluation_id)
    if wants_fragment() and forms.get("fragment"):
        context = _board_context(evaluation)
        context["error"] = str(error)
        return fragment("evaluations/_board.html", status=422, poll_seconds=_poll_seconds(), **context)
    forms.pop("fragment", None)
    return _page(evaluation, 422, error=str(error), **forms)


def _done(evaluation_id, message, anchor=""):
    db.session.commit()
    if wants_fragment():
        evaluation = _load(evaluation_id)
        return fragment("evaluations/_board.html", poll_seconds=_poll_seconds(), **_board_context(evaluation))
    flash(message, "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + anchor, 303)


# --- draws and replacement --------------------------------------------------------------------------------

@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/draw", methods=["POST"])
@permission_required("evaluation.run")
def draw(evaluation_id, venue_id):
    evaluation = _load(evaluation_id)
    venue = _venue(evaluation, venue_id)
    _acting(evaluation, venue)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        n = services.draw_venue(evaluation, venue)
    except services.EvaluationError as error:
        return _refused(evaluation_id, error)
    return _done(evaluation_id, f"{venue.label}已随机抽取 {n} 名专家。", "#committee")


@bp.route("/<int:evaluation_id>/members/<int:member_id>/replace", methods=["GET", "POST"])
@permission_required("evaluation.run")
def replace(evaluation_id, member_id):
    evaluation = _load(evaluation_id)
    member = _member(evaluation, member_id)
    _acting(evaluation, member.venue)
    form = ReplaceForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                new = services.replace_member(evaluation, member, rules.ReplaceReason(form.kind.data),
                                              form.reason.data)
            except services.EvaluationError as error:
                show_on_form(form, error, "reason")
                evaluation = _reload(evaluation_id)
                member = _member(evaluation, member_id)
            else:
                db.session.commit()
                flash(f"已更换专家：重新随机抽取为评委席位 {new.seat_no}。", "success")
                return redirect(url_for("evaluations.show", evaluation_id=evaluation.id) + "#committee", 303)
        status = 422
    return render_template("evaluations/replace.html", evaluation=evaluation, member=member, form=form), status


@bp.route("/<int:evaluation_id>/draws/<int:draw_id>/verify")
@permission_required("evaluation.view")
def verify(evaluation_id, draw_id):
    """Re-run a stored draw from its seed and candidate list (audit right, or the drawing venue's staff)."""
    evaluation = _load(evaluation_id)
    record = db.session.scalars(select(ExpertDraw).where(ExpertDraw.id == valid_id(draw_id))
                                .options(joinedload(ExpertDraw.specialty), joinedload(ExpertDraw.drawn_by))).first()
    venue = next((v for v in evaluation.venues if record is not None and v.id == record.venue_id), None)
    if venue is None:
        abort(404)
    if not (can("evaluation.verify") or venue.id in services.acting_venue_ids(current_user, evaluation)):
        abort(403)
    rerun = rules.draw(json.loads(record.candidate_ids), record.count, record.seed)
    same = rerun == json.loads(record.chosen_ids)
    excluded = {rules.Avoid(k).label: n for k, n in json.loads(record.excluded or "{}").items()}
    # The seed with the pool's ids would name the members: before the winner, only the drawing venue sees it.
    show_seed = bool(evaluation.winner_determined_on) or venue.id in services.acting_venue_ids(current_user, evaluation)
    return render_template("evaluations/verify.html", evaluation=evaluation, venue=venue, record=record, same=same,
                           candidates=len(json.loads(record.candidate_ids)), excluded=excluded, show_seed=show_seed)


# --- sign-in and signatures --------------------------------------------------------------------------------

@bp.route("/<int:evaluation_id>/members/<int:member_id>/sign-in", methods=["GET", "POST"])
@permission_required("evaluation.run")
def sign_in(evaluation_id, member_id):
    evaluation = _load(evaluation_id)
    member = _member(evaluation, member_id)
    _acting(evaluation, member.venue)
    form = SignInForm()
    workstations = services.workstation_choices(evaluation, member.venue)
    form.workstation_id.choices = [(None, "请选择工位")] + [(w.id, w.code) for w in workstations]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.sign_in(evaluation, member, {name: getattr(form, name).data for name in (
                    "id_number", "photo_checked", "phone_in_custody", "no_conflict_declared", "workstation_id")})
            except services.EvaluationError as error:
                show_on_form(form, error, "id_number")
                evaluation = _reload(evaluation_id)
                member = _member(evaluation, member_id)
            else:
                db.session.commit()
                flash(f"评委席位 {member.seat_no} 已签到。", "success")
                return redirect(url_for("evaluations.show", evaluation_id=evaluation.id) + "#committee", 303)
        status = 422
    taken = {m.workstation_id for m in services.members_of(evaluation) if m.seated and m.workstation_id}
    return render_template("evaluations/sign_in.html", evaluation=evaluation, member=member, form=form,
                           taken=taken), status


@bp.route("/<int:evaluation_id>/members/<int:member_id>/sign/<which>", methods=["POST"])
@permission_required("evaluation.run")
def sign(evaluation_id, member_id, which):
    evaluation = _load(evaluation_id)
    member = _member(evaluation, member_id)
    _acting(evaluation, member.venue)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.sign(evaluation, member, which)
    except services.EvaluationError as error:
        return _refused(evaluation_id, error, fragment=True)
    return _done(evaluation_id, "已登记签署。", "#committee")


@bp.route("/<int:evaluation_id>/end", methods=["POST"])
@permission_required("evaluation.manage")
def end(evaluation_id):
    evaluation = _load(evaluation_id, "evaluation.manage")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.end(evaluation)
    except services.EvaluationError as error:
        return _refused(evaluation_id, error, fragment=True)
    return _done(evaluation_id, "评审结束指令已下达，各场所专家可以离场。", "#committee")


@bp.route("/<int:evaluation_id>/winner", methods=["POST"])
@permission_required("evaluation.manage")
def winner(evaluation_id):
    evaluation = _load(evaluation_id, "evaluation.manage")
    form = WinnerForm()
    if not form.validate_on_submit():
        return _page(evaluation, 422, winner_form=form, failed="winner")
    try:
        services.record_winner(evaluation, form.winner_determined_on.data)
    except services.EvaluationError as error:
        form.winner_determined_on.errors = [str(error)]
        return _page(_reload(evaluation_id), 422, winner_form=form, failed="winner")
    db.session.commit()
    flash("已登记中标人确定。评标委员会名单现向行政监督部门公开。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id), 303)


# --- duties, incidents, clues -------------------------------------------------------------------------------

@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/duties", methods=["POST"])
@permission_required("evaluation.run")
def duty(evaluation_id, venue_id):
    evaluation = _load(evaluation_id)
    venue = _venue(evaluation, venue_id)
    _acting(evaluation, venue)
    form = DutyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.tick_duty(evaluation, venue, form.item.data, form.note.data or "", form.done.data == "1")
    except services.EvaluationError as error:
        return _refused(evaluation_id, error)
    db.session.commit()
    if wants_fragment():
        evaluation = _load(evaluation_id)
        return fragment("evaluations/_duties.html", evaluation=evaluation, venue=_venue(evaluation, venue_id),
                               duties=services.duties_of(evaluation), duty_items=rules.DUTY_ITEMS, acting={venue.id})
    flash("保障清单已更新。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#duties", 303)


def _on_form(form, error) -> dict:
    """A refusal about one field goes beside it; any other is shown at the top of the page."""
    if error.field and error.field in form._fields:
        show_on_form(form, error)
        return {}
    return {"error": str(error)}


@bp.route("/<int:evaluation_id>/incidents", methods=["POST"])
@permission_required("evaluation.run")
def incident(evaluation_id):
    evaluation = _load(evaluation_id)
    form = IncidentForm()
    form.venue_id.choices = [(v.id, v.label) for v in evaluation.venues]
    if not form.validate_on_submit():
        return _page(evaluation, 422, incident_form=form, failed="incident")
    venue = _venue(evaluation, form.venue_id.data)
    _acting(evaluation, venue)
    data = {"kind": form.kind.data, "occurred_at": china_to_utc(form.occurred_at.data), "effect": form.effect.data,
            "handling": form.handling.data, "resumed_at": china_to_utc(form.resumed_at.data)}
    try:
        services.report_incident(evaluation, venue, data)
    except services.EvaluationError as error:
        return _page(_reload(evaluation_id), 422, incident_form=form, failed="incident", **_on_form(form, error))
    db.session.commit()
    flash("突发情况已登记，主场和行政监督部门已收到通知。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#incidents", 303)


@bp.route("/<int:evaluation_id>/incidents/<int:incident_id>/resume", methods=["POST"])
@permission_required("evaluation.run")
def resume(evaluation_id, incident_id):
    evaluation = _load(evaluation_id)
    record = db.session.scalars(select(Incident).where(Incident.id == valid_id(incident_id),
                                                       Incident.evaluation_id == evaluation.id)
                                .options(joinedload(Incident.venue).joinedload(EvaluationVenue.center))).first()
    if record is None:
        abort(404)
    _acting(evaluation, _venue(evaluation, record.venue_id))
    form = ResumeForm()
    if not form.validate_on_submit():
        return _page(evaluation, 422, resume_form=form, failed="resume", failed_id=record.id)
    try:
        services.resume_incident(evaluation, record, china_to_utc(form.resumed_at.data), form.handling.data or "")
    except services.EvaluationError as error:
        form.resumed_at.errors = [str(error)]
        return _page(_reload(evaluation_id), 422, resume_form=form, failed="resume", failed_id=incident_id)
    db.session.commit()
    flash("已登记恢复。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#incidents", 303)


@bp.route("/<int:evaluation_id>/clues", methods=["POST"])
@uploads.limit(61 * uploads.MB)
@permission_required("evaluation.run")
def clue(evaluation_id):
    evaluation = _load(evaluation_id)
    form = ClueForm()
    form.venue_id.choices = [(v.id, v.label) for v in evaluation.venues]
    valid = form.validate_on_submit()
    files = uploads.checked_files(form.files, uploads.DOCUMENTS, CLUE_MAX_BYTES)
    if not valid or form.files.errors:
        return _page(evaluation, 422, clue_form=form, failed="clue")
    venue = _venue(evaluation, form.venue_id.data)
    _acting(evaluation, venue)
    try:
        with uploads.transaction(services.UPLOAD_FEATURE) as batch:
            services.file_clue(evaluation, venue, form.text.data, files, batch)
    except services.EvaluationError as error:
        return _page(_reload(evaluation_id), 422, clue_form=form, failed="clue", **_on_form(form, error))
    flash("线索已移交主场。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#clues", 303)


@bp.route("/<int:evaluation_id>/clues/<int:clue_id>/report", methods=["POST"])
@permission_required("evaluation.manage")
def report(evaluation_id, clue_id):
    evaluation = _load(evaluation_id, "evaluation.manage")
    record = db.session.scalars(select(Clue).where(Clue.id == valid_id(clue_id), Clue.evaluation_id == evaluation.id)).first()
    if record is None:
        abort(404)
    form = ReportForm()
    if not form.validate_on_submit():
        return _page(evaluation, 422, report_form=form, failed="report", failed_id=record.id)
    try:
        services.report_clue(evaluation, record, form.reported_to.data, form.note.data or "")
    except services.EvaluationError as error:
        show_on_form(form, error, "reported_to")
        return _page(_reload(evaluation_id), 422, report_form=form, failed="report", failed_id=clue_id)
    db.session.commit()
    flash("已登记向行政监督部门报告。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#clues", 303)


# --- hand-over --------------------------------------------------------------------------------------------

@bp.route("/<int:evaluation_id>/handover", methods=["POST"])
@uploads.limit(151 * uploads.MB)
@permission_required("evaluation.run")
def handover(evaluation_id):
    evaluation = _load(evaluation_id)
    form = HandoverForm()
    form.venue_id.choices = [(v.id, v.label) for v in evaluation.venues]
    valid = form.validate_on_submit()
    files = uploads.checked_files(form.files, (*uploads.DOCUMENTS, "mp4"), HANDOVER_MAX_BYTES) if form.mode.data == "file" else []
    if not valid or form.files.errors:
        return _page(evaluation, 422, handover_form=form, failed="handover")
    venue = _venue(evaluation, form.venue_id.data)
    _acting(evaluation, venue)
    try:
        with uploads.transaction(services.UPLOAD_FEATURE) as batch:
            services.hand_over(evaluation, venue, form.kind.data, form.mode.data, form.reference.data or "", files,
                               batch)
    except services.EvaluationError as error:
        return _page(_reload(evaluation_id), 422, handover_form=form, failed="handover", **_on_form(form, error))
    flash(f"{rules.HANDOVER_LABELS[form.kind.data]}已登记移交。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#handover", 303)


@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/receive", methods=["POST"])
@permission_required("evaluation.manage")
def receive(evaluation_id, venue_id):
    evaluation = _load(evaluation_id, "evaluation.manage")
    venue = _venue(evaluation, venue_id)
    form = ReceiveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.confirm_receipt(evaluation, venue, form.note.data or "")
    except services.EvaluationError as error:
        return _refused(evaluation_id, error)
    db.session.commit()
    flash(f"已确认接收{venue.label}移交的资料。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#handover", 303)


@bp.route("/<int:evaluation_id>/files/<int:attachment_id>")
@permission_required("evaluation.view")
def attachment(evaluation_id, attachment_id):
    """A clue's file: the two venues and supervisors; a hand-over file: the venues and supervisors."""
    evaluation = _load(evaluation_id)
    record = db.session.scalars(select(Attachment).where(Attachment.id == valid_id(attachment_id),
                                                         Attachment.evaluation_id == evaluation.id)).first()
    if record is None:
        abort(404)
    in_venues = current_user.role is Role.CENTER_STAFF and any(v.center_id == current_user.center_id
                                                               for v in evaluation.venues)
    if record.clue_id is not None:
        clue = db.session.get(Clue, record.clue_id)
        if not services.may_read_clue(current_user, evaluation, clue.venue_id):
            abort(404)
    if record.handover_item_id is not None and not (in_venues or current_user.role is Role.SUPERVISOR):
        abort(404)
    return uploads.send_stored(services.UPLOAD_FEATURE, record)


# --- fees and payment ----------------------------------------------------------------------------------------

@bp.route("/<int:evaluation_id>/members/<int:member_id>/paid", methods=["POST"])
@permission_required("evaluation.pay")
def paid(evaluation_id, member_id):
    evaluation = _load(evaluation_id, "evaluation.pay")
    member = _member(evaluation, member_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _page(evaluation, 422, payment_form=form, failed="payment", failed_id=member.id)
    try:
        services.confirm_payment(evaluation, member, form.value, form.reference.data or "")
    except services.EvaluationError as error:
        form.amount.errors = [str(error)]
        return _page(_reload(evaluation_id), 422, payment_form=form, failed="payment", failed_id=member_id)
    message = f"{member.venue.label}评委席位 {member.seat_no} 的劳务费已登记支付。"
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#fees", 303)


# --- deadlines board -----------------------------------------------------------------------------------------

@bp.route("/deadlines")
@permission_required("evaluation.deadlines")
def deadlines():
    today = china_today()
    items = services.due_items(current_user, today)
    overdue = [i for i in items if i.overdue(today)]
    return render("evaluations/deadlines.html", "evaluations/_deadlines.html", items=items, overdue=overdue,
                  today=today, kinds=rules.DueKind)


@bp.app_context_processor
def _evaluation_helpers():
    return {"evaluation_section_link": _section_evaluation}


def _section_evaluation(section_id):
    """The evaluation of a section, if its committee was fixed (for the section page's link)."""
    return db.session.scalar(select(Evaluation.id).where(Evaluation.section_id == section_id))
