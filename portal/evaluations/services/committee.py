"""Fixing the committee (确定评标委员会组成和抽取条件): size, tenderee representatives, avoidance facts and the
experts each venue draws, per specialty; and the sections waiting for it."""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ...audit import services as audit
from ...bookings.models import SeatRequest, SeatRequestSpecialty
from ...bookings.rules import HOLDING_STATUSES, Side, Status
from ...bookings.services import lifecycle
from ...bookings.services.common import completion_checks, seat_users
from ...errors import ChangeRefused
from ...extensions import db
from ...projects.models import Section
from .. import rules
from ..models import Clue, DutyItem, Evaluation, EvaluationVenue, ExpertDraw, Incident, VenueNeed
from .common import EvaluationError, evaluation_options, lock, region_of

# Requests whose seats an evaluation uses or used: the section's evaluation day has a page.
HELD_OR_DONE = (*HOLDING_STATUSES, Status.COMPLETED)

AUDITED = ("committee_size", "tenderee_reps", "bidders", "supervising_department")


def holding_requests(section: Section) -> list[SeatRequest]:
    """The section's accepted (or partly accepted) seat requests: the guest venues of its evaluation."""
    return list(db.session.scalars(
        select(SeatRequest).where(SeatRequest.section_id == section.id, SeatRequest.status.in_(HOLDING_STATUSES))
        .options(joinedload(SeatRequest.guest_center),
                 selectinload(SeatRequest.specialty_links).joinedload(SeatRequestSpecialty.specialty))
        .order_by(SeatRequest.id)))


def section_options():
    """What the committee form shows of a section: its project and main center."""
    return (joinedload(Section.project), joinedload(Section.main_center))


def evaluation_of(section: Section) -> Evaluation | None:
    """The section's evaluation once its committee is fixed, loaded for the pages."""
    return db.session.scalars(select(Evaluation).where(Evaluation.section_id == section.id)
                              .options(*evaluation_options())).first()


def request_in_committee(request_id: int) -> bool:
    """Whether a guest-seat request's seats belong to a fixed committee (one of its guest venues)."""
    return db.session.scalar(select(EvaluationVenue.id).where(EvaluationVenue.seat_request_id == request_id)) \
        is not None


# Bookings asks this before giving a request's seats up (it does not import evaluations).
seat_users.append(request_in_committee)


def completion_problem(request_id: int) -> str | None:
    """A booking whose seats a running evaluation uses is completed only after the end instruction: otherwise
    the evaluation (say, a guest venue still to draw) would lose its seats and could never end."""
    running = db.session.scalar(select(EvaluationVenue.id).join(Evaluation).where(
        EvaluationVenue.seat_request_id == request_id, Evaluation.ended_at.is_(None)))
    if running is None:
        return None
    return "该申请的机位正用于评标，主场下达评审结束指令后才能标记为已完成。"


completion_checks.append(completion_problem)


def has_guest_seats(section_id: int, scope) -> bool:
    """Whether the section has an accepted (or completed) guest-seat request within `scope` (on SeatRequest)."""
    return db.session.scalar(select(SeatRequest.id).where(
        SeatRequest.section_id == section_id, SeatRequest.status.in_(HELD_OR_DONE), scope).limit(1)) is not None


def evaluation_id_for(section_id: int, scope) -> int | None:
    """The id of a section's evaluation within `scope` (a WHERE clause on Evaluation), or None."""
    return db.session.scalar(select(Evaluation.id).where(Evaluation.section_id == section_id, scope))


def ready_sections(center_id: int | None, limit: int = 50) -> list[Section]:
    """Sections of the main center `center_id` with accepted guest seats and no committee yet; and the other
    provinces' sections the center hosts (inbound), whose committee its staff record as the partner fixed it."""
    if center_id is None:
        return []
    has_seats = select(SeatRequest.section_id).where(SeatRequest.status.in_(HOLDING_STATUSES))
    fixed = select(Evaluation.section_id)
    return list(db.session.scalars(
        select(Section).where(Section.center_clause(center_id), Section.id.in_(has_seats),
                              Section.id.not_in(fixed))
        .options(joinedload(Section.project)).order_by(Section.evaluation_date, Section.id).limit(limit)))


