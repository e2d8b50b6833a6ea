"""Guest-seat requests: filing, answering, the life cycle, availability, calendars and feeds.

Services load, apply the pure rules, change, write the audit entry and notifications, and flush; the view
commits once. Acting on an existing request starts with `_lock`, an UPDATE of its version: it serialises
everyone acting on that request (a row lock on PostgreSQL, the database's write lock on SQLite, whose
driver opens the transaction at this first write) and refuses a page that showed an older version.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload, selectinload

from ..audit import services as audit
from ..audit.models import AuditEntry
from ..auth.models import Role
from ..errors import ChangeRefused
from ..experts.models import Specialty
from ..experts.services import catalogue_counts
from ..extensions import db
from ..models_base import utcnow
from ..auth.recipients import center_staff_ids
from ..notifications.services import notify
from ..orgs.models import Province, TradingCenter
from ..partners.models import Pairing, PairingPartner
from ..partners.services import may_request_many
from ..projects.models import Project, Section
from ..templating import china_today, local_midnight_utc
from ..calendar.services import deadline_for, load_calendar
from ..workstations.models import Venue, Workstation, WorkstationStatus
from . import rules
from .models import Booking, CalendarFeed, SeatRequest, SeatRequestSpecialty
from .rules import Action, Move, Side, Status

COLUMNS = [c.key for c in SeatRequest.__table__.columns]
AUDIT_FIELDS = ("status", "evaluation_date", "start_time", "duration_minutes", "committee_size",
                "seats_requested", "seats_accepted", "reason", "notes")


class BookingError(ChangeRefused):
    """A refused filing or answer; the message is for the user."""


class StaleRequest(BookingError):
    """The page showed an older version of the request than the one stored."""


class BookingConflict(BookingError):
    """A workstation is already held for an overlapping time (by another request)."""


@dataclass(frozen=True)
class GuestAsk:
    """One guest center asked, as typed in the request form."""

    center_id: int
    seats: int
    specialty_ids: tuple[int, ...]


# --- reading ------------------------------------------------------------------------------------------------

def request_options():
    """What the request page needs, loaded eagerly (no lazy loads in templates)."""
    return (joinedload(SeatRequest.section).joinedload(Section.project),
            joinedload(SeatRequest.main_center), joinedload(SeatRequest.guest_center),
            joinedload(SeatRequest.requested_by), joinedload(SeatRequest.answered_by),
            selectinload(SeatRequest.specialty_links).joinedload(SeatRequestSpecialty.specialty))


def side_of(user, req: SeatRequest, owner_id: int) -> set[Side]:
    """The sides `user` acts on for this request (the same rule as SeatRequest.center_clause_for)."""
    sides = set()
    if user.role is Role.AGENT and owner_id == user.id:
        sides.add(Side.MAIN)
    if user.role is Role.CENTER_STAFF:
        if req.main_center_id == user.center_id:
            sides.add(Side.MAIN)
        if req.guest_center_id == user.center_id or (req.cross_province and req.main_center_id == user.center_id):
            sides.add(Side.GUEST)
    return sides


def timeline(req: SeatRequest) -> list[AuditEntry]:
    """Every recorded change of the request, oldest first: who, when, what and why."""
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "seat_request", AuditEntry.object_id == req.id)
        .order_by(AuditEntry.created_at, AuditEntry.id)))


def bookings_of(req: SeatRequest, active_only: bool = True) -> list[Booking]:
    stmt = (select(Booking).where(Booking.request_id == req.id)
            .options(joinedload(Booking.workstation).joinedload(Workstation.venue))
            .order_by(Booking.active.desc(), Booking.id))
    if active_only:
        stmt = stmt.where(Booking.active.is_(True))
    return list(db.session.scalars(stmt))


def _kind_clause(cross_province: bool):
    clause = Workstation.status == WorkstationStatus.AVAILABLE
    return clause & Workstation.cross_province.is_(True) if cross_province else clause


def _overlapping(starts: datetime, ends: datetime):
    """Active bookings overlapping [starts, ends). No booking lasts longer than MAX_DURATION_MINUTES, so one
    that overlaps starts after starts - MAX: the (workstation_id, starts_at) index reads a short range."""
    earliest = starts - timedelta(minutes=rules.MAX_DURATION_MINUTES)
    return and_(Booking.active.is_(True), Booking.starts_at > earliest, Booking.starts_at < ends,
                Booking.ends_at > starts)


def _busy_clause(starts: datetime, ends: datetime, exclude_request_id: int | None = None):
    """Workstations with an active booking overlapping [starts, ends)."""
    cond = and_(Booking.workstation_id == Workstation.id, _overlapping(starts, ends))
    if exclude_request_id:
        cond = cond & (Booking.request_id != exclude_request_id)
    return exists().where(cond)


def capacities(center_ids: list[int], cross_province: bool) -> dict[int, int]:
    """Available workstations of the needed kind per center (all times)."""
    if not center_ids:
        return {}
    rows = db.session.execute(select(Workstation.center_id, func.count(Workstation.id))
                              .where(Workstation.center_id.in_(center_ids), _kind_clause(cross_province))
                              .group_by(Workstation.center_id)).all()
    return dict(rows)


def seat_counts(center_ids: list[int], starts: datetime, ends: datetime,
                exclude_request_id: int | None = None) -> dict[int, tuple[int, int, int, int]]:
    """Per center: (free cross-province, all cross-province, free in total, all) available workstations.

    One grouped query over the workstations with a NOT EXISTS probe of the bookings index.
    """
    if not center_ids:
        return {}
    free = ~_busy_clause(starts, ends, exclude_request_id)
    cross = Workstation.cross_province.is_(True)
    stmt = (select(Workstation.center_id,
                   func.count(Workstation.id).filter(cross & free),
                   func.count(Workstation.id).filter(cross),
                   func.count(Workstation.id).filter(free),
                   func.count(Workstation.id))
            .where(Workstation.center_id.in_(center_ids), Workstation.status == WorkstationStatus.AVAILABLE)
            .group_by(Workstation.center_id))
    return {row[0]: tuple(row[1:]) for row in db.session.execute(stmt)}


def guest_centers(section: Section) -> list[TradingCenter]:
    """The centers that might be asked: the home province's other centers, and the partner centers of the
    main center's pairings (whether a pairing is in force on the day is the partner rule's to say)."""
    partners = (select(PairingPartner.partner_center_id).join(Pairing, PairingPartner.pairing_id == Pairing.id)
                .where(Pairing.implementing_center_id == section.main_center_id))
    return list(db.session.scalars(
        select(TradingCenter).options(joinedload(TradingCenter.province))
        .join(Province, TradingCenter.province_id == Province.id)
        .where(TradingCenter.active.is_(True), TradingCenter.id != section.main_center_id,
               or_(Province.is_home.is_(True), TradingCenter.id.in_(partners)))
        .order_by(Province.is_home.desc(), Province.sort_order, TradingCenter.level_rank(), TradingCenter.name)))


def availability(section: Section, day: date, start: time, minutes: int, seats: int,
                 specialty_codes: list[str], scope: str = "",
                 candidates: list[TradingCenter] | None = None) -> list[rules.CenterOption]:
    """Candidate guest centers for the evaluation, ranked by fit (rules.rank_centers).

    scope: "in" (this province only), "cross" (partner centers only) or "" (both). `candidates` are
    guest_centers(section) when the caller has them already.
    """
    main = db.session.get(TradingCenter, section.main_center_id)
    starts, ends = rules.evaluation_range(day, start, minutes)
    centers = [c for c in (candidates if candidates is not None else guest_centers(section))
               if scope == "" or (scope == "cross") == (c.province_id != main.province_id)]
    decisions = may_request_many(main, centers, day)
    counts = seat_counts([c.id for c in centers], starts, ends)
    catalogue = catalogue_counts(scope="province") if specialty_codes else {}
    options = []
    for c in centers:
        cross = c.province_id != main.province_id
        decision = decisions[c.id]
        allowed, reason = decision.allowed, decision.reason
        if cross and section.prequalification:
            allowed, reason = False, "资格预审项目暂不列入跨省远程异地评标。"
        free_cross, all_cross, free_all, all_all = counts.get(c.id, (0, 0, 0, 0))
        experts = (tuple(catalogue.get((code, c.region_id), 0) for code in specialty_codes)
                   if c.region_id else None)
        options.append(rules.CenterOption(
            center_id=c.id, name=c.name, province=c.province.name, cross_province=cross, allowed=allowed,
            reason=reason, free_seats=free_cross if cross else free_all, total_seats=all_cross if cross else all_all,
            expert_counts=experts, meal_fee=_meal_fee_text(c), expert_fee=_expert_fee_text(c)))
    return rules.rank_centers(options, seats)


def _expert_fee_text(center: TradingCenter) -> str | None:
    standard = center.fee_standard
    if standard is None:
        return center.expert_fee_note
    return standard.describe() + (f"（{center.expert_fee_note}）" if center.expert_fee_note else "")


def _meal_fee_text(center: TradingCenter) -> str | None:
    return None if center.meal_fee_yuan is None else f"{center.meal_fee_yuan:.2f} 元/人"


def clashes(workstation_ids: list[int], starts: datetime, ends: datetime,
            exclude_request_id: int | None = None) -> list[str]:
    """Chinese descriptions of active bookings of these workstations that overlap [starts, ends)."""
    if not workstation_ids:
        return []
    stmt = (select(Booking, Workstation.code, SeatRequest, Section.name)
            .join(Workstation, Booking.workstation_id == Workstation.id)
            .join(SeatRequest, Booking.request_id == SeatRequest.id)
            .join(Section, SeatRequest.section_id == Section.id)
            .where(Booking.workstation_id.in_(workstation_ids), _overlapping(starts, ends))
            .order_by(Workstation.code))
    if exclude_request_id:
        stmt = stmt.where(Booking.request_id != exclude_request_id)
    return [f"工位 {code} 在 {rules.china_clock(b.starts_at)}—{rules.china_clock(b.ends_at)[11:]} "
            f"已被申请 {req.number}（{name}）占用"
            for b, code, req, name in db.session.execute(stmt)]


def offered_workstations(req: SeatRequest) -> list[tuple[Workstation, bool]]:
    """The guest center's workstations of the needed kind, free ones first: (workstation, free)."""
    busy = _busy_clause(req.starts_at, req.ends_at, exclude_request_id=req.id)
    rows = db.session.execute(
        select(Workstation, busy.label("busy"))
        .join(Venue, Workstation.venue_id == Venue.id)
        .options(joinedload(Workstation.venue))
        .where(Workstation.center_id == req.guest_center_id, _kind_clause(req.cross_province))
        .order_by(busy, Venue.name, Workstation.code)).all()
    return [(w, not is_busy) for w, is_busy in rows]


