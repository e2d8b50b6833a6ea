"""The life cycle of a request after filing: submitting a draft, withdrawing, cancelling, completing, editing
(an accepted request's timing moves by a change request instead, see changes.py), its timeline and bookings."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...audit import services as audit
from ...audit.models import AuditEntry
from ...auth.models import User
from ...extensions import db
from ...projects.models import Section
from ...clock import china_today
from ...workstations.models import Workstation
from .. import rules
from ..models import Booking, SeatRequest, SeatRequestSpecialty
from ..rules import Action, Move, Side, Status
from .common import AUDIT_FIELDS, BookingError, completion_checks, lock, move, refuse_if_seats_in_use, release
from .filing import (
    GuestAsk,
    align_section,
    check_experts,
    check_filing,
    check_guests,
    other_live_seats,
    set_deadline,
    set_specialties,
)


def timeline(req: SeatRequest) -> list[AuditEntry]:
    """Every recorded change of the request, oldest first: who (`actor`: the person's name, else the account
    recorded), when, what and why. One query."""
    rows = db.session.execute(
        select(AuditEntry, User.display_name).outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.object_type == "seat_request", AuditEntry.object_id == req.id)
        .order_by(AuditEntry.created_at, AuditEntry.id)).all()
    entries = []
    for entry, name in rows:
        entry.actor = name or entry.username
        entries.append(entry)
    return entries


def bookings_of(req: SeatRequest, active_only: bool = True) -> list[Booking]:
    """The request's bookings with their workstations and venues, active ones first."""
    stmt = (select(Booking).where(Booking.request_id == req.id)
            .options(joinedload(Booking.workstation).joinedload(Workstation.venue))
            .order_by(Booking.active.desc(), Booking.id))
    if active_only:
        stmt = stmt.where(Booking.active.is_(True))
    return list(db.session.scalars(stmt))


def submit(req: SeatRequest, version: int | None, today: date | None = None) -> None:
    """Submit a draft to its guest center, checked as a new filing (deadline included)."""
    lock(req, version)
    if req.status is not Status.DRAFT:
        raise BookingError(f"申请当前为“{req.status.label}”，不能提交。")
    section = db.session.get(Section, req.section_id)
    specialty_ids = tuple(db.session.scalars(select(SeatRequestSpecialty.specialty_id).where(
        SeatRequestSpecialty.request_id == req.id).order_by(SeatRequestSpecialty.position)))
    asks = [GuestAsk(req.guest_center_id, req.seats_requested, specialty_ids)]
    centers = check_guests(section, req.evaluation_date, asks)
    deadline = check_filing(req.evaluation_date, req.committee_size,
                            (req.seats_requested, *other_live_seats(req.section_id, req.id)), today or china_today())
    check_experts(section, req.evaluation_date, asks, centers)
    set_deadline(req, deadline)
    move(req, Move(Action.SUBMIT, Side.MAIN), section=section)


def withdraw(req: SeatRequest, version: int | None, reason: str = "") -> None:
    """Withdraw a draft or a request not yet answered (the main side)."""
    lock(req, version)
    move(req, Move(Action.WITHDRAW, Side.MAIN, reason=reason))


def cancel(req: SeatRequest, version: int | None, reason: str, side: Side) -> None:
    """Cancel an accepted booking with a reason; its workstations are released (the rows stay)."""
    lock(req, version)
    refuse_if_seats_in_use(req, "取消预订")
    release(req, f"预订取消：{reason.strip()}")   # first: the partner's event shows the seats given up
    move(req, Move(Action.CANCEL, side, reason=reason))


def complete(req: SeatRequest, version: int | None, side: Side, today: date | None = None) -> None:
    """Mark an accepted booking completed, on or after the evaluation day."""
    lock(req, version)
    for check in completion_checks:
        problem = check(req.id)
        if problem:
            raise BookingError(problem)
    move(req, Move(Action.COMPLETE, side, today=today or china_today(), evaluation_date=req.evaluation_date))


def edit(req: SeatRequest, version: int | None, data: dict, specialty_ids: tuple[int, ...],
         today: date | None = None) -> bool:
    """Change a draft, a submitted or an accepted request (returns False: nothing goes back to the guest side).

    An accepted request's date, time, duration or seat count change only by a change request
    (portal.bookings.services.changes); the rest (committee, specialties, notes) is edited here.
    """
    lock(req, version)
    before = audit.snapshot(req, AUDIT_FIELDS)
    day, start, minutes = data["evaluation_date"], data["start_time"], data["duration_minutes"]
    timing_changed = (day, start, minutes, data["seats_requested"]) != (
        req.evaluation_date, req.start_time, req.duration_minutes, req.seats_requested)
    if timing_changed and req.status in rules.HOLDING_STATUSES:
        # An accepted booking moves only by a change request (场地变更), which keeps it until the guest accepts.
        raise BookingError("已接受的预订不能直接修改日期、时间、时长或机位数，请在申请页面提出“场地变更”；"
                           "客场接受变更前，原预订保持有效。", field="evaluation_date")
    section = db.session.get(Section, req.section_id)
    asks = [GuestAsk(req.guest_center_id, data["seats_requested"], specialty_ids)]
    centers = check_guests(section, day, asks)
    seats = (data["seats_requested"], *other_live_seats(req.section_id, req.id))
    # Drafts meet the deadline at submission; a submitted or accepted request only when its timing moves.
    moves_timing = req.status is not Status.DRAFT and timing_changed
    deadline = check_filing(day, data["committee_size"], seats, today or china_today(), deadline_too=moves_timing)
    check_experts(section, day, asks, centers)
    if moves_timing:
        set_deadline(req, deadline)
    step = Move(Action.EDIT, Side.MAIN, reason=data.get("change_reason") or "")
    try:
        rules.next_status(req.status, step)
    except rules.TransitionRefused as error:
        raise BookingError(str(error)) from None
    align_section(section, day, start, exclude_id=req.id)
    req.evaluation_date, req.start_time, req.duration_minutes = day, start, minutes
    req.starts_at, req.ends_at = rules.evaluation_range(day, start, minutes)
    req.committee_size, req.seats_requested = data["committee_size"], data["seats_requested"]
    req.notes = data.get("notes") or None
    set_specialties(req, specialty_ids)
    summary = "修改申请"
    if step.reason.strip():
        summary += f"；原因：{step.reason.strip()}"
    move(req, step, section=section, before=before, summary=summary)
    return False
