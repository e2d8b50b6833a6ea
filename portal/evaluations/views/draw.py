"""Draws (专家抽取): a venue draws its experts, replaces one, and anyone entitled re-runs a stored draw."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...auth.permissions import can, permission_required
from ...errors import show_on_form
from ...extensions import db
from ...forms_base import ActionForm
from .. import access, bp, rules
from ..forms import ReplaceForm
from ..services import draw as draws
from ..services.common import EvaluationError
from .common import Page, done, load, page_section, refused, reload


@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/draw", methods=["POST"])
@permission_required("evaluation.run")
def draw(evaluation_id, venue_id):
    """Draw every expert the venue still needs."""
    loaded = load(evaluation_id, "run", venue_id=venue_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        n = draws.draw_venue(loaded.evaluation, loaded.venue)
    except EvaluationError as error:
        return refused(evaluation_id, error)
    return done(evaluation_id, f"{loaded.venue.label}已随机抽取 {n} 名专家。", "#committee")


@bp.route("/<int:evaluation_id>/members/<int:member_id>/replace", methods=["GET", "POST"])
@permission_required("evaluation.run")
def replace(evaluation_id, member_id):
    """Replace a member (declined, absent, conflict): the reason, then another random draw."""
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
                flash(f"已更换专家：重新随机抽取为评委席位 {new.seat_no}。", "success")
                return redirect(url_for("evaluations.show", evaluation_id=evaluation.id) + "#committee", 303)
        status = 422
    return render_template("evaluations/replace.html", evaluation=evaluation, member=member, form=form), status


@bp.route("/<int:evaluation_id>/draws/<int:draw_id>/verify")
@permission_required("evaluation.view")
def verify(evaluation_id, draw_id):
    """Re-run a stored draw from its seed and candidate list (audit right, or the drawing venue's staff)."""
    loaded = load(evaluation_id, draw_id=draw_id)
    result = draws.verify_draw(loaded.draw)
    return render_template("evaluations/verify.html", evaluation=loaded.evaluation, venue=loaded.venue,
                           record=loaded.draw, same=result.same, candidates=result.candidates,
                           excluded=result.excluded,
                           show_seed=access.may_see_seed(current_user, loaded.evaluation, loaded.venue.id))


@page_section
def draws_section(p: Page) -> dict:
    """The draw records under the board, each with its re-run link for those entitled."""
    audit_right = can("evaluation.verify")
    see = bool(p.draws) and access.may_see_draws(current_user, p.evaluation, audit_right)
    verifiable = {d.id for d in p.draws if access.may_verify(current_user, p.evaluation, d.venue_id, audit_right)}
    return {"draws": p.draws, "see_draws": see, "verifiable": verifiable}