# --- filing -------------------------------------------------------------------------------------------------

def _filing_facts(day: date, committee_size: int, seats: tuple[int, ...], today: date):
    deadline = deadline_for(day)
    info = load_calendar().describe(day)
    return deadline, rules.FilingFacts(
        today=today, evaluation_date=day, latest_filing_date=deadline.latest_filing_date,
        deadline_rule=deadline.rule_text(), evaluation_is_working_day=deadline.evaluation_is_working_day,
        day_description=info.name or info.kind.label, committee_size=committee_size, guest_seats=seats)


def _check_guests(section: Section, day: date, asks: list[GuestAsk]) -> dict[int, TradingCenter]:
    """The partner rule, prequalification and seat counts for each guest center asked."""
    if not asks:
        raise BookingError("请至少选择一个客场交易中心并填写机位数。", field="guests")
    ids = [a.center_id for a in asks]
    if len(set(ids)) != len(ids):
        raise BookingError("同一客场交易中心只能填写一行。", field="guests")
    centers = {c.id: c for c in db.session.scalars(select(TradingCenter).where(TradingCenter.id.in_(ids)))}
    if len(centers) != len(ids):
        raise BookingError("所选客场交易中心不存在。", field="guests")
    main = db.session.get(TradingCenter, section.main_center_id)
    decisions = may_request_many(main, list(centers.values()), day)
    capacity_cross = capacities(ids, True)
    capacity_all = capacities(ids, False)
    for ask in asks:
        center = centers[ask.center_id]
        cross = center.province_id != main.province_id
        if cross and section.prequalification:
            raise BookingError(f"资格预审项目暂不列入跨省远程异地评标，不能向{center.name}申请客场机位。", field="guests")
        if not decisions[center.id].allowed:
            raise BookingError(decisions[center.id].reason, field="guests")
        capacity = (capacity_cross if cross else capacity_all).get(center.id, 0)
        problem = rules.seats_problem(ask.seats, center.name, capacity, cross)
        if problem:
            raise BookingError(problem, field="guests")
        if len(ask.specialty_ids) > 5:
            raise BookingError("每个客场的专业条件最多选择 5 个。", field="guests")
    return centers


