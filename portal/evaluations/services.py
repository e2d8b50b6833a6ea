"""The evaluation day and after: fixing the committee, drawing, sign-in, signatures, the end instruction,
duties, incidents, clues, hand-over, fees and the deadlines board.

Services load, apply the pure rules, change, write the audit entry and notifications, and flush; the view
commits once. Every change of an evaluation starts with `_lock`, an UPDATE of its version: it serialises
the people acting on one evaluation (a row lock on PostgreSQL, the write lock on SQLite) and tells the live
board that something moved.

Confidentiality: audit entries and notifications never name a drawn expert (not even by id): they say the
venue and the seat number. The names are shown only where `may_see_names` allows.
"""
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..audit import services as audit
from ..auth.models import Role, User
from ..bookings.models import Booking, SeatRequest, SeatRequestSpecialty
from ..bookings.rules import HOLDING_STATUSES, MAX_DURATION_MINUTES, china_clock, evaluation_range
from ..bookings.rules import Status as RequestStatus
from ..errors import ChangeRefused
from ..experts.models import Expert, ExpertSpecialty, Specialty
from ..experts.rules import ShareScope
from ..experts.services import available_clause
from ..extensions import db
from ..models_base import utcnow
from ..auth.recipients import center_staff_ids
from ..notifications.services import notify
from ..orgs.models import TradingCenter
from ..projects.models import Project, Section
from ..templating import china_today
from ..calendar.services import deadline_for, load_calendar
from ..workstations.models import Workstation, WorkstationStatus
from .. import uploads
from . import rules
from .models import (
    Attachment,
    Clue,
    CommitteeMember,
    DutyItem,
    Evaluation,
    ExpertDraw,
    HandoverItem,
    Incident,
    MemberStatus,
    EvaluationVenue,
    VenueNeed,
)
from .rules import DueItem, DueKind, ReplaceReason

UPLOAD_FEATURE = "evaluation"


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


def acting_venue_ids(user, evaluation: Evaluation) -> set[int]:
    """The venues `user` runs (draws, signs in, ticks duties for): the own center's venue; the main venue's
    staff also run a guest venue of another province, whose staff have no account here."""
    if user.role is not Role.CENTER_STAFF or not user.center_id:
        return set()
    ids = set()
    for venue in evaluation.venues:
        if venue.center_id == user.center_id:
            ids.add(venue.id)
        elif evaluation.main_center_id == user.center_id and venue.center.region_id is None:
            ids.add(venue.id)
    return ids


def is_main_staff(user, evaluation: Evaluation) -> bool:
    return user.role is Role.CENTER_STAFF and user.center_id == evaluation.main_center_id


def may_see_names(user, evaluation: Evaluation, venue: EvaluationVenue) -> bool:
    """Drawn names: the drawing venue's staff; supervisors of the region once the winner is determined."""
    if venue.id in acting_venue_ids(user, evaluation):
        return True
    return bool(evaluation.winner_determined_on) and user.role is Role.SUPERVISOR


def may_see_clues(user, evaluation: Evaluation) -> bool:
    """Whether the clues section shows at all: the venues' staff (to file or read) and supervisors."""
    if user.role is Role.SUPERVISOR:
        return True
    return user.role is Role.CENTER_STAFF and any(v.center_id == user.center_id for v in evaluation.venues)


def may_read_clue(user, evaluation: Evaluation, clue_venue_id: int) -> bool:
    """One clue: the main venue, the guest venue that filed it, and supervisors; not the other guest venues."""
    if user.role is Role.SUPERVISOR or is_main_staff(user, evaluation):
        return True
    return clue_venue_id in acting_venue_ids(user, evaluation)


def holding_requests(section: Section) -> list[SeatRequest]:
    """The section's accepted (or partly accepted) seat requests: the guest venues of its evaluation."""
    return list(db.session.scalars(
        select(SeatRequest).where(SeatRequest.section_id == section.id, SeatRequest.status.in_(HOLDING_STATUSES))
        .options(joinedload(SeatRequest.guest_center),
                 selectinload(SeatRequest.specialty_links).joinedload(SeatRequestSpecialty.specialty))
        .order_by(SeatRequest.id)))


def _lock(evaluation: Evaluation, *records) -> None:
    """Serialise changes of one evaluation; then re-read the records the change depends on, which another
    request may have changed while this one waited for the lock."""
    db.session.execute(update(Evaluation).where(Evaluation.id == evaluation.id)
                       .values(version=Evaluation.version + 1))
    db.session.refresh(evaluation, ["version", "ended_at", "winner_determined_on", "payment_due"])
    for record in records:
        db.session.refresh(record, [c.key for c in type(record).__table__.columns])


def _region(evaluation: Evaluation) -> int | None:
    return evaluation.main_center.region_id


def _staff_of(evaluation: Evaluation) -> list[int]:
    return center_staff_ids(*[v.center_id for v in evaluation.venues])


def _agent_of(evaluation: Evaluation) -> int:
    return evaluation.section.project.owner_id