def fix_committee(section: Section, evaluation: Evaluation | None, data: dict,
                  needs: dict[str, list[tuple[int, int]]]) -> Evaluation:
    """Create or change the committee: size, tenderee representatives, avoidance facts, experts per venue and
    specialty. `needs` maps "main" or a seat request id (as text) to [(specialty id, count), ...]."""
    requests = holding_requests(section)
    if not requests:
        raise EvaluationError("该标段还没有已接受的客场机位申请，不能组织远程异地评标。")
    if section.evaluation_date is None or section.start_time is None:
        raise EvaluationError("请先在标段中填写评标日期和开始时间。")
    if evaluation is not None:
        lock(evaluation)
        if evaluation.ended:
            raise EvaluationError("评审已经结束，不能再修改评标委员会组成。")
        problems = _change_problems(evaluation, data, needs)
        if problems:
            raise EvaluationError(problems[0], "committee_size")
    plans = _plans(requests, needs)
    problems = rules.committee_problems(data["committee_size"], data["tenderee_reps"], plans)
    if problems:
        raise EvaluationError(problems[0], "committee_size")
    before, existing = None, {}
    if evaluation is None:
        evaluation = Evaluation(section_id=section.id, main_center_id=section.main_center_id)
        db.session.add(evaluation)
    else:
        before = audit.snapshot(evaluation, AUDITED)
        existing = {v.seat_request_id or "main": v for v in evaluation.venues}
    _set_facts(evaluation, requests[0], data)
    _set_venues(evaluation, section, requests, plans, needs, existing)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise EvaluationError("评标委员会组成没有保存：可能已由他人同时保存，请刷新页面后核对再保存。",
                              "committee_size") from error
    after = audit.snapshot(evaluation, AUDITED)
    after["venues"] = "；".join(f"{p.name} {p.experts} 人" for p in plans)
    audit.record("update" if before else "create", "evaluation", evaluation, region_id=section.main_center.region_id or section.project.region_id,
                 before=before, after=after, summary="确定评标委员会组成和抽取条件")
    return evaluation


def drawn_venue_ids(evaluation: Evaluation) -> set[int]:
    """The venues of the evaluation that have drawn experts."""
    return set(db.session.scalars(select(ExpertDraw.venue_id).join(EvaluationVenue)
                                  .where(EvaluationVenue.evaluation_id == evaluation.id)))


def _change_problems(evaluation: Evaluation, data: dict, needs: dict) -> list[str]:
    """A venue's part of the committee changes until that venue has drawn (rules.committee_change_problems)."""
    drawn_ids = drawn_venue_ids(evaluation)
    drawn = {(str(v.seat_request_id) if v.seat_request_id else "main"):
             (v.label, {n.specialty_id: n.count for n in v.needs}) for v in evaluation.venues if v.id in drawn_ids}
    wanted = {key: dict(rows) for key, rows in needs.items()}
    months = data.get("avoid_months")
    facts = ("\n".join(rules.parse_names(data.get("bidders"))), (data.get("supervising_department") or "").strip() or None,
             rules.DEFAULT_AVOID_MONTHS if months is None else months)
    changed = facts != (evaluation.bidders, evaluation.supervising_department, evaluation.avoid_months)
    return rules.committee_change_problems(drawn, wanted, changed)