def _other_live_seats(section_id: int, exclude_id: int | None = None) -> tuple[int, ...]:
    """Guest seats the section's other live requests already ask for (one committee across all guests)."""
    stmt = select(SeatRequest.seats_requested).where(SeatRequest.section_id == section_id,
                                                     SeatRequest.status.in_(rules.ACTIVE_STATUSES))
    if exclude_id:
        stmt = stmt.where(SeatRequest.id != exclude_id)
    return tuple(db.session.scalars(stmt))


def _check_filing(day: date, committee_size: int, seats: tuple[int, ...], today: date, *, deadline_too=True):
    """The filing rules; `deadline_too=False` keeps only the committee's (an edit that moves nothing)."""
    deadline, facts = _filing_facts(day, committee_size, seats, today)
    problems = [p for p in rules.filing_problems(facts) if deadline_too or p[0] != "evaluation_date"]
    if problems:
        field, message = problems[0]
        raise BookingError(message, field=field)
    return deadline


def _set_deadline(req: SeatRequest, deadline) -> None:
    req.latest_filing_date = deadline.latest_filing_date
    req.deadline_rule = deadline.rule_text()
    req.deadline_calendar = deadline.calendar_text()


def _set_specialties(req: SeatRequest, specialty_ids: tuple[int, ...]) -> None:
    """The guest experts' specialties in the order chosen (unknown ids dropped, at most five kept)."""
    known = set(db.session.scalars(select(Specialty.id).where(Specialty.id.in_(specialty_ids)))) \
        if specialty_ids else set()
    wanted = [sid for sid in dict.fromkeys(specialty_ids) if sid in known][:5]
    if req.id is not None:
        if [link.specialty_id for link in req.specialty_links] == wanted:
            return
        req.specialty_links = []
        db.session.flush()   # the old rows go first: the new ones may reuse their keys and positions
    req.specialty_links = [SeatRequestSpecialty(specialty_id=sid, position=n) for n, sid in enumerate(wanted, 1)]


