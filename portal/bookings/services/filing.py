"""Filing (提出申请): from a section to one or more guest centers, with the deadline (3 working days ahead), the
partner rule, seat counts and the committee's composition.

The checks here also guard submitting a draft and editing a request (portal.bookings.services.lifecycle).
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...audit import services as audit
from ...calendar.services import current_version, deadline_for, load_calendar
from ...experts.models import Specialty
from ...extensions import db
from ...orgs.models import TradingCenter
from ...partners.services import may_request_many
from ...projects.holds import SectionHold, section_holds
from ...projects.models import Project, Section
from ...clock import china_today
from .. import rules
from ..models import SeatRequest, SeatRequestSpecialty
from ..rules import Action, Move, Side, Status
from . import pool
from .availability import capacities, guest_centers
from .common import AUDIT_FIELDS, BookingError, label, move


@dataclass(frozen=True)
class GuestAsk:
    """One guest center asked, as typed in the request form."""

    center_id: int
    seats: int
    specialty_ids: tuple[int, ...]


def _filing_facts(day: date, committee_size: int, seats: tuple[int, ...], today: date):
    deadline = deadline_for(day)
    info = load_calendar().describe(day)
    return deadline, rules.FilingFacts(
        today=today, evaluation_date=day, latest_filing_date=deadline.latest_filing_date,
        deadline_rule=deadline.rule_text(), evaluation_is_working_day=deadline.evaluation_is_working_day,
        day_description=info.name or info.kind.label, committee_size=committee_size, guest_seats=seats)


def check_guests(section: Section, day: date, asks: list[GuestAsk]) -> dict[int, TradingCenter]:
    """The partner rule, prequalification and seat counts for each guest center asked; the centers by id."""
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


def specialty_names(specialty_ids) -> dict[int, tuple[str, str]]:
    """{id: (code, "code name")} of the given specialties (one query)."""
    ids = set(specialty_ids)
    if not ids:
        return {}
    return {s.id: (s.code, str(s)) for s in db.session.scalars(select(Specialty).where(Specialty.id.in_(ids)))}


def check_experts(section: Section, day: date, asks: list[GuestAsk], centers: dict[int, TradingCenter]) -> None:
    """Refuse a guest center with fewer eligible experts than the seats asked (rules 3.5), naming the
    shortage and the centers that have enough: the agent can still choose, the guest venue later could not."""
    main = db.session.get(TradingCenter, section.main_center_id)
    tenderee = db.session.get(Project, section.project_id).tenderee
    specialties = specialty_names(sid for a in asks for sid in a.specialty_ids)
    names = {code: text for code, text in specialties.values()}
    questions = [pool.PoolQuestion(a.center_id, pool.pool_ask(centers[a.center_id], main.region_id, day, tenderee),
                                   tuple(specialties[s][0] for s in a.specialty_ids if s in specialties), a.seats)
                 for a in asks]
    counts = pool.eligible(questions)
    for question in questions:
        found = counts[question.key]
        problem = found is not None and pool.shortage_text(centers[question.key].name, found, question.seats, names)
        if problem:
            raise BookingError(problem + _enough_elsewhere(section, main, day, question, tenderee), field="guests")


def _enough_elsewhere(section: Section, main: TradingCenter, day: date, short: "pool.PoolQuestion",
                      tenderee: str) -> str:
    """The other centers the section may ask that have enough eligible experts for the same question."""
    others = [c for c in guest_centers(section) if c.id != short.key and c.region_id is not None
              and c.province_id == main.province_id]
    decisions = may_request_many(main, others, day)
    others = [c for c in others if decisions[c.id].allowed]
    questions = [pool.PoolQuestion(c.id, pool.pool_ask(c, main.region_id, day, tenderee), short.codes, short.seats)
                 for c in others]
    counts = pool.eligible(questions)
    enough = [c.name for c in others if not pool.expert_shortages(counts[c.id], short.seats)]
    if not enough:
        return "省内其他交易中心也没有足够的专家，请调整专业条件或客场专家人数，或向省外合作单位申请。"
    return f"专家数量足够的交易中心：{'、'.join(enough)}。请改向这些交易中心申请，或调整专业条件、客场专家人数。"


def other_live_seats(section_id: int, exclude_id: int | None = None) -> tuple[int, ...]:
    """Guest seats the section's other live requests already ask for (one committee across all guests)."""
    stmt = select(SeatRequest.seats_requested).where(SeatRequest.section_id == section_id,
                                                     SeatRequest.status.in_(rules.ACTIVE_STATUSES))
    if exclude_id:
        stmt = stmt.where(SeatRequest.id != exclude_id)
    return tuple(db.session.scalars(stmt))


def check_filing(day: date, committee_size: int, seats: tuple[int, ...], today: date, *, deadline_too=True):
    """The filing rules; `deadline_too=False` keeps only the committee's (an edit that moves nothing)."""
    deadline, facts = _filing_facts(day, committee_size, seats, today)
    problems = [p for p in rules.filing_problems(facts) if deadline_too or p[0] != "evaluation_date"]
    if problems:
        field, message = problems[0]
        raise BookingError(message, field=field)
    return deadline


