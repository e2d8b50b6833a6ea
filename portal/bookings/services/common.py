"""What the sub-areas of guest-seat requests share: errors, loading options, the request lock, the life-cycle
move (audit entry and notifications) and the hook through which higher features hold a request's seats.

Acting on an existing request starts with `lock`, an UPDATE of its version: it serialises everyone acting on
that request (a row lock on PostgreSQL, the database's write lock on SQLite, whose driver opens the transaction
at this first write) and refuses a page that showed an older version.
"""
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from ...audit import services as audit
from ...auth.recipients import center_staff_ids
from ...errors import ChangeRefused
from ...extensions import db
from ...models_base import utcnow
from ...notifications.services import notify
from ...orgs.models import TradingCenter
from ...projects.models import Project, Section
from ...workstations import holds
from .. import rules
from ..models import Booking, SeatRequest, SeatRequestSpecialty
from ..rules import Action, Move, Status

COLUMNS = [c.key for c in SeatRequest.__table__.columns]
AUDIT_FIELDS = ("status", "evaluation_date", "start_time", "duration_minutes", "committee_size",
                "seats_requested", "seats_accepted", "reason", "notes")

# Features above bookings that take over a request's seats (the evaluation day, once the main venue fixed the
# committee with this request's guest venue) register here a test "are this request's seats yours?", taking
# the request's id. Bookings asks them before it gives the seats up, and so never imports those features.
seat_users: list[Callable[[int], bool]] = []
# Higher features that must finish with a request's seats before it is marked completed (evaluations: the
# evaluation using them has ended). Each takes the request id and answers a refusal (Chinese) or None.
completion_checks: list[Callable[[int], str | None]] = []


class BookingError(ChangeRefused):
    """A refused filing or answer; the message is for the user."""


class StaleRequest(BookingError):
    """The page showed an older version of the request than the one stored."""


class BookingConflict(BookingError):
    """A workstation is already held for an overlapping time (by another request)."""


def request_options():
    """What the request's pages need, loaded eagerly (no lazy loads in templates)."""
    return (joinedload(SeatRequest.section).joinedload(Section.project),
            joinedload(SeatRequest.main_center), joinedload(SeatRequest.guest_center),
            joinedload(SeatRequest.requested_by), joinedload(SeatRequest.answered_by),
            selectinload(SeatRequest.specialty_links).joinedload(SeatRequestSpecialty.specialty))


def label(req: SeatRequest, section: Section, guest: TradingCenter) -> str:
    """The request as the audit log names it: number, section and guest center."""
    return f"{req.number} {section.name} → {guest.short_name or guest.name}"


def lock(req: SeatRequest, version: int | None) -> None:
    """Take the request for this transaction and refuse a stale page (see the module docstring).

    `version` is the one the person's page showed; without it the page is treated as stale.
    """
    stmt = (update(SeatRequest).where(SeatRequest.id == req.id, SeatRequest.version == (version or 0))
            .values(version=SeatRequest.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False))
    if db.session.execute(stmt).rowcount != 1:
        reload(req)
        raise StaleRequest(f"该申请已被他人处理或修改（当前状态：{req.status.label}），页面已过期，"
                           "请刷新后再操作。")
    reload(req)


def reload(req: SeatRequest) -> None:
    """Re-read the request's columns (not its relationships, which stay as loaded)."""
    db.session.refresh(req, attribute_names=COLUMNS)


def refuse_if_seats_in_use(req: SeatRequest, what: str) -> None:
    """Seats of a committee that was fixed are the evaluation's: its guest venue would lose its workstations."""
    if any(in_use(req.id) for in_use in seat_users):
        raise BookingError(f"主场已按本申请确定评标委员会组成（评标当日页面），不能{what}。")


def release(req: SeatRequest, reason: str) -> int:
    """Free the request's workstations and their holds (the rows stay, inactive)."""
    holds.release(select(Booking.hold_id).where(Booking.request_id == req.id, Booking.active.is_(True),
                                                Booking.hold_id.is_not(None)), reason)
    return db.session.execute(
        update(Booking).where(Booking.request_id == req.id, Booking.active.is_(True))
        .values(active=False, released_at=utcnow(), released_reason=reason[:200])
        .execution_options(synchronize_session=False)).rowcount


def move(req: SeatRequest, step: Move, *, section: Section | None = None, guest: TradingCenter | None = None,
         main: TradingCenter | None = None, before: dict | None = None, summary: str = "") -> Status:
    """Apply the life-cycle rule, record it in the audit log and tell the other side."""
    try:
        new = rules.next_status(req.status, step)
    except rules.TransitionRefused as error:
        raise BookingError(str(error), field="reason") from None
    before = before or audit.snapshot(req, AUDIT_FIELDS)
    old = req.status
    req.status = new
    now = utcnow()
    if step.action in (Action.ACCEPT, Action.REJECT):
        req.answered_at, req.answered_by_id = now, audit.current_actor_id()
    if step.action is Action.SUBMIT:
        req.submitted_at = now
    if step.reason.strip() or step.action is not Action.EDIT:
        req.reason = step.reason.strip()[:500] or None   # the status line shows the latest action's reason
    section = section or db.session.get(Section, req.section_id)
    main = main or db.session.get(TradingCenter, req.main_center_id)
    guest = guest or db.session.get(TradingCenter, req.guest_center_id)
    db.session.flush()
    text = summary or _summary(step, old, new, req)
    # The main center's region; for an inbound request (main venue in another province) the host's.
    audit.record(step.action.value, "seat_request", req, label=label(req, section, guest),
                 region_id=main.region_id if main.region_id is not None else guest.region_id, before=before,
                 after=audit.snapshot(req, AUDIT_FIELDS), summary=text)
    notify_both_sides(req, section, text)
    from . import wire   # (wire reaches the partner systems' outbox; it imports this module's errors)

    wire.tell_partner(req, step.action.value)
    return new


def _summary(step: Move, old: Status, new: Status, req: SeatRequest) -> str:
    text = f"{step.action.label}：{old.label} → {new.label}"
    if step.action is Action.ACCEPT:
        text += f"（接受 {req.seats_accepted}/{req.seats_requested} 个机位）"
    if step.reason:
        text += f"；原因：{step.reason.strip()}"
    return text


def notify_both_sides(req: SeatRequest, section: Section, text: str) -> None:
    """Tell both sides (the agent, the requester, each center's staff) except the person who acted.

    A draft concerns the main side only. A guest center of another province has no staff here; the main
    center's staff answer for it, and they are on the main side already.
    """
    owner_id = db.session.scalar(select(Project.owner_id).where(Project.id == section.project_id))
    recipients = [req.requested_by_id, owner_id]
    centers = [req.main_center_id]
    if req.submitted_at is not None:   # the guest side knows of it once it has been submitted
        centers.append(req.guest_center_id)
    recipients += center_staff_ids(*centers)
    notify(recipients, f"{req.number}（{section.name}，{req.evaluation_date:%Y-%m-%d}）{text}",
           f"/bookings/{req.id}", skip=audit.current_actor_id())