def file_requests(section: Section, data: dict, asks: list[GuestAsk], submit: bool,
                  today: date | None = None) -> list[SeatRequest]:
    """Create one request per guest center asked: as drafts, or submitted when `submit` (deadline checked)."""
    today = today or china_today()
    day, start, minutes = data["evaluation_date"], data["start_time"], data["duration_minutes"]
    starts, ends = rules.evaluation_range(day, start, minutes)
    asks = sorted(asks, key=lambda a: a.center_id)   # one lock order for concurrent filings
    seats = tuple(a.seats for a in asks) + _other_live_seats(section.id)
    centers = _check_guests(section, day, asks)
    # A draft meets the deadline when it is submitted; the committee's rules hold for drafts too.
    deadline = _check_filing(day, data["committee_size"], seats, today, deadline_too=submit)
    main = db.session.get(TradingCenter, section.main_center_id)
    actor = audit.current_actor_id()
    created = []
    for ask in asks:
        center = centers[ask.center_id]
        req = SeatRequest(
            section_id=section.id, main_center_id=main.id, guest_center_id=center.id,
            cross_province=center.province_id != main.province_id, requested_by_id=actor,
            status=Status.DRAFT, evaluation_date=day, start_time=start, duration_minutes=minutes,
            starts_at=starts, ends_at=ends, committee_size=data["committee_size"], seats_requested=ask.seats,
            notes=data.get("notes") or None)
        _set_specialties(req, ask.specialty_ids)
        db.session.add(req)
        duplicate = (f"该标段已向{center.name}提出过客场机位申请（未撤回），不能重复申请；"
                     "如需调整，请修改原申请。")
        try:
            db.session.flush()
        except IntegrityError:
            raise BookingError(duplicate, field="guests") from None
        audit.record("create", "seat_request", req, label=_label(req, section, center),
                     region_id=main.region_id, after=audit.snapshot(req, AUDIT_FIELDS),
                     summary=f"向{center.name}申请客场机位 {ask.seats} 个")
        if submit:
            _set_deadline(req, deadline)
            _move(req, Move(Action.SUBMIT, Side.MAIN), section=section, guest=center, main=main)
        created.append(req)
    return created