def move_to_main(evaluation: Evaluation, venue: EvaluationVenue) -> int:
    """A guest venue that cannot draw (too few experts): its experts are drawn by the main venue instead, the
    guest venue leaves the evaluation and its seat request is cancelled. Returns how many experts moved."""
    lock(evaluation)
    if evaluation.ended:
        raise EvaluationError("评审已经结束，不能再调整评标委员会组成。")
    if venue.is_main:
        raise EvaluationError("请选择要改由主场抽取的客场。")
    if venue.id in drawn_venue_ids(evaluation):
        raise EvaluationError(f"{venue.label}已抽取专家，不能再改由主场抽取；需要调整时请更换专家。")
    if _venue_has_records(venue):
        raise EvaluationError(f"{venue.label}已有保障、突发情况或线索记录，不能从评标中去掉。")
    main = next(v for v in evaluation.venues if v.is_main)
    mains = {n.specialty_id: n for n in main.needs}
    for need in venue.needs:
        if need.specialty_id in mains:
            mains[need.specialty_id].count += need.count
        else:
            main.needs.append(VenueNeed(specialty_id=need.specialty_id, count=need.count))
    moved, label = venue.experts_needed, venue.label
    main.experts_needed += moved
    request = db.session.get(SeatRequest, venue.seat_request_id)
    evaluation.venues.remove(venue)
    db.session.flush()
    try:
        lifecycle.cancel(request, request.version, f"{label}符合条件的专家不足，{moved} 名专家改由主场抽取", Side.MAIN)
    except ChangeRefused as error:
        raise EvaluationError(str(error)) from None
    audit.record("update", "evaluation", evaluation, region_id=region_of(evaluation),
                 summary=f"{label}专家不足：{moved} 名专家改由主场抽取，该客场机位申请已取消")
    return moved


def _plans(requests: list[SeatRequest], needs: dict) -> list[rules.VenuePlan]:
    """The venues as the committee rule sees them: the main venue first, then one per seat request."""
    plans = [rules.VenuePlan("主场", True, sum(c for _, c in needs.get("main", [])))]
    for req in requests:
        plans.append(rules.VenuePlan(f"客场（{req.guest_center.name}）", False,
                                     sum(c for _, c in needs.get(str(req.id), [])),
                                     seats=req.seats_accepted or req.seats_requested))
    return plans


def _set_facts(evaluation: Evaluation, first: SeatRequest, data: dict) -> None:
    """The time (from the seat requests) and what the form fixed: size, representatives, avoidance."""
    evaluation.evaluation_date = first.evaluation_date
    evaluation.start_time = first.start_time
    evaluation.duration_minutes = first.duration_minutes
    evaluation.starts_at = first.starts_at
    evaluation.committee_size = data["committee_size"]
    evaluation.tenderee_reps = data["tenderee_reps"]
    evaluation.bidders = "\n".join(rules.parse_names(data.get("bidders")))
    evaluation.supervising_department = (data.get("supervising_department") or "").strip() or None
    months = data.get("avoid_months")
    evaluation.avoid_months = rules.DEFAULT_AVOID_MONTHS if months is None else months
    evaluation.fixed_by_id = audit.current_actor_id()


def _set_venues(evaluation: Evaluation, section: Section, requests, plans, needs, existing: dict) -> None:
    """Venues are kept (their incidents, clues and duty ticks with them); only their needs are replaced.
    `existing` holds the venues saved before, by seat request id ("main" for the main venue)."""
    wanted = [("main", section.main_center_id, None, plans[0].experts, needs.get("main", []))]
    wanted += [(req.id, req.guest_center_id, req.id, plan.experts, needs.get(str(req.id), []))
               for req, plan in zip(requests, plans[1:])]
    for key, center_id, request_id, experts, rows in wanted:
        venue = existing.pop(key, None)
        if venue is None:
            venue = EvaluationVenue(center_id=center_id, seat_request_id=request_id, is_main=request_id is None)
            evaluation.venues.append(venue)
        venue.experts_needed = experts
        # Updated in place: replacing the list would insert before deleting and meet the unique index.
        old = {n.specialty_id: n for n in venue.needs}
        for specialty_id, count in rows:
            if specialty_id in old:
                old.pop(specialty_id).count = count
            else:
                venue.needs.append(VenueNeed(specialty_id=specialty_id, count=count))
        for need in old.values():
            venue.needs.remove(need)
    for venue in existing.values():   # a guest venue whose seats were given up before drawing
        if _venue_has_records(venue):
            raise EvaluationError(f"{venue.label}已有保障、突发情况或线索记录，不能从评标中去掉。")
        evaluation.venues.remove(venue)


def _venue_has_records(venue: EvaluationVenue) -> bool:
    return any(db.session.scalar(select(func.count()).select_from(model).where(model.venue_id == venue.id))
               for model in (Incident, Clue, DutyItem))