# --- fixing the committee (确定评标委员会组成和抽取条件) ----------------------------------------------------

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
        _lock(evaluation)
        if db.session.scalar(select(func.count(ExpertDraw.id)).join(EvaluationVenue).where(EvaluationVenue.evaluation_id == evaluation.id)):
            raise EvaluationError("已开始抽取专家，不能再修改评标委员会组成；需要调整时请更换专家。")
    plans = [rules.VenuePlan("主场", True, sum(c for _, c in needs.get("main", [])))]
    for req in requests:
        plans.append(rules.VenuePlan(f"客场（{req.guest_center.name}）", False,
                                     sum(c for _, c in needs.get(str(req.id), [])),
                                     seats=req.seats_accepted or req.seats_requested))
    problems = rules.committee_problems(data["committee_size"], data["tenderee_reps"], plans)
    if problems:
        raise EvaluationError(problems[0], "committee_size")
    first = requests[0]
    before = None
    existing: dict = {}
    if evaluation is None:
        evaluation = Evaluation(section_id=section.id, main_center_id=section.main_center_id)
        db.session.add(evaluation)
    else:
        before = audit.snapshot(evaluation, ("committee_size", "tenderee_reps", "bidders", "supervising_department"))
        existing = {v.seat_request_id or "main": v for v in evaluation.venues}
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
    # Venues are kept (their incidents, clues and duty ticks with them); only their needs are replaced.
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
    try:
        db.session.flush()
    except IntegrityError as error:
        raise EvaluationError("评标委员会组成没有保存：可能已由他人同时保存，请刷新页面后核对再保存。",
                              "committee_size") from error
    after = audit.snapshot(evaluation, ("committee_size", "tenderee_reps", "bidders", "supervising_department"))
    after["venues"] = "；".join(f"{p.name} {p.experts} 人" for p in plans)
    audit.record("update" if before else "create", "evaluation", evaluation, region_id=section.main_center.region_id,
                 before=before, after=after, summary="确定评标委员会组成和抽取条件")
    return evaluation


def _venue_has_records(venue: EvaluationVenue) -> bool:
    return any(db.session.scalar(select(func.count()).select_from(model).where(model.venue_id == venue.id))
               for model in (Incident, Clue, DutyItem))


# --- the draw (专家抽取) --------------------------------------------------------------------------------------

def _pool_clause(venue: EvaluationVenue, main_region_id: int | None):
    """Experts of the venue's region pool that may serve there (sharing scope)."""
    clause = Expert.region_id == venue.center.region_id
    if not venue.is_main and venue.center.region_id != main_region_id:
        # Another region's evaluation: only experts shared province-wide or across provinces.
        clause = and_(clause, Expert.share_scope.in_((ShareScope.PROVINCE, ShareScope.CROSS_PROVINCE)))
    return clause


def _avoidance_facts(evaluation: Evaluation) -> rules.AvoidanceFacts:
    """What the portal knows about conflicts: employers, recent service to the tenderee, the same day."""
    tenderee = evaluation.section.project.tenderee
    since = evaluation.evaluation_date - timedelta(days=31 * evaluation.avoid_months)
    served = db.session.execute(
        select(CommitteeMember.expert_id, Project.tenderee, Evaluation.evaluation_date, Evaluation.id)
        .join(Evaluation, CommitteeMember.evaluation_id == Evaluation.id)
        .join(Section, Evaluation.section_id == Section.id).join(Project, Section.project_id == Project.id)
        .where(CommitteeMember.status == MemberStatus.SEATED, Evaluation.id != evaluation.id,
               Evaluation.evaluation_date >= since,
               Evaluation.evaluation_date <= evaluation.evaluation_date)).all()
    key = rules.normalise_org(tenderee)
    recent = frozenset(e for e, t, _, _ in served if rules.normalise_org(t) == key)
    same_day = frozenset(e for e, _, d, _ in served if d == evaluation.evaluation_date)
    on_committee = frozenset(db.session.scalars(
        select(CommitteeMember.expert_id).where(CommitteeMember.evaluation_id == evaluation.id)))
    departments = tuple(rules.parse_names(evaluation.supervising_department))
    return rules.AvoidanceFacts(tenderee=tenderee, bidders=tuple(rules.parse_names(evaluation.bidders)),
                                supervising_departments=departments, recent_tenderee_ids=recent,
                                same_day_ids=same_day, committee_ids=on_committee)


def candidates(evaluation: Evaluation, venue: EvaluationVenue, specialty: Specialty) -> list[rules.Candidate]:
    """Available experts of the venue's pool holding the specialty or one below it, ascending by id."""
    holders = (select(ExpertSpecialty.expert_id).join(Specialty, ExpertSpecialty.specialty_id == Specialty.id)
               .where(Specialty.code.like(f"{specialty.code}%")))
    rows = db.session.execute(
        select(Expert.id, Expert.employer)
        .where(_pool_clause(venue, evaluation.main_center.region_id), available_clause(evaluation.evaluation_date),
               Expert.id.in_(holders))
        .order_by(Expert.id)).all()
    return [rules.Candidate(id=i, employer=e or "") for i, e in rows]