def _label(req: SeatRequest, section: Section, guest: TradingCenter) -> str:
    return f"{req.number} {section.name} → {guest.short_name or guest.name}"


# --- acting on a request ------------------------------------------------------------------------------------

def _lock(req: SeatRequest, version: int | None) -> None:
    """Take the request for this transaction and refuse a stale page (see the module docstring).

    `version` is the one the person's page showed; without it the page is treated as stale.
    """
    stmt = (update(SeatRequest).where(SeatRequest.id == req.id, SeatRequest.version == (version or 0))
            .values(version=SeatRequest.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False))
    if db.session.execute(stmt).rowcount != 1:
        _reload(req)
        raise StaleRequest(f"该申请已被他人处理或修改（当前状态：{req.status.label}），页面已过期，"
                           "请刷新后再操作。")
    _reload(req)


def _reload(req: SeatRequest) -> None:
    """Re-read the request's columns (not its relationships, which stay as loaded)."""
    db.session.refresh(req, attribute_names=COLUMNS)


def _move(req: SeatRequest, move: Move, *, section: Section | None = None, guest: TradingCenter | None = None,
          main: TradingCenter | None = None, before: dict | None = None, summary: str = "") -> Status:
    """Apply the life-cycle rule, record it in the audit log and tell the other side."""
    try:
        new = rules.next_status(req.status, move)
    except rules.TransitionRefused as error:
        raise BookingError(str(error), field="reason") from None
    before = before or audit.snapshot(req, AUDIT_FIELDS)
    old = req.status
    req.status = new
    now = utcnow()
    if move.action in (Action.ACCEPT, Action.REJECT):
        req.answered_at, req.answered_by_id = now, audit.current_actor_id()
    if move.action is Action.SUBMIT:
        req.submitted_at = now
    if move.reason.strip() or move.action is not Action.EDIT:
        req.reason = move.reason.strip()[:500] or None   # the status line shows the latest action's reason
    section = section or db.session.get(Section, req.section_id)
    main = main or db.session.get(TradingCenter, req.main_center_id)
    guest = guest or db.session.get(TradingCenter, req.guest_center_id)
    db.session.flush()
    text = summary or _summary(move, old, new, req)
    audit.record(move.action.value, "seat_request", req, label=_label(req, section, guest),
                 region_id=main.region_id, before=before, after=audit.snapshot(req, AUDIT_FIELDS), summary=text)
    _notify(req, move, old, new, section, text)
    return new


def _summary(move: Move, old: Status, new: Status, req: SeatRequest) -> str:
    text = f"{move.action.label}：{old.label} → {new.label}"
    if move.action is Action.ACCEPT:
        text += f"（接受 {req.seats_accepted}/{req.seats_requested} 个机位）"
    if move.reason:
        text += f"；原因：{move.reason.strip()}"
    return text


def _notify(req: SeatRequest, move: Move, old: Status, new: Status, section: Section, text: str):
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


