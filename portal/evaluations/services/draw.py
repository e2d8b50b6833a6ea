"""The draw (专家抽取): each venue draws its own experts from its region's pool, avoidance applied, seed and
candidate list stored so that anyone with the audit right can re-run it; replacement draws again."""
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from ...audit import services as audit
from ...auth.recipients import center_staff_ids, supervisor_ids
from ...experts.models import Expert, ExpertSpecialty, Specialty
from ...experts.rules import ShareScope
from ...experts.services import available_clause
from ...extensions import db
from ...models_base import utcnow
from ...notifications.services import notify
from ...projects.models import Project, Section
from ...workstations import holds
from .. import rules
from ..models import (
    ApprovalStatus,
    CommitteeMember,
    Evaluation,
    EvaluationVenue,
    ExpertDraw,
    MemberStatus,
    ReplacementApproval,
)
from ..rules import ReplaceReason
from .common import EvaluationError, aware, check_draw_open, lock, region_of


class Shortage(EvaluationError):
    """Too few eligible experts for a draw; `notice` is what the main venue is told when a guest venue hit it."""

    def __init__(self, message: str, notice: str):
        super().__init__(message)
        self.notice = notice


def tell_main_of_shortage(evaluation_id: int, notice: str) -> None:
    """After a guest venue's refused draw (its change rolled back): the main venue's staff learn what to do."""
    evaluation = db.session.get(Evaluation, evaluation_id)
    section = db.session.get(Section, evaluation.section_id)
    notify(center_staff_ids(evaluation.main_center_id), f"{section.name}：{notice}",
           f"/evaluations/{evaluation.id}#committee", skip=audit.current_actor_id())


def _pool_clause(venue: EvaluationVenue, main_region_id: int | None):
    """Experts of the venue's region pool that may serve there (sharing scope)."""
    clause = Expert.region_id == venue.center.region_id
    if main_region_id is None:
        # The main venue is in another province (inbound work): only experts shared across provinces.
        return and_(clause, Expert.share_scope == ShareScope.CROSS_PROVINCE)
    if not venue.is_main and venue.center.region_id != main_region_id:
        # Another region's evaluation: only experts shared province-wide or across provinces.
        clause = and_(clause, Expert.share_scope.in_((ShareScope.PROVINCE, ShareScope.CROSS_PROVINCE)))
    return clause


def _avoidance_facts(evaluation: Evaluation, as_of: ExpertDraw | None = None) -> rules.AvoidanceFacts:
    """What the portal knows about conflicts: employers, recent service to the tenderee, the same day.

    `as_of`: the facts as they stood when that draw was made (for re-checking it): members drawn before it,
    elsewhere only those not yet replaced by then."""
    tenderee = evaluation.section.project.tenderee
    since = evaluation.evaluation_date - timedelta(days=31 * evaluation.avoid_months)
    window = (Evaluation.id != evaluation.id, Evaluation.evaluation_date >= since,
              Evaluation.evaluation_date <= evaluation.evaluation_date)
    if as_of is None:
        served = db.session.execute(
            select(CommitteeMember.expert_id, Project.tenderee, Evaluation.evaluation_date)
            .join(Evaluation, CommitteeMember.evaluation_id == Evaluation.id)
            .join(Section, Evaluation.section_id == Section.id).join(Project, Section.project_id == Project.id)
            .where(CommitteeMember.status == MemberStatus.SEATED, *window)).all()
        on_committee = frozenset(db.session.scalars(
            select(CommitteeMember.expert_id).where(CommitteeMember.evaluation_id == evaluation.id)))
    else:
        served = _served_as_of(window, aware(as_of.drawn_at))
        on_committee = frozenset(db.session.scalars(
            select(CommitteeMember.expert_id).where(CommitteeMember.evaluation_id == evaluation.id,
                                                    CommitteeMember.draw_id < as_of.id)))
    key = rules.normalise_org(tenderee)
    recent = frozenset(e for e, t, _ in served if rules.normalise_org(t) == key)
    same_day = frozenset(e for e, _, d in served if d == evaluation.evaluation_date)
    departments = tuple(rules.parse_names(evaluation.supervising_department))
    return rules.AvoidanceFacts(tenderee=tenderee, bidders=tuple(rules.parse_names(evaluation.bidders)),
                                supervising_departments=departments, recent_tenderee_ids=recent,
                                same_day_ids=same_day, committee_ids=on_committee)


