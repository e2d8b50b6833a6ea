"""The evaluation day (评标当日): sign-in with identity checks, the three signatures, the end instruction
(评审结束指令) with the fees it fixes, and the winner's date that lifts the names' secrecy."""
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...audit import services as audit
from ...bookings.models import Booking
from ...bookings.rules import MAX_DURATION_MINUTES
from ...extensions import db
from ...models_base import utcnow
from ...notifications.services import notify
from ...clock import china_today
from ...projects.models import Section
from ...workstations import holds
from ...workstations.models import HoldPurpose, Workstation, WorkstationStatus
from .. import rules, timing
from ..models import CommitteeMember, Evaluation, EvaluationVenue
from . import external
from .deadlines import set_due_dates
from .common import (
    EvaluationError,
    agent_of,
    aware,
    check_on_the_day,
    lock,
    members_of,
    region_of,
    staff_of,
    timing_settings,
)


def workstation_choices(evaluation: Evaluation, venue: EvaluationVenue) -> list[Workstation]:
    """Where a venue's experts may sit: a guest venue's booked workstations; the main venue's own ones."""
    if venue.is_main:
        starts_at, ends_at = evaluation_range(evaluation)
        # The main center's own workstations, except those held at that time by anything but this evaluation's
        # own sign-ins: lent to another evaluation, used locally, under maintenance, another evaluation's seats.
        taken = holds.busy_clause(starts_at, ends_at, own_holds(evaluation))
        stmt = (select(Workstation).where(Workstation.center_id == venue.center_id,
                                          Workstation.status == WorkstationStatus.AVAILABLE, ~taken))
    else:
        stmt = (select(Workstation).join(Booking, Booking.workstation_id == Workstation.id)
                .where(Booking.request_id == venue.seat_request_id, Booking.active.is_(True)))
    return list(db.session.scalars(stmt.order_by(Workstation.code)))


def evaluation_range(evaluation: Evaluation):
    """The evaluation's scheduled [start, end) as aware UTC times."""
    starts_at = aware(evaluation.starts_at)
    return starts_at, starts_at + timedelta(minutes=evaluation.duration_minutes)


def own_holds(evaluation: Evaluation):
    """The hold ids of this evaluation's main-venue sign-ins."""
    return select(CommitteeMember.hold_id).where(CommitteeMember.evaluation_id == evaluation.id,
                                                 CommitteeMember.hold_id.is_not(None))


def sign_in(evaluation: Evaluation, member: CommitteeMember, data: dict) -> None:
    """Verify identity (the typed ID number must match), record the checks and the workstation, sign in."""
    lock(evaluation, member)
    if not member.seated:
        raise EvaluationError("该专家已被更换，不能签到。")
    if member.signed_in_at is not None:
        raise EvaluationError("该专家已经签到。")
    if evaluation.ended:
        raise EvaluationError("评审已经结束。")
    check_on_the_day(evaluation, "签到")
    typed = (data.get("id_number") or "").strip().upper()
    if typed != member.expert.id_number.upper():
        raise EvaluationError("身份证号码与抽取的专家不一致，请核对证件；不是本人的不得签到。", "id_number")
    allowed = {w.id for w in workstation_choices(evaluation, member.venue)}
    workstation_id = data.get("workstation_id")
    if workstation_id and workstation_id not in allowed:
        taken = []
        own = db.session.scalar(select(Workstation.center_id).where(Workstation.id == workstation_id))
        if member.venue.is_main and own == member.venue.center_id:   # its own, held by something else: say by what
            starts_at, ends_at = evaluation_range(evaluation)
            taken = holds.clashes([workstation_id], starts_at, ends_at, own_holds(evaluation))
        if taken:
            raise EvaluationError("；".join(taken) + "。请选择其他工位。", "workstation_id")
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
    if member.venue.is_main:
        # The main venue's own workstation is held for the evaluation's time, guarded by the database together
        # with guest bookings and local use (a guest venue's expert sits on a workstation booked already).
        starts_at, ends_at = evaluation_range(evaluation)
        name = db.session.scalar(select(Section.name).where(Section.id == evaluation.section_id))
        try:
            (hold,) = holds.take([workstation_id], starts_at, ends_at, HoldPurpose.SIGN_IN,
                                 f"评标“{name}”主场专家签到", member.venue.center_id,
                                 created_by_id=member.signed_in_by_id)
        except holds.HoldTaken as error:
            raise EvaluationError(str(error), "workstation_id") from None
        member.hold_id = hold.id
    audit.record("sign_in", "evaluation", evaluation, region_id=region_of(evaluation),
                 summary=f"{member.venue.label}评委席位 {member.seat_no} 身份核验通过并签到")