def submit(req: SeatRequest, version: int | None, today: date | None = None) -> None:
    _lock(req, version)
    if req.status is not Status.DRAFT:
        raise BookingError(f"申请当前为“{req.status.label}”，不能提交。")
    section = db.session.get(Section, req.section_id)
    asks = [GuestAsk(req.guest_center_id, req.seats_requested, ())]
    _check_guests(section, req.evaluation_date, asks)
    deadline = _check_filing(req.evaluation_date, req.committee_size,
                             (req.seats_requested, *_other_live_seats(req.section_id, req.id)), today or china_today())
    _set_deadline(req, deadline)
    _move(req, Move(Action.SUBMIT, Side.MAIN), section=section)


def withdraw(req: SeatRequest, version: int | None, reason: str = "") -> None:
    _lock(req, version)
    _move(req, Move(Action.WITHDRAW, Side.MAIN, reason=reason))


def reject(req: SeatRequest, version: int | None, reason: str, side: Side = Side.GUEST) -> None:
    _lock(req, version)
    _move(req, Move(Action.REJECT, side, reason=reason))


def _release(req: SeatRequest, reason: str) -> int:
    """Free the request's workstations (the rows stay, inactive)."""
    return db.session.execute(
        update(Booking).where(Booking.request_id == req.id, Booking.active.is_(True))
        .values(active=False, released_at=utcnow(), released_reason=reason[:200])
        .execution_options(synchronize_session=False)).rowcount


def _refuse_if_in_evaluation(req: SeatRequest, what: str) -> None:
    """Seats of a committee that was fixed are the evaluation's: its guest venue would lose its workstations."""
    from ..evaluations.models import EvaluationVenue

    if db.session.scalar(select(EvaluationVenue.id).where(EvaluationVenue.seat_request_id == req.id)):
        raise BookingError(f"主场已按本申请确定评标委员会组成（评标当日页面），不能{what}。")


def cancel(req: SeatRequest, version: int | None, reason: str, side: Side) -> None:
    _lock(req, version)
    _refuse_if_in_evaluation(req, "取消预订")
    _move(req, Move(Action.CANCEL, side, reason=reason))
    _release(req, f"预订取消：{reason.strip()}")


def complete(req: SeatRequest, version: int | None, side: Side, today: date | None = None) -> None:
    _lock(req, version)
    _move(req, Move(Action.COMPLETE, side, today=today or china_today(), evaluation_date=req.evaluation_date))


def accept(req: SeatRequest, version: int | None, workstation_ids: list[int], reason: str = "",
           side: Side = Side.GUEST) -> list[Booking]:
    """Accept with specific workstations of the guest center; fewer than asked is a partial acceptance.

    The database refuses an overlap with another request's booking even when two staff accept at the same
    moment; the flush turns that refusal into BookingConflict.
    """
    _lock(req, version)
    ids = sorted(set(int(i) for i in workstation_ids))   # one lock order for concurrent acceptances
    move = Move(Action.ACCEPT, side, reason=reason, seats_requested=req.seats_requested, seats_assigned=len(ids))
    try:
        rules.next_status(req.status, move)
    except rules.TransitionRefused as error:
        raise BookingError(str(error), field="workstation_ids") from None
    valid = set(db.session.scalars(select(Workstation.id).where(
        Workstation.id.in_(ids), Workstation.center_id == req.guest_center_id, _kind_clause(req.cross_province))))
    if len(valid) != len(ids):
        kind = "支持跨省评标的可用工位" if req.cross_province else "可用工位"
        raise BookingError(f"所选工位须为本客场的{kind}，请重新选择。", field="workstation_ids")
    found = clashes(ids, req.starts_at, req.ends_at, exclude_request_id=req.id)
    if found:
        raise BookingConflict("；".join(found) + "。请选择其他工位。", field="workstation_ids")
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
    _move(req, move, before=before)
    return bookings