def _next_seat(venue: EvaluationVenue) -> int:
    return (db.session.scalar(select(func.max(CommitteeMember.seat_no)).where(CommitteeMember.venue_id == venue.id))
            or 0) + 1


def _draw_one(evaluation, venue, specialty, count, facts, reason=None, replaces=None) -> list[CommitteeMember]:
    eligible, excluded = rules.split_eligible(candidates(evaluation, venue, specialty), facts)
    if len(eligible) < count:
        raise EvaluationError(rules.shortage_message(str(specialty), venue.label, count, len(eligible)))
    seed = rules.new_seed()
    chosen = rules.draw(eligible, count, seed)
    record = ExpertDraw(venue_id=venue.id, specialty_id=specialty.id, count=count, seed=seed,
                        candidate_ids=json.dumps(eligible), chosen_ids=json.dumps(chosen),
                        excluded=json.dumps({k.value: n for k, n in excluded.items()}, ensure_ascii=False),
                        drawn_by_id=audit.current_actor_id(), drawn_at=utcnow(),
                        replaces_member_id=replaces.id if replaces else None, reason=reason)
    db.session.add(record)
    db.session.flush()
    seat = _next_seat(venue)
    members = []
    for offset, expert_id in enumerate(chosen):
        member = CommitteeMember(evaluation_id=evaluation.id, venue_id=venue.id, expert_id=expert_id,
                                 specialty_id=specialty.id, draw_id=record.id, seat_no=seat + offset)
        db.session.add(member)
        members.append(member)
    return members


def draw_venue(evaluation: Evaluation, venue: EvaluationVenue) -> int:
    """Draw every expert the venue still needs, one draw per specialty; returns how many were drawn."""
    _lock(evaluation)
    if evaluation.ended:
        raise EvaluationError("评审已经结束，不能再抽取专家。")
    if venue.center.region_id is None:
        raise EvaluationError("外省客场的专家由合作方在其专家库中抽取，本系统不抽取。")
    seated = dict(db.session.execute(
        select(CommitteeMember.specialty_id, func.count(CommitteeMember.id))
        .where(CommitteeMember.venue_id == venue.id, CommitteeMember.status == MemberStatus.SEATED)
        .group_by(CommitteeMember.specialty_id)).all())
    facts = _avoidance_facts(evaluation)
    drawn = 0
    for need in venue.needs:
        missing = need.count - seated.get(need.specialty_id, 0)
        if missing <= 0:
            continue
        members = _draw_one(evaluation, venue, need.specialty, missing, facts)
        facts = rules.AvoidanceFacts(**{**facts.__dict__,
                                        "committee_ids": facts.committee_ids | {m.expert_id for m in members}})
        drawn += len(members)
    if not drawn:
        raise EvaluationError(f"{venue.label}的专家已经抽取完毕。")
    db.session.flush()
    audit.record("draw", "evaluation", evaluation, region_id=_region(evaluation),
                 summary=f"{venue.label}随机抽取专家 {drawn} 人（随机种子及候选名单已保存，可复核）")
    return drawn


def replace_member(evaluation: Evaluation, member: CommitteeMember, kind: ReplaceReason, reason: str) -> CommitteeMember:
    """Replace a member who declined, is absent or declared a conflict: another random draw, reason recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError("请填写更换专家的原因。", "reason")
    _lock(evaluation, member)
    if evaluation.ended:
        raise EvaluationError("评审已经结束，不能再更换专家。")
    if not member.seated:
        raise EvaluationError("该专家已被更换。")
    if member.signed_in_at is not None and kind is ReplaceReason.ABSENT:
        raise EvaluationError("该专家已经签到，不能按“未到场”更换。", "kind")
    member.status = MemberStatus.REPLACED
    member.replaced_kind = kind
    member.replaced_reason = reason[:300]
    member.workstation_id = None
    db.session.flush()
    facts = _avoidance_facts(evaluation)
    venue = member.venue
    specialty = db.session.get(Specialty, member.specialty_id)
    # The typed explanation may name the expert: it stays on the member, which only the venue's staff see;
    # the draw record and the audit log (read more widely) carry the kind of reason only.
    (new,) = _draw_one(evaluation, venue, specialty, 1, facts, reason=f"更换：{kind.label}", replaces=member)
    db.session.flush()
    audit.record("replace", "evaluation", evaluation, region_id=_region(evaluation),
                 summary=f"{venue.label}评委席位 {member.seat_no} 更换（{kind.label}），重新随机抽取为席位 {new.seat_no}")
    return new


def verify_draw(record: ExpertDraw) -> bool:
    """Re-run a stored draw from its seed and candidate list: True when it gives the same members in order."""
    return rules.draw(json.loads(record.candidate_ids), record.count, record.seed) == json.loads(record.chosen_ids)


def draws_of(evaluation: Evaluation) -> list[ExpertDraw]:
    return list(db.session.scalars(
        select(ExpertDraw).join(EvaluationVenue, ExpertDraw.venue_id == EvaluationVenue.id).where(EvaluationVenue.evaluation_id == evaluation.id)
        .options(joinedload(ExpertDraw.venue).joinedload(EvaluationVenue.center), joinedload(ExpertDraw.specialty),
                 joinedload(ExpertDraw.drawn_by))
        .order_by(ExpertDraw.id)))


# --- sign-in and signatures (签到与签署) ------------------------------------------------------------------------

def workstation_choices(evaluation: Evaluation, venue: EvaluationVenue) -> list[Workstation]:
    """Where a venue's experts may sit: a guest venue's booked workstations; the main venue's own ones."""
    if venue.is_main:
        ends_at = _aware(evaluation.starts_at) + timedelta(minutes=evaluation.duration_minutes)
        # The main center's own workstations, except those lent to another evaluation at that time.
        lent = select(Booking.workstation_id).where(Booking.center_id == venue.center_id, Booking.active.is_(True),
                                                    Booking.starts_at < ends_at, Booking.ends_at > evaluation.starts_at)
        stmt = (select(Workstation).where(Workstation.center_id == venue.center_id,
                                          Workstation.status == WorkstationStatus.AVAILABLE,
                                          Workstation.id.not_in(lent)))
    else:
        stmt = (select(Workstation).join(Booking, Booking.workstation_id == Workstation.id)
                .where(Booking.request_id == venue.seat_request_id, Booking.active.is_(True)))
    return list(db.session.scalars(stmt.order_by(Workstation.code)))


