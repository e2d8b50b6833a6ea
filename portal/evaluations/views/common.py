"""What the evaluation views share: the loader (in scope or 404, the record rule or 403), the evaluation
page assembled from its sections, and the answers of the live board.

Views run in a fixed order: `load(...)` (or `load_section(...)`), the form, the service, one commit, then
render or redirect (303). The loader is the only place a view's access is decided; the rules themselves are
in `access.py`.
"""
from dataclasses import dataclass, field
from functools import cached_property

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ...auth.permissions import can, get_scoped_or_404
from ...confirming import ask
from ...extensions import db
from ...forms_base import ActionForm
from ...htmx import fragment, wants_fragment
from ...models_base import valid_id
from ...projects.models import Section
from ...clock import china_today
from .. import access, rules
from ..models import (
    Attachment,
    Clue,
    CommitteeMember,
    Evaluation,
    EvaluationVenue,
    ExpertDraw,
    Incident,
    ReplacementApproval,
)
from ..services import committee, common, day, draw

# What each need asks of the permission table (the scope that finds the evaluation, else 404).
SCOPES = {"view": "evaluation.view", "run": "evaluation.view", "manage": "evaluation.manage",
          "pay": "evaluation.pay", "approve": "evaluation.approve"}


@dataclass
class Loaded:
    """An evaluation and the records its URL names, each checked for the person asking."""

    evaluation: Evaluation
    venue: EvaluationVenue | None = None
    member: CommitteeMember | None = None
    incident: Incident | None = None
    clue: Clue | None = None
    draw: ExpertDraw | None = None
    attachment: Attachment | None = None
    approval: ReplacementApproval | None = None


def load(evaluation_id, need: str = "view", *, venue_id=None, member_id=None, incident_id=None, clue_id=None,
         draw_id=None, attachment_id=None, approval_id=None) -> Loaded:
    """Load an evaluation in scope (else 404) with the records the URL names (else 404), and check `need`.

    need: "view" (the pages), "run" (acting for the venue named, or for some venue when the form names it;
    else 403), "manage" (the main venue), "pay" (the project's agent). A draw asks for the right to re-run
    it (403); a file is found only by those who may open it (404, as for a clue they may not read).
    """
    evaluation = get_scoped_or_404(SCOPES[need], Evaluation, evaluation_id, options=common.evaluation_options())
    loaded = Loaded(evaluation)
    if member_id is not None:
        loaded.member = _found(common.find_member(evaluation, valid_id(member_id)))
        loaded.venue = loaded.member.venue
    if incident_id is not None:
        loaded.incident = _found(common.find_incident(evaluation, valid_id(incident_id)))
        loaded.venue = venue_of(evaluation, loaded.incident.venue_id)
    if venue_id is not None:
        loaded.venue = venue_of(evaluation, venue_id)
    if clue_id is not None:
        loaded.clue = _found(common.find_clue(evaluation, valid_id(clue_id)))
    if draw_id is not None:
        loaded.draw = _load_draw(evaluation, draw_id)
        loaded.venue = venue_of(evaluation, loaded.draw.venue_id)
    if attachment_id is not None:
        loaded.attachment = _load_attachment(evaluation, attachment_id)
    if approval_id is not None:
        loaded.approval = _found(common.find_approval(evaluation, valid_id(approval_id)))
    _check(need, loaded)
    return loaded


def _found(record):
    if record is None:
        abort(404)
    return record


def venue_of(evaluation: Evaluation, venue_id) -> EvaluationVenue:
    """A venue of this evaluation (404 for any other id)."""
    return _found(next((v for v in evaluation.venues if v.id == valid_id(venue_id)), None))


def run_venue(evaluation: Evaluation, venue_id) -> EvaluationVenue:
    """The venue a form names, which the person must run (its staff; the main venue's for a partner province)."""
    venue = venue_of(evaluation, venue_id)
    if venue.id not in access.acting_venue_ids(current_user, evaluation):
        abort(403)
    return venue


def _load_draw(evaluation: Evaluation, draw_id) -> ExpertDraw:
    record = common.find_draw(valid_id(draw_id))
    if record is None or not any(v.id == record.venue_id for v in evaluation.venues):
        abort(404)
    if not access.may_verify(current_user, evaluation, record.venue_id, can("evaluation.verify")):
        abort(403)
    return record


def _load_attachment(evaluation: Evaluation, attachment_id) -> Attachment:
    record = _found(common.find_attachment(evaluation, valid_id(attachment_id)))
    clue_venue_id = None
    if record.clue_id is not None:
        clue_venue_id = common.find_clue(evaluation, record.clue_id).venue_id
    # Not forbidden but not found: whoever may not read the clue must not learn that it has a file.
    if not access.may_open_file(current_user, evaluation, clue_venue_id, handover=record.handover_item_id is not None):
        abort(404)
    return record


def _check(need: str, loaded: Loaded) -> None:
    """The record-level rule of `need` (403); the scope already kept out what the person does not reach."""
    user, evaluation = current_user, loaded.evaluation
    if need == "run":
        acting = access.acting_venue_ids(user, evaluation)
        # The venue the URL names; a form that names its venue is checked again by run_venue.
        allowed = loaded.venue.id in acting if loaded.venue is not None else bool(acting)
        if not allowed:
            abort(403)
    elif need == "manage" and not access.is_main_staff(user, evaluation):
        abort(403)
    elif need == "pay" and not access.may_record_payment(user, evaluation, evaluation.section.project.owner_id):
        abort(403)
    elif need == "approve" and not access.may_approve(user, evaluation.section.project.region_id,
                                                      evaluation.main_center.region_id):
        abort(403)