def edit(req: SeatRequest, version: int | None, data: dict, specialty_ids: tuple[int, ...],
         today: date | None = None) -> bool:
    """Change a draft, a submitted or an accepted request. Returns True when it went back to the guest side.

    A changed date, time, duration or seat count of an accepted request releases its workstations and
    asks the guest center to confirm again.
    """
    _lock(req, version)
    before = audit.snapshot(req, AUDIT_FIELDS)
    day, start, minutes = data["evaluation_date"], data["start_time"], data["duration_minutes"]
    timing_changed = (day, start, minutes, data["seats_requested"]) != (
        req.evaluation_date, req.start_time, req.duration_minutes, req.seats_requested)
    section = db.session.get(Section, req.section_id)
    starts, ends = rules.evaluation_range(day, start, minutes)
    _check_guests(section, day, [GuestAsk(req.guest_center_id, data["seats_requested"], specialty_ids)])
    seats = (data["seats_requested"], *_other_live_seats(req.section_id, req.id))
    # Drafts meet the deadline at submission; a submitted or accepted request only when its timing moves.
    deadline = _check_filing(day, data["committee_size"], seats, today or china_today(),
                             deadline_too=req.status is not Status.DRAFT and timing_changed)
    if req.status is not Status.DRAFT and timing_changed:
        _set_deadline(req, deadline)
    reconfirm = timing_changed and req.status in rules.HOLDING_STATUSES
    if reconfirm:
        _refuse_if_in_evaluation(req, "再变更日期、时间或机位数")
    move = Move(Action.EDIT, Side.MAIN, reason=data.get("change_reason") or "", needs_reconfirmation=reconfirm)
    try:
        rules.next_status(req.status, move)
    except rules.TransitionRefused as error:
        raise BookingError(str(error)) from None
    if reconfirm and not move.reason.strip():
        raise BookingError("已接受的申请变更日期、时间或机位数后须客场重新确认，请填写变更原因。", field="change_reason")
    req.evaluation_date, req.start_time, req.duration_minutes = day, start, minutes
    req.starts_at, req.ends_at = starts, ends
    req.committee_size, req.seats_requested = data["committee_size"], data["seats_requested"]
    req.notes = data.get("notes") or None
    _set_specialties(req, specialty_ids)
    if reconfirm:
        _release(req, "申请变更，待客场重新确认")
        req.seats_accepted = None
        req.answered_at = req.answered_by_id = None
        req.revision += 1
    summary = "变更日期、时间或机位数，待客场重新确认" if reconfirm else "修改申请"
    if move.reason.strip():
        summary += f"；原因：{move.reason.strip()}"
    _move(req, move, section=section, before=before, summary=summary)
    return reconfirm


def holding_requests(workstation_ids: list[int]) -> list[str]:
    """Requests whose active bookings of these workstations have not ended: '工位 X：KC…（时间）'."""
    if not workstation_ids:
        return []
    rows = db.session.execute(
        select(Workstation.code, SeatRequest, Booking.starts_at)
        .join(Booking, Booking.workstation_id == Workstation.id)
        .join(SeatRequest, Booking.request_id == SeatRequest.id)
        .where(Booking.workstation_id.in_(workstation_ids), Booking.active.is_(True), Booking.ends_at > utcnow())
        .order_by(Booking.starts_at).limit(5)).all()
    return [f"工位 {code}：{req.number}（{rules.china_clock(starts)}）" for code, req, starts in rows]


# --- fees ---------------------------------------------------------------------------------------------------

FEE_FIELDS = ("meal_fee_yuan", "expert_fee_base_yuan", "expert_fee_base_hours", "expert_fee_extra_hour_yuan",
              "expert_fee_cap_yuan", "expert_fee_note")


def save_fees(center: TradingCenter, amounts: dict, base_hours: int | None, expert_fee_note: str | None) -> None:
    """Publish the center's meal and expert fee standards (the evaluation's fees are computed from them)."""
    before = audit.snapshot(center, FEE_FIELDS)
    for name, value in amounts.items():
        setattr(center, name, value)
    center.expert_fee_base_hours = base_hours or 4
    center.expert_fee_note = (expert_fee_note or "").strip() or None
    db.session.flush()
    audit.record("update", "trading_center", center, region_id=center.region_id, before=before,
                 after=audit.snapshot(center, FEE_FIELDS), summary="更新收费标准")