def sign_in(evaluation: Evaluation, member: CommitteeMember, data: dict) -> None:
    """Verify identity (the typed ID number must match), record the checks and the workstation, sign in."""
    _lock(evaluation, member)
    if not member.seated:
        raise EvaluationError("该专家已被更换，不能签到。")
    if member.signed_in_at is not None:
        raise EvaluationError("该专家已经签到。")
    if evaluation.ended:
        raise EvaluationError("评审已经结束。")
    typed = (data.get("id_number") or "").strip().upper()
    if typed != member.expert.id_number.upper():
        raise EvaluationError("身份证号码与抽取的专家不一致，请核对证件；不是本人的不得签到。", "id_number")
    allowed = {w.id for w in workstation_choices(evaluation, member.venue)}
    workstation_id = data.get("workstation_id")
    if workstation_id and workstation_id not in allowed:
        raise EvaluationError("请选择本场所为本次评标安排的工位。", "workstation_id")
    problems = rules.sign_in_problems(True, data.get("photo_checked"), data.get("phone_in_custody"),
                                      workstation_id, data.get("no_conflict_declared"))
    if problems:
        raise EvaluationError(problems[0])
    member.id_verified = True
    member.photo_checked = member.phone_in_custody = member.no_conflict_declared = True
    member.workstation_id = workstation_id
    member.signed_in_at = utcnow()
    member.signed_in_by_id = audit.current_actor_id()
    try:
        db.session.flush()
    except IntegrityError as error:
        raise EvaluationError("该工位已分配给本次评标的另一位专家，请选择其他工位。", "workstation_id") from error
    audit.record("sign_in", "evaluation", evaluation, region_id=_region(evaluation),
                 summary=f"{member.venue.label}评委席位 {member.seat_no} 身份核验通过并签到")


def sign(evaluation: Evaluation, member: CommitteeMember, which: str) -> None:
    """Record that the member signed the review form, the summary table or the report."""
    names = dict(rules.SIGNATURES)
    if which not in names:
        raise EvaluationError("请选择要登记的签署文件。")
    _lock(evaluation, member)
    if evaluation.ended:
        raise EvaluationError("评审已经结束。")
    if not member.seated or member.signed_in_at is None:
        raise EvaluationError("专家签到后才能登记签署。")
    if getattr(member, which) is None:
        setattr(member, which, utcnow())
        audit.record("sign", "evaluation", evaluation, region_id=_region(evaluation),
                     summary=f"{member.venue.label}评委席位 {member.seat_no} 已签署{names[which]}")


def _member_states(members) -> list[rules.MemberState]:
    return [rules.MemberState(f"{m.venue.label}评委席位 {m.seat_no}", m.signed_in_at is not None, m.signed)
            for m in members if m.seated]


def end_problems(evaluation: Evaluation, members) -> list[str]:
    drawn_here = any(v.center.region_id is not None and v.experts_needed for v in evaluation.venues)
    if not members and not drawn_here:
        return []   # every expert sits at a partner province's venue, signed in its own system
    problems = rules.end_problems(_member_states(members))
    seated = {}
    for m in members:
        if m.seated:
            seated[m.venue_id] = seated.get(m.venue_id, 0) + 1
    for venue in evaluation.venues:
        if venue.center.region_id is not None and seated.get(venue.id, 0) < venue.experts_needed:
            problems.insert(0, f"{venue.label}应有 {venue.experts_needed} 名专家，目前只有 {seated.get(venue.id, 0)} 名。")
    return problems