def _served_as_of(window, moment) -> list[tuple[int, str, object]]:
    """Members of other evaluations in the window who were serving at `moment`: drawn before it and not
    replaced by then (a replacement's time is its draw's)."""
    rows = db.session.execute(
        select(CommitteeMember.id, CommitteeMember.expert_id, Project.tenderee, Evaluation.evaluation_date,
               ExpertDraw.drawn_at)
        .join(ExpertDraw, CommitteeMember.draw_id == ExpertDraw.id)
        .join(Evaluation, CommitteeMember.evaluation_id == Evaluation.id)
        .join(Section, Evaluation.section_id == Section.id).join(Project, Section.project_id == Project.id)
        .where(*window)).all()
    replaced_at = dict(db.session.execute(
        select(ExpertDraw.replaces_member_id, ExpertDraw.drawn_at)
        .where(ExpertDraw.replaces_member_id.in_([r[0] for r in rows]))).all()) if rows else {}
    return [(expert_id, tenderee, day) for member_id, expert_id, tenderee, day, drawn_at in rows
            if aware(drawn_at) < moment
            and (member_id not in replaced_at or aware(replaced_at[member_id]) >= moment)]


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


def _draw_one(evaluation, venue, specialty, count, facts, reason=None, replaces=None, round_=None,
              approval=None) -> list[CommitteeMember]:
    """One stored draw of `count` experts of a specialty at a venue, seated on the next seat numbers."""
    eligible, excluded = rules.classify(candidates(evaluation, venue, specialty), facts)
    if len(eligible) < count:
        raise Shortage(rules.shortage_message(str(specialty), venue.label, count, len(eligible), venue.is_main),
                       rules.shortage_notice(str(specialty), venue.label, count, len(eligible)))
    counts: dict[str, int] = {}
    for _, why in excluded:
        counts[why.value] = counts.get(why.value, 0) + 1
    seed = rules.new_seed()
    chosen = rules.draw(eligible, count, seed)
    record = ExpertDraw(venue_id=venue.id, specialty_id=specialty.id, count=count, seed=seed,
                        candidate_ids=json.dumps(eligible), chosen_ids=json.dumps(chosen),
                        excluded=json.dumps(counts, ensure_ascii=False),
                        excluded_ids=json.dumps([[i, why.value] for i, why in excluded]),
                        drawn_by_id=audit.current_actor_id(), drawn_at=utcnow(),
                        replaces_member_id=replaces.id if replaces else None, reason=reason,
                        replacement_round=round_, approval_id=approval.id if approval else None)
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
    lock(evaluation)
    if evaluation.ended:
        raise EvaluationError("评审已经结束，不能再抽取专家。")
    check_draw_open(evaluation)
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
    audit.record("draw", "evaluation", evaluation, region_id=region_of(evaluation),
                 summary=f"{venue.label}随机抽取专家 {drawn} 人（随机种子及候选名单已保存，可复核）")
    return drawn


def _earlier_replacements(member: CommitteeMember) -> int:
    """How many times the seat `member` fills was replaced before (0 for a member of the first draw)."""
    return db.session.scalar(select(ExpertDraw.replacement_round).where(ExpertDraw.id == member.draw_id)) or 0


def _open_approval(member: CommitteeMember) -> ReplacementApproval | None:
    """The member's pending or approved (not yet used) request for a further replacement."""
    return db.session.scalars(select(ReplacementApproval).where(
        ReplacementApproval.member_id == member.id,
        ReplacementApproval.status.in_((ApprovalStatus.PENDING, ApprovalStatus.APPROVED)))).first()


@dataclass(frozen=True)
class ReplacementState:
    """What the replace page offers: a replacement, a request for approval, or the request's state."""

    earlier: int                                  # replacements of this seat so far
    approval: ReplacementApproval | None          # pending or approved request

    @property
    def needs_approval(self) -> bool:
        return self.earlier >= rules.FREE_REPLACEMENTS

    @property
    def may_replace(self) -> bool:
        return not self.needs_approval or (self.approval is not None
                                           and self.approval.status == ApprovalStatus.APPROVED)


def replacement_state(member: CommitteeMember) -> ReplacementState:
    return ReplacementState(_earlier_replacements(member), _open_approval(member))


def _project_supervisors(evaluation: Evaluation) -> list[int]:
    """The supervisors (行政监督部门) of the project's region, and of the main venue's region."""
    ids = supervisor_ids(evaluation.section.project.region_id) + supervisor_ids(region_of(evaluation))
    return list(dict.fromkeys(ids))


