"""The draw (专家抽取): each venue draws its own experts from its region's pool, avoidance applied, seed and
candidate list stored so that anyone with the audit right can re-run it; replacement draws again."""
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from ...audit import services as audit
from ...experts.models import Expert, ExpertSpecialty, Specialty
from ...experts.rules import ShareScope
from ...experts.services import available_clause
from ...extensions import db
from ...models_base import utcnow
from ...projects.models import Project, Section
from .. import rules
from ..models import CommitteeMember, Evaluation, EvaluationVenue, ExpertDraw, MemberStatus
from ..rules import ReplaceReason
from .common import EvaluationError, check_draw_open, lock, region_of


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
    """One stored draw of `count` experts of a specialty at a venue, seated on the next seat numbers."""
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


def replace_member(evaluation: Evaluation, member: CommitteeMember, kind: ReplaceReason, reason: str) -> CommitteeMember:
    """Replace a member who declined, is absent or declared a conflict: another random draw, reason recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError("请填写更换专家的原因。", "reason")
    lock(evaluation, member)
    if evaluation.ended:
        raise EvaluationError("评审已经结束，不能再更换专家。")
    check_draw_open(evaluation)
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
    audit.record("replace", "evaluation", evaluation, region_id=region_of(evaluation),
                 summary=f"{venue.label}评委席位 {member.seat_no} 更换（{kind.label}），重新随机抽取为席位 {new.seat_no}")
    return new


@dataclass(frozen=True)
class Verification:
    """A stored draw re-run: whether it gives the same members in order, and what the page tells of it."""

    same: bool
    candidates: int
    excluded: dict[str, int]     # avoidance reason (Chinese label) -> how many were left out


def verify_draw(record: ExpertDraw) -> Verification:
    """Re-run a stored draw from its seed and candidate list."""
    candidate_ids = json.loads(record.candidate_ids)
    same = rules.draw(candidate_ids, record.count, record.seed) == json.loads(record.chosen_ids)
    excluded = {rules.Avoid(k).label: n for k, n in json.loads(record.excluded or "{}").items()}
    return Verification(same, len(candidate_ids), excluded)


def draws_of(evaluation: Evaluation) -> list[ExpertDraw]:
    """The evaluation's stored draws, oldest first, with venue, specialty and who drew."""
    return list(db.session.scalars(
        select(ExpertDraw).join(EvaluationVenue, ExpertDraw.venue_id == EvaluationVenue.id)
        .where(EvaluationVenue.evaluation_id == evaluation.id)
        .options(joinedload(ExpertDraw.venue).joinedload(EvaluationVenue.center), joinedload(ExpertDraw.specialty),
                 joinedload(ExpertDraw.drawn_by))
        .order_by(ExpertDraw.id)))