def sign(evaluation: Evaluation, member: CommitteeMember, which: str) -> None:
    """Record that the member signed the review form, the summary table or the report."""
    names = dict(rules.SIGNATURES)
    if which not in names:
        raise EvaluationError("请选择要登记的签署文件。")
    lock(evaluation, member)
    if evaluation.ended:
        raise EvaluationError("评审已经结束。")
    check_on_the_day(evaluation, "登记签署")
    if not member.seated or member.signed_in_at is None:
        raise EvaluationError("专家签到后才能登记签署。")
    if getattr(member, which) is None:
        setattr(member, which, utcnow())
        audit.record("sign", "evaluation", evaluation, region_id=region_of(evaluation),
                     summary=f"{member.venue.label}评委席位 {member.seat_no} 已签署{names[which]}")


def _member_states(members) -> list[rules.MemberState]:
    return [rules.MemberState(f"{m.venue.label}评委席位 {m.seat_no}", m.signed_in_at is not None, m.signed)
            for m in members if m.seated]


def end_problems(evaluation: Evaluation, members) -> list[str]:
    """What still stands in the way of the end instruction: missing experts, sign-ins and signatures."""
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


def end_refusal(evaluation: Evaluation, members=None) -> str | None:
    """Why the end instruction would be refused now (None: it may be given); the view asks for the
    confirmation only when it may be given."""
    if evaluation.ended:
        return "评审结束指令已经下达。"
    try:
        check_on_the_day(evaluation, "下达评审结束指令")
    except EvaluationError as error:
        return str(error)
    problems = end_problems(evaluation, members_of(evaluation) if members is None else members)
    if problems:
        return "还不能下达评审结束指令：" + "；".join(problems[:5]) + ("等。" if len(problems) > 5 else "")
    return None


def end(evaluation: Evaluation) -> None:
    """The main venue's end instruction (评审结束指令): refused until every member has signed all three
    documents; then released to every venue, fees computed and the after-evaluation deadlines set."""
    lock(evaluation)
    members = members_of(evaluation)
    refusal = end_refusal(evaluation, members)
    if refusal:
        raise EvaluationError(refusal)
    now = utcnow()
    evaluation.ended_at = now
    evaluation.ended_by_id = audit.current_actor_id()
    due = set_due_dates(evaluation)   # from the day of the end instruction (issue 23)
    _fix_fees(evaluation, members, now)
    for venue in evaluation.venues:
        external.fix_owed(evaluation, venue)   # a partner province's venue: its confirmed count, if confirmed yet
    # The main venue's workstations were held to the scheduled end: from the end instruction they are free.
    holds.end_early([m.hold_id for m in members if m.hold_id is not None], now)
    db.session.flush()
    audit.record("end", "evaluation", evaluation, region_id=region_of(evaluation),
                 summary=f"主场下达评审结束指令；资料移交和劳务费支付期限 {due:%Y-%m-%d}")
    notify(staff_of(evaluation) + [agent_of(evaluation)],
           f"{evaluation.section.name}：主场已下达评审结束指令，专家可以离场。请在 {due:%m月%d日} 前完成资料移交和劳务费支付。",
           f"/evaluations/{evaluation.id}", skip=audit.current_actor_id())


def _fix_fees(evaluation: Evaluation, members, now) -> None:
    """Each seated member's fee and meal cost, by the standard of the venue's center (main or guest)."""
    # Paid for the time from the scheduled start to the end instruction, at most the longest bookable day.
    minutes = rules.paid_minutes(aware(evaluation.starts_at), now, MAX_DURATION_MINUTES)
    centers = {v.id: v.center for v in evaluation.venues}
    main_center = evaluation.main_center
    for member in members:
        if not member.seated:
            continue
        venue = member.venue
        center = centers[venue.id]
        result = rules.owed(venue.is_main, center.fee_standard, main_center.fee_standard,
                            center.meal_fee_yuan, minutes)
        member.fee_yuan, member.meal_yuan, member.fee_basis = result.fee, result.meal, result.basis[:300]


def record_winner(evaluation: Evaluation, day: date) -> None:
    """The main venue records that the winning bidder is determined: the member list is no longer secret."""
    lock(evaluation)
    if not evaluation.ended:
        raise EvaluationError("评审结束后才能登记中标人确定。")
    if evaluation.winner_determined_on is not None:
        raise EvaluationError("已经登记过中标人确定日期。")
    problem = timing.winner_date_problem(day, evaluation.evaluation_date, china_today(),
                                         timing_settings().publicity_days)
    if problem:
        raise EvaluationError(problem, "winner_determined_on")
    evaluation.winner_determined_on = day
    evaluation.winner_recorded_by_id = audit.current_actor_id()
    audit.record("update", "evaluation", evaluation, region_id=region_of(evaluation),
                 after={"winner_determined_on": day.isoformat()},
                 summary="登记中标人已确定：评标委员会名单向行政监督部门公开")