def replace_member(evaluation: Evaluation, member: CommitteeMember, kind: ReplaceReason, reason: str) -> CommitteeMember:
    """Replace a member (回避, 未到场, 身体原因, 其他): another random draw, reason recorded; a seat replaced twice
    needs a supervisor's approval for each further replacement. The main venue and the supervisors are told."""
    reason = (reason or "").strip()
    lock(evaluation, member)
    if evaluation.ended:
        raise EvaluationError("评审已经结束，不能再更换专家。")
    check_draw_open(evaluation)
    if not member.seated:
        raise EvaluationError("该专家已被更换。")
    if member.signed_in_at is not None and kind is ReplaceReason.ABSENT:
        raise EvaluationError("该专家已经签到，不能按“未到场”更换。", "kind")
    earlier = _earlier_replacements(member)
    approval = _open_approval(member) if earlier >= rules.FREE_REPLACEMENTS else None
    approved = approval is not None and approval.status == ApprovalStatus.APPROVED
    problem = rules.replacement_problem(kind, reason, earlier, approved)
    if problem:
        raise EvaluationError(problem, "reason" if kind is ReplaceReason.OTHER and not reason else "kind")
    member.status = MemberStatus.REPLACED
    member.replaced_kind = kind
    member.replaced_reason = (reason or kind.label)[:300]
    member.workstation_id = None
    if member.hold_id is not None:
        holds.release([member.hold_id], f"专家更换：{kind.label}")   # the link stays, for the record
    if approved:
        approval.status = ApprovalStatus.USED
    db.session.flush()
    facts = _avoidance_facts(evaluation)
    venue = member.venue
    specialty = db.session.get(Specialty, member.specialty_id)
    # The typed explanation may name the expert: it stays on the member, which only the venue's staff see;
    # the draw record, the audit log and the notifications (read more widely) carry the kind of reason only.
    (new,) = _draw_one(evaluation, venue, specialty, 1, facts, reason=f"更换：{kind.label}", replaces=member,
                       round_=earlier + 1, approval=approval if approved else None)
    db.session.flush()
    times = f"该席位第 {earlier + 1} 次更换" + ("，经行政监督部门同意" if approved else "")
    audit.record("replace", "evaluation", evaluation, region_id=region_of(evaluation),
                 summary=f"{venue.label}评委席位 {member.seat_no} 更换（{kind.label}；{times}），"
                         f"重新随机抽取为席位 {new.seat_no}")
    notify(center_staff_ids(evaluation.main_center_id) + _project_supervisors(evaluation),
           f"{evaluation.section.name}：{venue.label}评委席位 {member.seat_no} 更换专家（{kind.label}；{times}），"
           f"重新抽取为席位 {new.seat_no}。", f"/evaluations/{evaluation.id}#committee", skip=audit.current_actor_id())
    return new


def request_approval(evaluation: Evaluation, member: CommitteeMember, kind: ReplaceReason,
                     reason: str) -> ReplacementApproval:
    """A venue asks the supervisors to allow a further replacement of a seat already replaced twice."""
    reason = (reason or "").strip()
    lock(evaluation, member)
    if evaluation.ended:
        raise EvaluationError("评审已经结束，不能再更换专家。")
    if not member.seated:
        raise EvaluationError("该专家已被更换。")
    earlier = _earlier_replacements(member)
    if earlier < rules.FREE_REPLACEMENTS:
        raise EvaluationError(f"该席位已更换 {earlier} 次，本次更换不需要申请，可直接更换。")
    if kind is ReplaceReason.OTHER and not reason:
        raise EvaluationError("更换原因为“其他”的，请写明具体情况。", "reason")
    if _open_approval(member) is not None:
        raise EvaluationError("该席位的更换申请已经提交，请等待行政监督部门审批。")
    supervisors = _project_supervisors(evaluation)
    if not supervisors:
        raise EvaluationError("本项目所在地区没有行政监督部门账号，无法审批更换申请；请联系市（州）管理员开通。")
    approval = ReplacementApproval(evaluation_id=evaluation.id, member_id=member.id, replacement_round=earlier + 1,
                                   kind=kind, reason=reason[:300] or None, requested_by_id=audit.current_actor_id())
    db.session.add(approval)
    db.session.flush()
    venue = member.venue
    audit.record("request", "evaluation", evaluation, region_id=region_of(evaluation),
                 summary=f"{venue.label}申请第 {earlier + 1} 次更换评委席位 {member.seat_no}（{kind.label}），待行政监督部门审批")
    notify(supervisors, f"{evaluation.section.name}：{venue.label}评委席位 {member.seat_no} 已更换 {earlier} 次，"
                        f"申请第 {earlier + 1} 次更换（{kind.label}），请审批。",
           f"/evaluations/{evaluation.id}#approvals", skip=audit.current_actor_id())
    return approval