def end(evaluation: Evaluation) -> None:
    """The main venue's end instruction (评审结束指令): refused until every member has signed all three
    documents; then released to every venue, fees computed and the after-evaluation deadlines set."""
    _lock(evaluation)
    if evaluation.ended:
        raise EvaluationError("评审结束指令已经下达。")
    members = members_of(evaluation)
    problems = end_problems(evaluation, members)
    if problems:
        raise EvaluationError("还不能下达评审结束指令：" + "；".join(problems[:5])
                              + ("等。" if len(problems) > 5 else ""))
    now = utcnow()
    evaluation.ended_at = now
    evaluation.ended_by_id = audit.current_actor_id()
    calendar = load_calendar()
    due = calendar.add_working_days(evaluation.evaluation_date, rules.AFTER_DAYS)
    evaluation.payment_due = due
    # Paid for the time from the scheduled start to the end instruction, at most the longest bookable day.
    minutes = min(MAX_DURATION_MINUTES, max(1, int((now - _aware(evaluation.starts_at)).total_seconds() // 60)))
    centers = {v.id: v.center for v in evaluation.venues}
    main_center = evaluation.main_center
    for venue in evaluation.venues:
        if not venue.is_main:
            venue.handover_due = due
    for member in members:
        if not member.seated:
            continue
        venue = member.venue
        center = centers[venue.id]
        result = rules.owed(venue.is_main, center.fee_standard, main_center.fee_standard,
                            center.meal_fee_yuan, minutes)
        member.fee_yuan, member.meal_yuan, member.fee_basis = result.fee, result.meal, result.basis[:300]
    db.session.flush()
    audit.record("end", "evaluation", evaluation, region_id=_region(evaluation),
                 summary=f"主场下达评审结束指令；资料移交和劳务费支付期限 {due:%Y-%m-%d}")
    link = f"/evaluations/{evaluation.id}"
    notify(_staff_of(evaluation) + [_agent_of(evaluation)],
           f"{evaluation.section.name}：主场已下达评审结束指令，专家可以离场。请在 {due:%m月%d日} 前完成资料移交和劳务费支付。",
           link, skip=audit.current_actor_id())


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def record_winner(evaluation: Evaluation, day: date) -> None:
    """The main venue records that the winning bidder is determined: the member list is no longer secret."""
    _lock(evaluation)
    if not evaluation.ended:
        raise EvaluationError("评审结束后才能登记中标人确定。")
    if evaluation.winner_determined_on is not None:
        raise EvaluationError("已经登记过中标人确定日期。")
    if day < evaluation.evaluation_date or day > china_today():
        raise EvaluationError("确定中标人的日期应在评标日期之后、不晚于今天。", "winner_determined_on")
    evaluation.winner_determined_on = day
    evaluation.winner_recorded_by_id = audit.current_actor_id()
    audit.record("update", "evaluation", evaluation, region_id=_region(evaluation),
                 after={"winner_determined_on": day.isoformat()},
                 summary="登记中标人已确定：评标委员会名单向行政监督部门公开")


# --- duties, incidents, clues (副场保障、突发情况、线索移交) -------------------------------------------------

def tick_duty(evaluation: Evaluation, venue: EvaluationVenue, item: str, note: str, done: bool) -> None:
    if item not in rules.DUTY_LABELS:
        raise EvaluationError("请选择保障事项。")
    if venue.is_main:
        raise EvaluationError("保障清单只适用于副场（客场）。")
    _lock(evaluation)
    existing = db.session.get(DutyItem, (venue.id, item))
    label = rules.DUTY_LABELS[item]
    if done and existing is None:
        db.session.add(DutyItem(venue_id=venue.id, item=item, done_by_id=audit.current_actor_id(),
                                note=(note or "").strip()[:300] or None))
        summary = f"{venue.label}完成保障事项：{label}"
    elif not done and existing is not None:
        db.session.delete(existing)
        summary = f"{venue.label}取消保障事项勾选：{label}"
    else:
        return
    db.session.flush()
    audit.record("update", "evaluation", evaluation, region_id=_region(evaluation), summary=summary)


def duties_of(evaluation: Evaluation) -> dict[int, dict[str, DutyItem]]:
    out: dict[int, dict[str, DutyItem]] = {}
    for duty in db.session.scalars(
            select(DutyItem).join(EvaluationVenue, DutyItem.venue_id == EvaluationVenue.id).where(EvaluationVenue.evaluation_id == evaluation.id)
            .options(joinedload(DutyItem.done_by))):
        out.setdefault(duty.venue_id, {})[duty.item] = duty
    return out


def report_incident(evaluation: Evaluation, venue: EvaluationVenue, data: dict) -> Incident:
    if data["kind"] not in rules.INCIDENT_LABELS:
        raise EvaluationError("请选择突发情况的类型。", "kind")
    _lock(evaluation)
    incident = Incident(evaluation_id=evaluation.id, venue_id=venue.id, kind=data["kind"],
                        occurred_at=data["occurred_at"], effect=data["effect"].strip()[:500],
                        handling=(data.get("handling") or "").strip()[:500] or None,
                        resumed_at=data.get("resumed_at"), reported_by_id=audit.current_actor_id())
    if incident.resumed_at and incident.resumed_at < incident.occurred_at:
        raise EvaluationError("恢复时间不能早于发生时间。", "resumed_at")
    db.session.add(incident)
    db.session.flush()
    label = rules.INCIDENT_LABELS[incident.kind]
    audit.record("create", "incident", evaluation, region_id=_region(evaluation),
                 summary=f"{venue.label}突发情况：{label}；影响：{incident.effect[:100]}")
    _tell_main_and_supervisors(evaluation, f"{venue.label}发生{label}，{incident.effect[:60]}", "incidents")
    return incident


def resume_incident(evaluation: Evaluation, incident: Incident, resumed_at: datetime, handling: str) -> None:
    _lock(evaluation, incident)
    if incident.resumed_at is not None:
        raise EvaluationError("该突发情况已登记恢复。")
    if resumed_at < _aware(incident.occurred_at):
        raise EvaluationError("恢复时间不能早于发生时间。", "resumed_at")
    incident.resumed_at = resumed_at
    if handling.strip():
        incident.handling = handling.strip()[:500]
    audit.record("update", "incident", evaluation, region_id=_region(evaluation),
                 summary=f"{incident.venue.label}{rules.INCIDENT_LABELS[incident.kind]}已恢复")


def incidents_of(evaluation: Evaluation) -> list[Incident]:
    return list(db.session.scalars(select(Incident).where(Incident.evaluation_id == evaluation.id)
                                   .options(joinedload(Incident.venue).joinedload(EvaluationVenue.center))
                                   .order_by(Incident.occurred_at, Incident.id)))


def _tell_main_and_supervisors(evaluation: Evaluation, text: str, anchor: str) -> None:
    """What the main venue and the region's supervisors must see at once (incidents, clues)."""
    notify(center_staff_ids(evaluation.main_center_id) + _supervisors(evaluation),
           f"{evaluation.section.name}：{text}", f"/evaluations/{evaluation.id}#{anchor}", skip=audit.current_actor_id())


def _supervisors(evaluation: Evaluation) -> list[int]:
    region = _region(evaluation)
    if region is None:
        return []
    return list(db.session.scalars(select(User.id).where(User.role == Role.SUPERVISOR, User.region_id == region,
                                                         User.active.is_(True))))


def _store_files(evaluation: Evaluation, files, batch: uploads.UploadBatch, **owner) -> int:
    """Store checked uploads as attachments of a clue or hand-over item (through the change's batch)."""
    for storage in files:
        stored = batch.store(storage)
        db.session.add(Attachment(evaluation_id=evaluation.id, name=stored.name, key=stored.key,
                                  mimetype=stored.mimetype, size=stored.size, sha256=stored.sha256,
                                  uploaded_by_id=audit.current_actor_id(), **owner))
    return len(files)


def file_clue(evaluation: Evaluation, venue: EvaluationVenue, text: str, files, batch: uploads.UploadBatch) -> Clue:
    """The secondary venue transfers a suspected violation to the main venue (线索移交)."""
    if venue.is_main:
        raise EvaluationError("线索由副场移交给主场；主场发现的线索请直接向行政监督部门报告。")
    if not (text or "").strip():
        raise EvaluationError("请填写线索内容。", "text")
    _lock(evaluation)
    clue = Clue(evaluation_id=evaluation.id, venue_id=venue.id, text=text.strip()[:5000],
                filed_by_id=audit.current_actor_id())
    db.session.add(clue)
    db.session.flush()
    stored = _store_files(evaluation, files, batch, clue_id=clue.id)
    db.session.flush()
    # The audit entry says that a clue was filed, not what it says (the log is read more widely).
    audit.record("create", "clue", evaluation, region_id=_region(evaluation),
                 summary=f"{venue.label}向主场移交违法违规线索（附件 {stored} 个）")
    _tell_main_and_supervisors(evaluation, f"{venue.label}移交了一条违法违规线索", "clues")
    return clue


def report_clue(evaluation: Evaluation, clue: Clue, reported_to: str, note: str) -> None:
    """The main venue records its report of the clue to the authorities."""
    if not (reported_to or "").strip():
        raise EvaluationError("请填写报告的行政监督部门。", "reported_to")
    _lock(evaluation, clue)
    if clue.reported_at is not None:
        raise EvaluationError("该线索已登记报告。")
    clue.reported_at = utcnow()
    clue.reported_to = reported_to.strip()[:200]
    clue.report_note = (note or "").strip()[:500] or None
    clue.reported_by_id = audit.current_actor_id()
    audit.record("update", "clue", evaluation, region_id=_region(evaluation),
                 summary=f"主场已将线索报告{clue.reported_to}")


def clues_of(evaluation: Evaluation) -> list[Clue]:
    return list(db.session.scalars(select(Clue).where(Clue.evaluation_id == evaluation.id)
                                   .options(joinedload(Clue.venue).joinedload(EvaluationVenue.center),
                                            selectinload(Clue.attachments))
                                   .order_by(Clue.id)))


# --- hand-over (资料移交) ------------------------------------------------------------------------------------

def hand_over(evaluation: Evaluation, venue: EvaluationVenue, kind: str, mode: str, reference: str, files,
              batch: uploads.UploadBatch) -> None:
    """Record one kind of material handed to the main venue; the hand-over is complete with all three."""
    if venue.is_main:
        raise EvaluationError("资料由客场移交给主场。")
    if kind not in rules.HANDOVER_LABELS:
        raise EvaluationError("请选择移交的资料。", "kind")
    if mode not in dict(rules.HANDOVER_MODES):
        raise EvaluationError("请选择移交方式。", "mode")
    reference = (reference or "").strip()
    if mode == "physical" and not reference:
        raise EvaluationError("线下移交请填写移交单号或存储介质编号。", "reference")
    if mode == "file" and not files:
        raise EvaluationError("请选择要上传的文件，或改为线下移交。", "files")
    _lock(evaluation, venue)
    if not evaluation.ended:
        raise EvaluationError("评审结束后才能移交资料。")
    if venue.received_at is not None:
        raise EvaluationError("主场已确认接收，不能再修改移交记录。")
    item = db.session.scalars(select(HandoverItem).where(HandoverItem.venue_id == venue.id,
                                                         HandoverItem.kind == kind)).first()
    if item is None:
        item = HandoverItem(venue_id=venue.id, kind=kind)
        db.session.add(item)
    item.mode, item.reference = mode, reference[:200] or None
    item.handed_at, item.handed_by_id = utcnow(), audit.current_actor_id()
    db.session.flush()
    if mode == "file":
        _store_files(evaluation, files, batch, handover_item_id=item.id)
    kinds = set(db.session.scalars(select(HandoverItem.kind).where(HandoverItem.venue_id == venue.id)))
    complete = kinds >= set(rules.HANDOVER_LABELS)
    if complete and venue.handed_over_at is None:
        venue.handed_over_at = utcnow()
        venue.handed_over_by_id = audit.current_actor_id()
        notify(center_staff_ids(evaluation.main_center_id),
               f"{evaluation.section.name}：{venue.label}已移交全部评标资料，请确认接收。",
               f"/evaluations/{evaluation.id}#handover", skip=audit.current_actor_id())
    db.session.flush()
    audit.record("handover", "evaluation", evaluation, region_id=_region(evaluation),
                 summary=f"{venue.label}移交{rules.HANDOVER_LABELS[kind]}（{dict(rules.HANDOVER_MODES)[mode][:4]}）"
                         + ("；资料已全部移交" if complete else ""))


def confirm_receipt(evaluation: Evaluation, venue: EvaluationVenue, note: str) -> None:
    _lock(evaluation, venue)
    if venue.handed_over_at is None:
        raise EvaluationError("客场尚未移交全部资料（见证记录、专家考核记录、音视频资料）。")
    if venue.received_at is not None:
        raise EvaluationError("已经确认接收。")
    venue.received_at = utcnow()
    venue.received_by_id = audit.current_actor_id()
    venue.received_note = (note or "").strip()[:500] or None
    audit.record("receive", "evaluation", evaluation, region_id=_region(evaluation),
                 summary=f"主场确认接收{venue.label}移交的评标资料")


def handover_items_of(evaluation: Evaluation) -> dict[int, dict[str, HandoverItem]]:
    out: dict[int, dict[str, HandoverItem]] = {}
    for item in db.session.scalars(
            select(HandoverItem).join(EvaluationVenue, HandoverItem.venue_id == EvaluationVenue.id)
            .where(EvaluationVenue.evaluation_id == evaluation.id).options(selectinload(HandoverItem.attachments))):
        out.setdefault(item.venue_id, {})[item.kind] = item
    return out


# --- fees and payment (劳务费与就餐费) ------------------------------------------------------------------------

def confirm_payment(evaluation: Evaluation, member: CommitteeMember, amount: Decimal, reference: str) -> None:
    """The agent confirms that one expert was paid (amount and the payment's reference)."""
    _lock(evaluation, member)
    if not evaluation.ended:
        raise EvaluationError("评审结束后才能登记劳务费支付。")
    if not member.seated:
        raise EvaluationError("该专家已被更换，不需要支付劳务费。")
    if member.paid_at is not None:
        raise EvaluationError("该专家的劳务费已登记支付。")
    member.paid_yuan = amount
    member.payment_ref = (reference or "").strip()[:100] or None
    member.paid_at = utcnow()
    member.paid_by_id = audit.current_actor_id()
    note = "" if member.owed_total is None or amount == member.owed_total else f"（应付 {member.owed_total:.2f} 元）"
    audit.record("pay", "evaluation", evaluation, region_id=_region(evaluation),
                 summary=f"{member.venue.label}评委席位 {member.seat_no} 劳务费及就餐费已支付 {amount:.2f} 元{note}")


# --- the deadlines board (期限提醒) ---------------------------------------------------------------------------

def due_items(user, today: date, limit: int = 200) -> list[DueItem]:
    """What is due for `user`: filing drafts, hand-overs, receipts and payments, with working-day dates.

    Agents and center staff see their own open items; supervisors and admins their region's overdue ones.
    """
    items: list[DueItem] = []
    staff = user.role is Role.CENTER_STAFF
    agent = user.role is Role.AGENT
    overseer = user.role in (Role.SUPERVISOR, Role.PREFECTURE_ADMIN, Role.PROVINCE_ADMIN)
    if not (staff or agent or overseer):
        return items
    # Filing: draft requests of the main side; the deadline is 3 working days before the evaluation.
    drafts = select(SeatRequest).where(SeatRequest.status == RequestStatus.DRAFT,
                                       SeatRequest.evaluation_date >= today).options(
        joinedload(SeatRequest.section), joinedload(SeatRequest.guest_center))
    if agent:
        drafts = drafts.where(SeatRequest.owner_clause(user.id))
    elif staff:
        drafts = drafts.where(SeatRequest.main_center_id == user.center_id)
    else:
        drafts = None   # an overseer sees overdue hand-overs and payments; a late draft is simply never filed
    if drafts is not None:
        for req in db.session.scalars(drafts.order_by(SeatRequest.evaluation_date).limit(limit)):
            deadline = deadline_for(req.evaluation_date)
            items.append(DueItem(DueKind.FILING, deadline.latest_filing_date, f"{req.section.name} → {req.guest_center.name}",
                                 f"/bookings/{req.id}", who="主场",
                                 detail=f"评标日期 {req.evaluation_date:%Y-%m-%d}；{deadline.rule_text}"))
    # Hand-over and receipt: guest venues of ended evaluations not yet received.
    venues = (select(EvaluationVenue, Evaluation, Section, TradingCenter)
              .join(Evaluation, EvaluationVenue.evaluation_id == Evaluation.id)
              .join(Section, Evaluation.section_id == Section.id)
              .join(TradingCenter, EvaluationVenue.center_id == TradingCenter.id)
              .where(EvaluationVenue.is_main.is_(False), EvaluationVenue.handover_due.is_not(None), EvaluationVenue.received_at.is_(None)))
    if staff:
        venues = venues.where(or_(EvaluationVenue.center_id == user.center_id, Evaluation.main_center_id == user.center_id))
    elif agent:
        venues = None
    else:
        venues = venues.where(EvaluationVenue.handover_due < today).where(_overseer_clause(user, Evaluation))
    if venues is not None:
        for venue, evaluation, section, center in db.session.execute(venues.order_by(EvaluationVenue.handover_due).limit(limit)):
            link = f"/evaluations/{evaluation.id}#handover"
            if venue.handed_over_at is None:
                items.append(DueItem(DueKind.HANDOVER, venue.handover_due, section.name, link,
                                     who=f"客场（{center.short_name or center.name}）",
                                     detail="见证记录、专家考核记录、音视频资料移交主场"))
            else:
                items.append(DueItem(DueKind.RECEIPT, venue.handover_due, section.name, link, who="主场",
                                     detail=f"客场（{center.short_name or center.name}）已移交，待主场确认接收"))
    # Payment: ended evaluations with seated members not yet paid.
    unpaid = (select(Evaluation, Section, func.count(CommitteeMember.id))
              .join(Section, Evaluation.section_id == Section.id)
              .join(CommitteeMember, CommitteeMember.evaluation_id == Evaluation.id)
              .where(Evaluation.payment_due.is_not(None), CommitteeMember.status == MemberStatus.SEATED,
                     CommitteeMember.paid_at.is_(None))
              .group_by(Evaluation.id, Section.id))
    if agent:
        unpaid = unpaid.where(Evaluation.owner_clause(user.id))
    elif staff:
        unpaid = unpaid.where(Evaluation.main_center_id == user.center_id)
    else:
        unpaid = unpaid.where(Evaluation.payment_due < today).where(_overseer_clause(user, Evaluation))
    for evaluation, section, n in db.session.execute(unpaid.order_by(Evaluation.payment_due).limit(limit)):
        items.append(DueItem(DueKind.PAYMENT, evaluation.payment_due, section.name,
                             f"/evaluations/{evaluation.id}#fees", who="招标人/代理机构",
                             detail=f"{n} 名专家的劳务费及就餐费未登记支付"))
    items.sort(key=lambda i: (not i.overdue(today), i.due, i.title))
    return items


def _overseer_clause(user, model):
    if user.role is Role.PROVINCE_ADMIN:
        return model.id.is_not(None)
    return model.region_clause(user.region_id) if user.region_id else model.id.is_(None)


# --- listing -------------------------------------------------------------------------------------------------

def ready_sections(user, limit: int = 50) -> list[Section]:
    """Sections of the user's main center with accepted guest seats and no committee yet."""
    if user.role is not Role.CENTER_STAFF:
        return []
    has_seats = select(SeatRequest.section_id).where(SeatRequest.status.in_(HOLDING_STATUSES))
    fixed = select(Evaluation.section_id)
    return list(db.session.scalars(
        select(Section).where(Section.main_center_id == user.center_id, Section.id.in_(has_seats),
                              Section.id.not_in(fixed))
        .options(joinedload(Section.project)).order_by(Section.evaluation_date, Section.id).limit(limit)))


def evaluation_window(evaluation: Evaluation) -> tuple[str, str]:
    start, end = evaluation_range(evaluation.evaluation_date, evaluation.start_time, evaluation.duration_minutes)
    return china_clock(start), china_clock(end)
