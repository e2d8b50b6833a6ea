"""Answering (受理) on the guest side: the workstations offered, accepting with specific workstations (fewer
than asked is a partial acceptance) and rejecting with a reason."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...audit import services as audit
from ...extensions import db
from ...projects.models import Section
from ...workstations import holds
from ...workstations.models import HoldPurpose, Venue, Workstation
from .. import rules
from ..models import Booking, SeatRequest
from ..rules import Action, Move, Side
from .availability import busy_clause, clashes, kind_clause
from .common import AUDIT_FIELDS, BookingConflict, BookingError, lock, move


def offered_workstations(req: SeatRequest, starts=None, ends=None) -> list[tuple[Workstation, bool]]:
    """The guest center's workstations of the needed kind, free ones first: (workstation, free) — at the
    request's time, or at [starts, ends) (a change request's new time; the request's own bookings apart)."""
    busy = busy_clause(starts or req.starts_at, ends or req.ends_at, exclude_request_id=req.id)
    rows = db.session.execute(
        select(Workstation, busy.label("busy"))
        .join(Venue, Workstation.venue_id == Venue.id)
        .options(joinedload(Workstation.venue))
        .where(Workstation.center_id == req.guest_center_id, kind_clause(req.cross_province))
        .order_by(busy, Venue.sort_key, Workstation.code)).all()
    return [(w, not is_busy) for w, is_busy in rows]


def accept(req: SeatRequest, version: int | None, workstation_ids: list[int], reason: str = "",
           side: Side = Side.GUEST) -> list[Booking]:
    """Accept with specific workstations of the guest center; fewer than asked is a partial acceptance.

    Each booking takes its workstation's hold (portal.workstations.holds): the database refuses an overlap
    with any other use of the workstation — another booking, local use, a sign-in — even when two people take
    it at the same moment; that refusal becomes BookingConflict.
    """
    lock(req, version)
    ids = sorted(set(int(i) for i in workstation_ids))   # one lock order for concurrent acceptances
    step = Move(Action.ACCEPT, side, reason=reason, seats_requested=req.seats_requested, seats_assigned=len(ids))
    try:
        rules.next_status(req.status, step)
    except rules.TransitionRefused as error:
        raise BookingError(str(error), field="workstation_ids") from None
    check_workstations(req, ids)
    before = audit.snapshot(req, AUDIT_FIELDS)
    bookings = book(req, ids)
    req.seats_accepted = len(ids)
    move(req, step, before=before)
    return bookings


def book(req: SeatRequest, ids: list[int]) -> list[Booking]:
    """Hold and book these workstations for the request's current time range; BookingConflict when taken."""
    actor = audit.current_actor_id()
    section_name = db.session.scalar(select(Section.name).where(Section.id == req.section_id))
    try:
        taken = holds.take(ids, req.starts_at, req.ends_at, HoldPurpose.GUEST_BOOKING,
                           f"申请 {req.number}（{section_name}）", req.guest_center_id, created_by_id=actor)
        bookings = [Booking(request_id=req.id, workstation_id=hold.workstation_id, center_id=req.guest_center_id,
                            starts_at=req.starts_at, ends_at=req.ends_at, active=True, created_by_id=actor,
                            hold_id=hold.id)
                    for hold in taken]
        db.session.add_all(bookings)
        holds.flush_or_taken()
    except holds.HoldTaken as error:
        raise BookingConflict(str(error), field="workstation_ids") from None
    return bookings


def check_workstations(req: SeatRequest, ids: list[int]) -> None:
    """The chosen workstations are the guest center's, of the needed kind, and free at the request's time,
    its own bookings apart (for the message: the database has the last word)."""
    valid = set(db.session.scalars(select(Workstation.id).where(
        Workstation.id.in_(ids), Workstation.center_id == req.guest_center_id, kind_clause(req.cross_province))))
    if len(valid) != len(ids):
        kind = "支持跨省评标的可用工位" if req.cross_province else "可用工位"
        raise BookingError(f"所选工位须为本客场的{kind}，请重新选择。", field="workstation_ids")
    found = clashes(ids, req.starts_at, req.ends_at, exclude_request_id=req.id)
    if found:
        raise BookingConflict("；".join(found) + "。请选择其他工位。", field="workstation_ids")


def reject(req: SeatRequest, version: int | None, reason: str, side: Side = Side.GUEST) -> None:
    """Reject a submitted request; the reason is required (the life cycle says so)."""
    lock(req, version)
    move(req, Move(Action.REJECT, side, reason=reason))