def set_deadline(req: SeatRequest, deadline) -> None:
    """Record the deadline the request was filed against, with the calendar it used."""
    req.latest_filing_date = deadline.latest_filing_date
    req.deadline_rule = deadline.rule_text()
    req.deadline_calendar = deadline.calendar_text()
    req.deadline_version = current_version()


def set_specialties(req: SeatRequest, specialty_ids: tuple[int, ...]) -> None:
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


def align_section(section: Section, day: date, start, exclude_id: int | None = None) -> None:
    """One evaluation date for the section and all its live requests (issue 22 item 4): the first request
    carries the section along (audited); later ones must keep the date the others hold."""
    if (section.evaluation_date, section.start_time) == (day, start):
        return
    others = db.session.scalars(select(SeatRequest).where(
        SeatRequest.section_id == section.id, SeatRequest.status.in_(rules.ACTIVE_STATUSES),
        *([SeatRequest.id != exclude_id] if exclude_id else []))).all()
    if others:
        held = f"{section.evaluation_date:%Y-%m-%d} {section.start_time:%H:%M}" if section.evaluation_date and \
            section.start_time else "标段所填时间"
        raise BookingError(f"该标段已有进行中的客场机位申请（{'、'.join(r.number for r in others[:3])}），"
                           f"评标日期和开始时间须与之一致（{held}）；需要改期的，请通过场地变更申请一并调整。",
                           field="evaluation_date")
    before = audit.snapshot(section, ("evaluation_date", "start_time"))
    section.evaluation_date, section.start_time = day, start
    project = db.session.get(Project, section.project_id)
    audit.record("update", "section", section, label=f"{project.name} · {section}", region_id=project.region_id,
                 before=before, after=audit.snapshot(section, ("evaluation_date", "start_time")),
                 summary="评标日期、开始时间随客场机位申请调整")


def file_requests(section: Section, data: dict, asks: list[GuestAsk], submit: bool,
                  today: date | None = None) -> list[SeatRequest]:
    """Create one request per guest center asked: as drafts, or submitted when `submit` (deadline checked)."""
    today = today or china_today()
    day, start, minutes = data["evaluation_date"], data["start_time"], data["duration_minutes"]
    starts, ends = rules.evaluation_range(day, start, minutes)
    asks = sorted(asks, key=lambda a: a.center_id)   # one lock order for concurrent filings
    seats = tuple(a.seats for a in asks) + other_live_seats(section.id)
    centers = check_guests(section, day, asks)
    # A draft meets the deadline when it is submitted; the committee's rules hold for drafts too.
    deadline = check_filing(day, data["committee_size"], seats, today, deadline_too=submit)
    check_experts(section, day, asks, centers)
    align_section(section, day, start)
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
        store(req, ask, section, center, main)
        if submit:
            set_deadline(req, deadline)
            move(req, Move(Action.SUBMIT, Side.MAIN), section=section, guest=center, main=main)
        created.append(req)
    return created


def store(req: SeatRequest, ask: GuestAsk, section: Section, center: TradingCenter, main: TradingCenter, *,
          duplicate: str | None = None, field: str = "guests", summary: str | None = None,
          fields: tuple[str, ...] = AUDIT_FIELDS) -> None:
    """Insert a new request with its specialties and audit its creation (in the main center's region, else the
    guest's: an inbound request); a second live one is refused with `duplicate`."""
    set_specialties(req, ask.specialty_ids)
    db.session.add(req)
    # Written before the flush: a failed flush expires every loaded record, the center's name with it.
    duplicate = duplicate or f"该标段已向{center.name}提出过客场机位申请（未撤回），不能重复申请；如需调整，请修改原申请。"
    summary = summary or f"向{center.name}申请客场机位 {ask.seats} 个"
    region_id = main.region_id if main.region_id is not None else center.region_id
    try:
        db.session.flush()
    except IntegrityError:
        # The partial unique index: one live request per section and guest center (a double click, a 2nd tab).
        raise BookingError(duplicate, field=field) from None
    audit.record("create", "seat_request", req, label=label(req, section, center),
                 region_id=region_id, after=audit.snapshot(req, fields), summary=summary)


# Statuses whose request holds its section's timing: live ones, and completed ones (the evaluation is over).
HOLDING_SECTION = (*rules.ACTIVE_STATUSES, Status.COMPLETED)


def section_hold(section_id: int) -> SectionHold | None:
    """A section with live or completed requests keeps its date, start time and main center (issue 22 item 4):
    they change through the requests (场地变更). A completed request means the evaluation is over."""
    requests = db.session.scalars(select(SeatRequest).where(SeatRequest.section_id == section_id,
                                                            SeatRequest.status.in_(HOLDING_SECTION))
                                  .order_by(SeatRequest.id)).all()
    if not requests:
        return None
    reason = "、".join(f"{r.number} {r.status.label}" for r in requests[:5]) + ("等" if len(requests) > 5 else "")
    guests = tuple((r.guest_center_id, f"/bookings/{r.id}") for r in requests
                   if r.status not in (Status.DRAFT, Status.COMPLETED))
    return SectionHold(f"申请 {reason}", ended=any(r.status is Status.COMPLETED for r in requests), guests=guests,
                       cross_province=any(r.cross_province and r.status in rules.ACTIVE_STATUSES for r in requests))


section_holds.append(section_hold)
