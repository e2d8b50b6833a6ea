"""What the evaluation day's services share: the refusal, the page's loading options, the lock, the records
named in a URL, and who is told."""
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from ...auth.recipients import center_staff_ids, supervisor_ids
from ...bookings.rules import china_clock, evaluation_range
from ...calendar.services import load_calendar
from ...clock import china_now
from ...errors import ChangeRefused
from ...extensions import db
from ...notifications.services import notify
from ...audit import services as audit
from ...projects.models import Project, Section
from .. import timing
from ..models import (
    Attachment,
    Clue,
    CommitteeMember,
    Evaluation,
    EvaluationVenue,
    ExpertDraw,
    Incident,
    ReplacementApproval,
    VenueNeed,
)

UPLOAD_FEATURE = "evaluation"   # the upload folder keeps its name (files stored before the rename live there)


class EvaluationError(ChangeRefused):
    """A refused change of the evaluation day; the message is for the user."""


# --- reading ------------------------------------------------------------------------------------------------

def evaluation_options():
    """What the evaluation page needs, loaded eagerly (no lazy loads in templates)."""
    return (joinedload(Evaluation.section).joinedload(Section.project),
            joinedload(Evaluation.main_center),
            selectinload(Evaluation.venues).joinedload(EvaluationVenue.center),
            selectinload(Evaluation.venues).selectinload(EvaluationVenue.needs).joinedload(VenueNeed.specialty))


def members_of(evaluation: Evaluation) -> list[CommitteeMember]:
    """Every member (seated and replaced), by venue and seat number, with what the pages show."""
    return list(db.session.scalars(
        select(CommitteeMember).where(CommitteeMember.evaluation_id == evaluation.id)
        .options(joinedload(CommitteeMember.expert), joinedload(CommitteeMember.specialty),
                 joinedload(CommitteeMember.workstation),
                 joinedload(CommitteeMember.venue).joinedload(EvaluationVenue.center))
        .order_by(CommitteeMember.venue_id, CommitteeMember.seat_no)))


def evaluation_window(evaluation: Evaluation) -> tuple[str, str]:
    """When the evaluation runs, start and end, on the China clock."""
    start, end = evaluation_range(evaluation.evaluation_date, evaluation.start_time, evaluation.duration_minutes)
    return china_clock(start), china_clock(end)


# --- the records a URL names (each of this evaluation, or None) ----------------------------------------------

def find_member(evaluation: Evaluation, member_id: int | None) -> CommitteeMember | None:
    """A member of this evaluation, with its expert and venue."""
    return db.session.scalars(
        select(CommitteeMember).where(CommitteeMember.id == member_id, CommitteeMember.evaluation_id == evaluation.id)
        .options(joinedload(CommitteeMember.expert), joinedload(CommitteeMember.venue))).first()


def find_incident(evaluation: Evaluation, incident_id: int | None) -> Incident | None:
    """An incident of this evaluation, with its venue."""
    return db.session.scalars(
        select(Incident).where(Incident.id == incident_id, Incident.evaluation_id == evaluation.id)
        .options(joinedload(Incident.venue).joinedload(EvaluationVenue.center))).first()


def find_clue(evaluation: Evaluation, clue_id: int | None) -> Clue | None:
    """A clue of this evaluation."""
    return db.session.scalars(select(Clue).where(Clue.id == clue_id, Clue.evaluation_id == evaluation.id)).first()


def find_draw(draw_id: int | None) -> ExpertDraw | None:
    """A stored draw with what the verify page shows (the caller checks that its venue is the evaluation's)."""
    return db.session.scalars(select(ExpertDraw).where(ExpertDraw.id == draw_id)
                              .options(joinedload(ExpertDraw.specialty), joinedload(ExpertDraw.drawn_by))).first()


def find_approval(evaluation: Evaluation, approval_id: int | None) -> ReplacementApproval | None:
    """A replacement request of this evaluation."""
    return db.session.scalars(select(ReplacementApproval).where(
        ReplacementApproval.id == approval_id, ReplacementApproval.evaluation_id == evaluation.id)).first()


