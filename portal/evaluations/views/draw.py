"""Draws (专家抽取): a venue draws its experts, replaces one, and anyone entitled re-runs a stored draw."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...auth.permissions import can, permission_required
from ...confirming import ask, confirmed
from ...errors import show_on_form
from ...extensions import db
from ...forms_base import ActionForm
from .. import access, bp, rules
from ..forms import DecisionForm, ReplaceForm
from ..services import draw as draws
from ..services import common
from ..services.common import EvaluationError
from .common import Page, done, load, page, page_section, refused, reload


@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/draw", methods=["POST"])
@permission_required("evaluation.run")
def draw(evaluation_id, venue_id):
    """Draw every expert the venue still needs."""
    loaded = load(evaluation_id, "run", venue_id=venue_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not confirmed():
        needed = loaded.venue.experts_needed - sum(1 for m in common.members_of(loaded.evaluation)
                                                   if m.venue_id == loaded.venue.id and m.seated)
        return page(loaded.evaluation, confirmation=ask(
            f"确认随机抽取{loaded.venue.label}的专家",
            f"将从专家库中随机抽取{loaded.venue.label}还需要的 {needed} 名专家。抽取结果立即生效并记入评标记录，"
            "不能撤销；之后只能逐个更换（有次数限制）。",
            "确认抽取", url_for("evaluations.show", evaluation_id=evaluation_id) + "#committee"))
    try:
        n = draws.draw_venue(loaded.evaluation, loaded.venue)
    except draws.Shortage as error:
        is_main = loaded.venue.is_main
        response = refused(evaluation_id, error)
        if not is_main:
            draws.tell_main_of_shortage(evaluation_id, error.notice)
            db.session.commit()
        return response
    except EvaluationError as error:
        return refused(evaluation_id, error)
    return done(evaluation_id, f"{loaded.venue.label}已随机抽取 {n} 名专家。", "#committee")


@bp.route("/<int:evaluation_id>/members/<int:member_id>/replace", methods=["GET", "POST"])
@permission_required("evaluation.run")
def replace(evaluation_id, member_id):
    """Replace a member (回避, 未到场, 身体原因, 其他): the reason, then another random draw; a seat replaced twice
    asks the supervisors first (the page offers the request instead)."""
    loaded = load(evaluation_id, "run", member_id=member_id)
    evaluation, member = loaded.evaluation, loaded.member
    form = ReplaceForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                new = draws.replace_member(evaluation, member, rules.ReplaceReason(form.kind.data), form.reason.data)
            except EvaluationError as error:
                show_on_form(form, error, "reason")
                loaded = reload(evaluation_id, "run", member_id=member_id)
                evaluation, member = loaded.evaluation, loaded.member
            else:
                db.session.commit()
                flash(f"已更换专家：重新随机抽取为评委席位 {new.seat_no}；已通知主场和行政监督部门。", "success")
                return redirect(url_for("evaluations.show", evaluation_id=evaluation.id) + "#committee", 303)
        status = 422
    return _replace_page(evaluation, member, form, status)


def _replace_page(evaluation, member, form, status):
    state = draws.replacement_state(member)
    return render_template("evaluations/replace.html", evaluation=evaluation, member=member, form=form,
                           state=state, free=rules.FREE_REPLACEMENTS), status


@bp.route("/<int:evaluation_id>/members/<int:member_id>/replacement-request", methods=["POST"])
@permission_required("evaluation.run")
def request_replacement(evaluation_id, member_id):
    """Ask the project's supervisors to allow a further replacement of a seat already replaced twice."""
    loaded = load(evaluation_id, "run", member_id=member_id)
    form = ReplaceForm()
    if form.validate_on_submit():
        try:
            draws.request_approval(loaded.evaluation, loaded.member, rules.ReplaceReason(form.kind.data),
                                   form.reason.data)
        except EvaluationError as error:
            show_on_form(form, error, "reason")
            loaded = reload(evaluation_id, "run", member_id=member_id)
        else:
            db.session.commit()
            flash("更换申请已提交，已通知行政监督部门审批；同意后请回到本页更换。", "success")
            return redirect(url_for("evaluations.replace", evaluation_id=evaluation_id, member_id=member_id), 303)
    return _replace_page(loaded.evaluation, loaded.member, form, 422)


@bp.route("/<int:evaluation_id>/approvals/<int:approval_id>/<any(approve, refuse):verdict>", methods=["POST"])
@permission_required("evaluation.approve")
def decide(evaluation_id, approval_id, verdict):
    """A supervisor agrees to (or refuses) a further replacement."""
    loaded = load(evaluation_id, "approve", approval_id=approval_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return page(loaded.evaluation, 422, decision_form=form, failed="approvals", failed_id=loaded.approval.id)
    try:
        draws.decide_approval(loaded.evaluation, loaded.approval, verdict == "approve", form.note.data)
    except EvaluationError as error:
        form.note.errors = [str(error)]
        return page(reload(evaluation_id).evaluation, 422, decision_form=form, failed="approvals",
                    failed_id=approval_id)
    db.session.commit()
    flash("已同意更换，已通知该场所。" if verdict == "approve" else "已不同意更换，已通知该场所。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#approvals", 303)


@bp.route("/<int:evaluation_id>/draws/<int:draw_id>/verify")
@permission_required("evaluation.view")
def verify(evaluation_id, draw_id):
    """Re-run a stored draw from its seed and candidate list and re-check eligibility (audit right, or the
    drawing venue's staff)."""
    loaded = load(evaluation_id, draw_id=draw_id)
    result = draws.verify_draw(loaded.evaluation, loaded.draw)
    return render_template("evaluations/verify.html", evaluation=loaded.evaluation, venue=loaded.venue,
                           record=loaded.draw, result=result, same=result.same, candidates=result.candidates,
                           excluded=result.excluded,
                           show_seed=access.may_see_seed(current_user, loaded.evaluation, loaded.venue.id))


@page_section
def draws_section(p: Page) -> dict:
    """The draw records under the board, each with its re-run link for those entitled."""
    audit_right = can("evaluation.verify")
    see = bool(p.draws) and access.may_see_draws(current_user, p.evaluation, audit_right)
    verifiable = {d.id for d in p.draws if access.may_verify(current_user, p.evaluation, d.venue_id, audit_right)}
    return {"draws": p.draws, "see_draws": see, "verifiable": verifiable}


@page_section
def approvals_section(p: Page) -> dict:
    """Requests for a further replacement: the supervisors decide, the venues see where theirs stand."""
    evaluation = p.evaluation
    approver = access.may_approve(current_user, evaluation.section.project.region_id, evaluation.main_center.region_id)
    approvals = draws.approvals_of(evaluation) if (approver or p.acting) else []
    if not approver:
        approvals = [a for a in approvals if a.member.venue_id in p.acting]
    return {"approvals": approvals, "approver": approver, "decision_form": p.form("decision_form", DecisionForm)}