# --- calendars and feeds ------------------------------------------------------------------------------------

def center_bookings(center_id: int, first: date, days: int) -> list[tuple[Booking, Workstation, SeatRequest]]:
    """Active bookings of a center that start in [first, first + days) China time, by time and workstation."""
    lo, hi = local_midnight_utc(first), local_midnight_utc(first + timedelta(days=days))
    return list(db.session.execute(
        select(Booking, Workstation, SeatRequest)
        .join(Workstation, Booking.workstation_id == Workstation.id)
        .join(SeatRequest, Booking.request_id == SeatRequest.id)
        .options(joinedload(SeatRequest.section), joinedload(SeatRequest.main_center))
        .where(Booking.center_id == center_id, Booking.active.is_(True),
               Booking.starts_at >= lo, Booking.starts_at < hi)
        .order_by(Booking.starts_at, Workstation.code)).all())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(center: TradingCenter, label: str) -> str:
    """A new private feed; returns the token (only its hash is stored, so it is shown once)."""
    token = secrets.token_urlsafe(24)
    feed = CalendarFeed(center_id=center.id, token_sha256=_hash(token), label=label.strip()[:60] or "日历订阅",
                        created_by_id=audit.current_actor_id())
    db.session.add(feed)
    db.session.flush()
    audit.record("create", "calendar_feed", feed, region_id=center.region_id, after={"label": feed.label},
                 summary=f"{center.name}新建日历订阅")
    return token


def revoke_feed(feed: CalendarFeed, center: TradingCenter) -> None:
    if feed.revoked_at is not None:
        raise BookingError("该订阅链接已撤销。")
    feed.revoked_at = utcnow()
    feed.revoked_by_id = audit.current_actor_id()
    audit.record("revoke", "calendar_feed", feed, region_id=center.region_id, summary="撤销日历订阅链接")


def feed_for_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalars(select(CalendarFeed).options(joinedload(CalendarFeed.center)).where(
        CalendarFeed.token_sha256 == _hash(token), CalendarFeed.revoked_at.is_(None))).first()


def feed_requests(center_id: int, today: date) -> list[tuple[SeatRequest, list[str]]]:
    """Requests holding workstations of the center from 30 days ago to a year ahead, with their codes."""
    lo, hi = local_midnight_utc(today - timedelta(days=30)), local_midnight_utc(today + timedelta(days=366))
    rows = db.session.execute(
        select(SeatRequest, Workstation.code)
        .join(Booking, Booking.request_id == SeatRequest.id)
        .join(Workstation, Booking.workstation_id == Workstation.id)
        .options(joinedload(SeatRequest.section), joinedload(SeatRequest.main_center))
        .where(Booking.center_id == center_id, Booking.active.is_(True),
               Booking.starts_at >= lo, Booking.starts_at < hi)
        .order_by(SeatRequest.starts_at, SeatRequest.id, Workstation.code)).all()
    grouped: dict[int, tuple[SeatRequest, list[str]]] = {}
    for req, code in rows:
        grouped.setdefault(req.id, (req, []))[1].append(code)
    return list(grouped.values())


def ics_calendar(center: TradingCenter, items: list[tuple[SeatRequest, list[str]]], host: str) -> bytes:
    """An RFC 5545 calendar: one event per request holding the center's workstations."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//远程异地评标协同门户//客场机位//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{center.name} 客场机位")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for req, codes in items:
        event = Event()
        event.add("uid", f"seat-request-{req.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _utc(req.starts_at))
        event.add("dtend", _utc(req.ends_at))
        event.add("summary", f"客场评标 {req.number}：{req.section.name}（{len(codes)} 个工位）")
        event.add("location", center.name)
        event.add("description", f"主场：{req.main_center.name}\n工位：{'、'.join(codes)}\n"
                                 f"状态：{req.status.label}")
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def touch_feed(feed: CalendarFeed) -> None:
    feed.last_used_at = utcnow()