def load_section(section_id) -> Section:
    """A section in scope (else 404) whose committee the person may fix: its main center's staff (else 403)."""
    section = get_scoped_or_404("projects.view", Section, section_id, options=committee.section_options())
    if not access.may_fix_committee(current_user, section.main_center_id, section.project.host_center_id):
        abort(403)
    return section


def reload(evaluation_id, need: str = "view", **ids) -> Loaded:
    """After a refused change: roll back and load afresh (every attribute, every relation), as `load`."""
    db.session.rollback()
    # Forget the evaluation's records held by the session, so that they load again with their relations.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, (Evaluation, EvaluationVenue, CommitteeMember, ExpertDraw)):
            db.session.expunge(obj)
    return load(evaluation_id, need, **ids)


def poll_seconds() -> int:
    """How often the live board asks again."""
    return current_app.config.get("POLL_SECONDS", 20)


# --- the evaluation page, made of sections ----------------------------------------------------------------------

@dataclass
class Page:
    """One rendering of the evaluation page: the evaluation, what its sections share, and a refused form
    (by its context name, e.g. "incident_form") with the section it belongs to (`failed`, `failed_id`)."""

    evaluation: Evaluation
    forms: dict = field(default_factory=dict)
    failed: str | None = None
    failed_id: int | None = None

    @cached_property
    def acting(self) -> set[int]:
        """The venues the person runs."""
        return access.acting_venue_ids(current_user, self.evaluation)

    @cached_property
    def main_staff(self) -> bool:
        """Whether the person is the main venue's staff."""
        return access.is_main_staff(current_user, self.evaluation)

    @cached_property
    def members(self) -> list[CommitteeMember]:
        """Every member, read once for the board and the fees."""
        return common.members_of(self.evaluation)

    @cached_property
    def draws(self) -> list[ExpertDraw]:
        """The stored draws, read once for the committee facts and the draw records."""
        return draw.draws_of(self.evaluation)

    @cached_property
    def guests(self) -> list[EvaluationVenue]:
        """The guest venues (客场), for duties, clues and the hand-over."""
        return [v for v in self.evaluation.venues if not v.is_main]

    def form(self, name: str, form_class):
        """The refused form of that name (with what was typed), or a blank one."""
        return self.forms.get(name) or form_class(formdata=None)


_SECTIONS = []


def page_section(build):
    """Register a section of the evaluation page: `build(page)` returns that section's context (its forms,
    access flags and rows). The sub-area view modules register theirs; `show.html` includes their templates."""
    _SECTIONS.append(build)
    return build


def page(evaluation: Evaluation, status: int = 200, *, failed=None, failed_id=None, error=None, confirmation=None,
         **forms):
    """The evaluation page: each section's context merged; a refused form comes back with its message (422);
    an irreversible action posted without its confirmation comes back with the confirmation box (200)."""
    state = Page(evaluation, forms, failed, failed_id)
    start, finish = common.evaluation_window(evaluation)
    context = dict(evaluation=evaluation, section=evaluation.section, project=evaluation.section.project,
                   today=china_today(), start=start, finish=finish, failed=failed, failed_id=failed_id,
                   error=error, confirmation=confirmation, acting=state.acting, main_staff=state.main_staff,
                   poll_seconds=poll_seconds())
    for build in _SECTIONS:
        context.update(build(state))
    return render_template("evaluations/show.html", **context), status


def ask_payment(whose: str, form, evaluation):
    """The confirmation of a first payment record, or None when the service will refuse it anyway (so the
    refusal comes at once). A correction needs its reason, which is deliberate enough: it is not asked."""
    today = china_today()
    paid_on = form.paid_on.data or today
    if not evaluation.ended or rules.payment_date_problem(paid_on, evaluation.evaluation_date, today):
        return None
    voucher = f"，支付凭证号 {form.reference.data}" if form.reference.data else "，未填支付凭证号"
    return ask("确认登记已支付",
               f"将登记{whose}已于 {paid_on.isoformat()} 支付 {form.value:.2f} 元{voucher}。登记后不能删除，"
               "只能填写更正原因后更正。",
               "确认登记", url_for("evaluations.show", evaluation_id=evaluation.id) + "#fees")


# --- the live board ---------------------------------------------------------------------------------------------

def board_context(evaluation: Evaluation, members=None) -> dict:
    """The board's context: members by venue, whose names show, the venues the person runs, the end box."""
    members = common.members_of(evaluation) if members is None else members
    acting = access.acting_venue_ids(current_user, evaluation)
    names = {v.id for v in evaluation.venues if access.may_see_names(current_user, evaluation, v.id)}
    by_venue = {v.id: [m for m in members if m.venue_id == v.id] for v in evaluation.venues}
    main_staff = access.is_main_staff(current_user, evaluation)
    end_problems = day.end_problems(evaluation, members) if main_staff and not evaluation.ended else []
    return dict(evaluation=evaluation, by_venue=by_venue, acting=acting, names=names, main_staff=main_staff,
                end_problems=end_problems, signatures=rules.SIGNATURES, action_form=ActionForm(formdata=None),
                poll_seconds=poll_seconds())


def refused(evaluation_id, error, board: bool = False, **forms):
    """A refused change: roll back, reload, show the message (422) on the board (htmx) or the page."""
    evaluation = reload(evaluation_id).evaluation
    if board and wants_fragment():
        return fragment("evaluations/_board.html", status=422, error=str(error), **board_context(evaluation))
    return page(evaluation, 422, error=str(error), **forms)


def done(evaluation_id, message: str, anchor: str = ""):
    """A change of the board went through: commit; the board again (htmx) or the page at `anchor` (303)."""
    db.session.commit()
    if wants_fragment():
        return fragment("evaluations/_board.html", **board_context(load(evaluation_id).evaluation))
    flash(message, "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + anchor, 303)