def decide_approval(evaluation: Evaluation, approval: ReplacementApproval, approve: bool, note: str) -> None:
    """A supervisor agrees to (or refuses) a further replacement; the requesting venue's staff are told."""
    lock(evaluation, approval)
    if approval.status != ApprovalStatus.PENDING:
        raise EvaluationError("该更换申请已经审批。")
    note = (note or "").strip()
    if not approve and not note:
        raise EvaluationError("不同意更换的，请写明理由，以便场所处理。", "note")
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REFUSED
    approval.decided_by_id = audit.current_actor_id()
    approval.decided_at = utcnow()
    approval.decision_note = note[:300] or None
    member = db.session.get(CommitteeMember, approval.member_id)
    venue = db.session.get(EvaluationVenue, member.venue_id)
    verdict = "同意" if approve else "不同意"
    audit.record("decide", "evaluation", evaluation, region_id=region_of(evaluation),
                 summary=f"行政监督部门{verdict}{venue.label}第 {approval.replacement_round} 次更换评委席位 {member.seat_no}")
    then = "现在可以更换。" if approve else f"理由：{note[:100]}"
    notify(center_staff_ids(venue.center_id), f"{evaluation.section.name}：行政监督部门{verdict}第 "
                                              f"{approval.replacement_round} 次更换评委席位 {member.seat_no}。{then}",
           f"/evaluations/{evaluation.id}/members/{member.id}/replace", skip=audit.current_actor_id())


def approvals_of(evaluation: Evaluation) -> list[ReplacementApproval]:
    """The evaluation's replacement requests, newest first, with the member's venue."""
    return list(db.session.scalars(
        select(ReplacementApproval).where(ReplacementApproval.evaluation_id == evaluation.id)
        .options(joinedload(ReplacementApproval.member).joinedload(CommitteeMember.venue)
                 .joinedload(EvaluationVenue.center), joinedload(ReplacementApproval.decided_by))
        .order_by(ReplacementApproval.id.desc())))


@dataclass(frozen=True)
class Verification:
    """A stored draw re-run: whether it gives the same members in order, whether the candidate list and the
    exclusions still follow the avoidance rules, and what the page tells of it."""

    same: bool
    candidates: int
    excluded: dict[str, int]     # avoidance reason (Chinese label) -> how many were left out
    eligibility: list[str] | None    # problems found re-checking eligibility (None: drawn before the full record)
    excluded_list: list[tuple[int, str]]   # every excluded expert's id and reason label


def verify_draw(evaluation: Evaluation, record: ExpertDraw) -> Verification:
    """Re-run a stored draw from its seed and candidate list, and re-check every candidate's eligibility and
    every exclusion against the avoidance rules with the facts as they stood at the draw."""
    candidate_ids = json.loads(record.candidate_ids)
    same = rules.draw(candidate_ids, record.count, record.seed) == json.loads(record.chosen_ids)
    excluded = {rules.Avoid(k).label: n for k, n in json.loads(record.excluded or "{}").items()}
    if record.excluded_ids is None:
        return Verification(same, len(candidate_ids), excluded, None, [])
    stored = {int(i): rules.Avoid(why) for i, why in json.loads(record.excluded_ids)}
    ids = [*candidate_ids, *stored]
    experts = {i: rules.Candidate(id=i, employer=e or "") for i, e in db.session.execute(
        select(Expert.id, Expert.employer).where(Expert.id.in_(ids))).all()} if ids else {}
    problems = rules.eligibility_problems(candidate_ids, stored, experts, _avoidance_facts(evaluation, as_of=record))
    if sum(excluded.values()) != len(stored):
        problems.append("回避排除的人数与逐人排除名单不一致。")
    return Verification(same, len(candidate_ids), excluded, problems,
                        [(i, why.label) for i, why in sorted(stored.items())])


def draws_of(evaluation: Evaluation) -> list[ExpertDraw]:
    """The evaluation's stored draws, oldest first, with venue, specialty and who drew."""
    return list(db.session.scalars(
        select(ExpertDraw).join(EvaluationVenue, ExpertDraw.venue_id == EvaluationVenue.id)
        .where(EvaluationVenue.evaluation_id == evaluation.id)
        .options(joinedload(ExpertDraw.venue).joinedload(EvaluationVenue.center), joinedload(ExpertDraw.specialty),
                 joinedload(ExpertDraw.drawn_by))
        .order_by(ExpertDraw.id)))