def find_attachment(evaluation: Evaluation, attachment_id: int | None) -> Attachment | None:
    """A stored file of this evaluation."""
    return db.session.scalars(select(Attachment).where(Attachment.id == attachment_id,
                                                       Attachment.evaluation_id == evaluation.id)).first()


# --- changing -----------------------------------------------------------------------------------------------

def lock(evaluation: Evaluation, *records) -> None:
    """Serialise changes of one evaluation; then re-read the records the change depends on, which another
    request may have changed while this one waited for the lock."""
    db.session.execute(update(Evaluation).where(Evaluation.id == evaluation.id)
                       .values(version=Evaluation.version + 1))
    db.session.refresh(evaluation, ["version", "ended_at", "winner_determined_on", "payment_due"])
    for record in records:
        db.session.refresh(record, [c.key for c in type(record).__table__.columns])


def region_of(evaluation: Evaluation) -> int | None:
    """The region an evaluation's audit entries belong to: the main center's; for another province's
    evaluation hosted here (inbound), the host's (its project's region)."""
    if evaluation.main_center.region_id is not None:
        return evaluation.main_center.region_id
    return db.session.scalar(select(Project.region_id).join(Section, Section.project_id == Project.id)
                             .where(Section.id == evaluation.section_id))


def aware(value: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite gives naive ones back)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- time guards (timing.py's pure rules, with the settings and the calendar) --------------------------------

def timing_settings() -> timing.TimingSettings:
    """The time guards' settings (EVALUATION_DRAW_OPEN_WORKING_DAYS, EVALUATION_DRAW_OPEN_HOURS,
    WINNER_PUBLICITY_DAYS)."""
    config = current_app.config
    hours = config.get("EVALUATION_DRAW_OPEN_HOURS")
    return timing.TimingSettings(
        draw_open_working_days=int(config.get("EVALUATION_DRAW_OPEN_WORKING_DAYS", 1)),
        draw_open_hours=None if hours in (None, "") else int(hours),
        publicity_days=int(config.get("WINNER_PUBLICITY_DAYS", timing.DEFAULT_PUBLICITY_DAYS)))


def check_draw_open(evaluation: Evaluation) -> None:
    """Refuse a draw (or a replacement draw) before the draw opens."""
    settings = timing_settings()
    opening_day = load_calendar().add_working_days(evaluation.evaluation_date, -settings.draw_open_working_days)
    opens = timing.draw_opens_at(aware(evaluation.starts_at), opening_day, settings)
    problem = timing.draw_problem(china_now(), opens, evaluation.evaluation_date)
    if problem:
        raise EvaluationError(problem)


def check_on_the_day(evaluation: Evaluation, what: str) -> None:
    """Refuse `what` (签到, 登记签署, 下达评审结束指令) outside the evaluation day, China time."""
    problem = timing.on_the_day_problem(what, china_now(), evaluation.evaluation_date)
    if problem:
        raise EvaluationError(problem)


def check_not_future(moment: datetime, field: str) -> None:
    """Refuse an incident's (or its resumption's) time that lies in the future."""
    problem = timing.incident_time_problem(moment, china_now())
    if problem:
        raise EvaluationError(problem, field)


# --- who is told ------------------------------------------------------------------------------------------------

def staff_of(evaluation: Evaluation) -> list[int]:
    """The staff of every venue's center."""
    return center_staff_ids(*[v.center_id for v in evaluation.venues])


def agent_of(evaluation: Evaluation) -> int:
    """The agent who registered the section (and pays the experts)."""
    return evaluation.section.project.owner_id


def tell_main_and_supervisors(evaluation: Evaluation, text: str, anchor: str) -> None:
    """What the main venue and the region's supervisors must see at once (incidents, clues)."""
    notify(center_staff_ids(evaluation.main_center_id) + supervisor_ids(region_of(evaluation)),
           f"{evaluation.section.name}：{text}", f"/evaluations/{evaluation.id}#{anchor}", skip=audit.current_actor_id())
