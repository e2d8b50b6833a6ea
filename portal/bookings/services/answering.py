"""Answering (受理) on the guest side: the workstations offered, accepting with specific workstations (fewer
than asked is a partial acceptance) and rejecting with a reason."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from ...audit import services as audit
from ...extensions import db
from ...workstations.models import Venue, Workstation
from .. import rules
from ..models import Booking, SeatRequest
from ..rules import Action, Move, Side
from .availability import busy_clause, clashes, kind_clause
from .common import AUDIT_FIELDS, BookingConflict, BookingError, lock, move


def offered_workstations(req: SeatRequest) -> list[tuple[Workstation, bool]]:
    """The guest center's workstations of the needed kind, free ones first: (workstation, free)."""
    busy = busy_clause(req.starts_at, req.ends_at, exclude_request_id=req.id)
    rows = db.session.execute(
        select(Workstation, busy.label("busy"))
        .join(Venue, Workstation.venue_id == Venue.id)
        .options(joinedload(Workstation.venue))
        .where(Workstation.center_id == req.guest_center_id, kind_clause(req.cross_province))
        .order_by(busy, Venue.name, Workstation.code)).all()
    return [(w, not is_busy) for w, is_busy in rows]


def accept(req: SeatRequest, version: int | None, workstation_ids: list[int], reason: str = "",
           side: Side = Side.GUEST) -> list[Booking]:
    """Accept with specific workstations of the guest center; fewer than asked is a partial acceptance.

    The database refuses an overlap with another request's booking even when two staff accept at the same
    moment; the flush turns that refusal into BookingConflict.
    """
    lock(req, version)
    ids = sorted(set(int(i) for i in workstation_ids))   # one lock order for concurrent acceptances
    step = Move(Action.ACCEPT, side, reason=reason, seats_requested=req.seats_requested, seats_assigned=len(ids))
    try:
        rules.next_status(req.status, step)
    except rules.TransitionRefused as error:
        raise BookingError(str(error), field="workstation_ids") from None
    _check_workstations(req, ids)
    before = audit.snapshot(req, AUDIT_FIELDS)
    actor = audit.current_actor_id()
    bookings = [Booking(request_id=req.id, workstation_id=wid, center_id=req.guest_center_id,
                        starts_at=req.starts_at, ends_at=req.ends_at, active=True, created_by_id=actor)
                for wid in ids]
    db.session.add_all(bookings)
    try:
        db.session.flush()
    except (IntegrityError, OperationalError) as error:
        # The exclusion constraint (or the SQLite trigger) refused an overlap committed meanwhile; PostgreSQL
        # may also end one of two crossing transactions as a deadlock. Both mean: taken by someone else.
        if isinstance(error, OperationalError) and getattr(error.orig, "sqlstate", None) not in ("40P01", "40001"):
            raise
        raise BookingConflict("所选工位刚被其他申请占用。", field="workstation_ids") from None
    req.seats_accepted = len(ids)
    move(req, step, before=before)
    return bookings


def _check_workstations(req: SeatRequest, ids: list[int]) -> None:
    """The chosen workstations are the guest center's, of the needed kind, and free (for the message: the
    database has the last word)."""
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
