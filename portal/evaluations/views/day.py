"""The evaluation day (评标当日): the live board, sign-in, signatures, the end instruction and the winner."""
from flask import abort, flash, redirect, render_template, request, url_for

from ...auth.permissions import permission_required
from ...confirming import ask, confirmed
from ...errors import show_on_form
from ...extensions import db
from ...forms_base import ActionForm
from ...htmx import render
from .. import bp
from ..forms import SignInForm, WinnerForm
from ..services import common as records
from ..services import day
from ..services.common import EvaluationError
from .common import Page, board_context, done, load, page, page_section, refused, reload

SIGN_IN_FIELDS = ("id_number", "photo_checked", "phone_in_custody", "no_conflict_declared", "workstation_id")


@bp.route("/<int:evaluation_id>/board")
@permission_required("evaluation.view")
def board(evaluation_id):
    """The live sign-in board (polled by htmx; a page of its own without JavaScript)."""
    return render("evaluations/board.html", "evaluations/_board.html", **board_context(load(evaluation_id).evaluation))


@bp.route("/<int:evaluation_id>/members/<int:member_id>/sign-in", methods=["GET", "POST"])
@permission_required("evaluation.run")
def sign_in(evaluation_id, member_id):
    """Identity check and sign-in of one drawn expert, at a workstation of the venue."""
    loaded = load(evaluation_id, "run", member_id=member_id)
    evaluation, member = loaded.evaluation, loaded.member
    form = SignInForm()
    workstations = day.workstation_choices(evaluation, member.venue)
    form.workstation_id.choices = [(None, "请选择工位")] + [(w.id, w.code) for w in workstations]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                day.sign_in(evaluation, member, {name: getattr(form, name).data for name in SIGN_IN_FIELDS})
            except EvaluationError as error:
                show_on_form(form, error)   # a refusal not about one field (the day, the checks) at the top
                loaded = reload(evaluation_id, "run", member_id=member_id)
                evaluation, member = loaded.evaluation, loaded.member
            else:
                db.session.commit()
                flash(f"评委席位 {member.seat_no} 已签到。", "success")
                return redirect(url_for("evaluations.show", evaluation_id=evaluation.id) + "#committee", 303)
        status = 422
    taken = {m.workstation_id for m in records.members_of(evaluation) if m.seated and m.workstation_id}
    return render_template("evaluations/sign_in.html", evaluation=evaluation, member=member, form=form,
                           taken=taken), status


@bp.route("/<int:evaluation_id>/members/<int:member_id>/sign/<which>", methods=["POST"])
@permission_required("evaluation.run")
def sign(evaluation_id, member_id, which):
    """One signature of a signed-in member (review form, summary table, report)."""
    loaded = load(evaluation_id, "run", member_id=member_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        day.sign(loaded.evaluation, loaded.member, which)
    except EvaluationError as error:
        return refused(evaluation_id, error, board=True)
    return done(evaluation_id, "已登记签署。", "#committee")


@bp.route("/<int:evaluation_id>/end", methods=["POST"])
@permission_required("evaluation.manage")
def end(evaluation_id):
    """The main venue's end instruction (评审结束指令)."""
    loaded = load(evaluation_id, "manage")
    if not ActionForm().validate_on_submit():
        abort(400)
    if not confirmed() and day.end_refusal(loaded.evaluation) is None:
        return page(loaded.evaluation, confirmation=ask(
            "确认下达评审结束指令",
            "下达后各场所专家即可离场，不能再登记签到和签署，不能撤回；劳务费按此刻计算，资料移交和劳务费支付的期限从今天起算。",
            "确认下达", url_for("evaluations.show", evaluation_id=evaluation_id) + "#end-title"))
    try:
        day.end(loaded.evaluation)
    except EvaluationError as error:
        return refused(evaluation_id, error, board=True)
    return done(evaluation_id, "评审结束指令已下达，各场所专家可以离场。", "#committee")


@bp.route("/<int:evaluation_id>/winner", methods=["POST"])
@permission_required("evaluation.manage")
def winner(evaluation_id):
    """The main venue records the day the winning bidder was determined."""
    loaded = load(evaluation_id, "manage")
    form = WinnerForm()
    if not form.validate_on_submit():
        return page(loaded.evaluation, 422, winner_form=form, failed="winner")
    try:
        day.record_winner(loaded.evaluation, form.winner_determined_on.data)
    except EvaluationError as error:
        form.winner_determined_on.errors = [str(error)]
        return page(reload(evaluation_id).evaluation, 422, winner_form=form, failed="winner")
    db.session.commit()
    flash("已登记中标人确定。评标委员会名单现向行政监督部门公开。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id), 303)


@page_section
def board_section(p: Page) -> dict:
    """The live board inside the page (the same fragment the poll gets)."""
    return board_context(p.evaluation, p.members)


@page_section
def winner_section(p: Page) -> dict:
    """The winner's date: recorded by the main venue once the evaluation has ended."""
    evaluation = p.evaluation
    return {"may_record_winner": p.main_staff and evaluation.ended and not evaluation.winner_determined_on,
            "winner_form": p.form("winner_form", WinnerForm)}
