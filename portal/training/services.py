"""Training sessions: publishing, enrolment up to capacity, attendance, the training record.

Services flush, views commit. Capacity is kept by one conditional UPDATE of the session's seat count
(`enrolled < capacity`), so of two people taking the last seat at once exactly one gets it, on SQLite and
PostgreSQL alike; a CHECK constraint (enrolled <= capacity) backs it up.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from .. import publishing, richtext, uploads
from ..audit.services import record
from ..auth.permissions import region_reach
from ..clock import local_midnight_utc, to_china
from ..errors import ChangeRefused, flush_or_refuse
from ..extensions import db
from ..models_base import as_utc, utcnow
from ..notifications.services import notify
from ..orgs.models import Region, TradingCenter
from . import rules
from .models import Enrolment, TrainingAudience, TrainingMaterial, TrainingSession
from .rules import EnrolmentStatus, Status

UPLOAD_FEATURE = "training"
MATERIAL_KINDS = (*uploads.DOCUMENTS, "pptx", "mp4")
MAX_MATERIALS = 20


class TrainingRefused(ChangeRefused):
    pass


@dataclass
class SessionData:
    title: str
    region_id: int
    body_source: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    online_url: str | None
    capacity: int
    audiences: list[str]


def writable_regions(user) -> list[Region]:
    reach = region_reach("training.manage", user)
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    return [r for r in regions if reach is None or r.id in reach]


def _snapshot(session: TrainingSession) -> dict:
    return {"subject": session.title, "region_id": session.region_id, "status": session.status.value,
            "starts_at": session.starts_at.isoformat() if session.starts_at else None,
            "ends_at": session.ends_at.isoformat() if session.ends_at else None,
            "place": session.place, "online_url": session.online_url, "capacity": session.capacity,
            "audiences": "、".join(rules.AUDIENCES[a.audience] for a in session.audiences)}


def _new(user) -> TrainingSession:
    return TrainingSession(created_by_id=user.id, status=Status.DRAFT, enrolled=0)


def _check(session: TrainingSession | None, data: SessionData) -> None:
    """What the stored session allows: a cancelled one is final, the seats cannot drop below those enrolled."""
    if session is not None and session.status is Status.CANCELLED:
        raise TrainingRefused("已取消的培训不能修改。")
    problem = rules.capacity_problem(data.capacity, session.enrolled if session else 0)
    if problem:
        raise TrainingRefused(problem, "capacity")


def _apply(session: TrainingSession, data: SessionData, change: publishing.Change) -> None:
    """The fields onto the session; publishing makes a draft public (a published one stays published)."""
    session.title = data.title
    session.region_id = data.region_id
    session.body_source = data.body_source
    session.body_html = richtext.to_html(data.body_source, change.images)
    session.starts_at, session.ends_at = data.starts_at, data.ends_at
    session.place, session.online_url = data.place or None, data.online_url or None
    session.capacity = data.capacity
    existing = {a.audience: a for a in session.audiences}
    session.audiences = [existing.get(key) or TrainingAudience(audience=key, walk_ins=0) for key in data.audiences]
    for position, audience in enumerate(session.audiences):
        audience.position = position
    if change.publish:
        session.status = Status.PUBLISHED


def _materials_problem(kept: int, added: int) -> str | None:
    return f"每期培训最多 {MAX_MATERIALS} 个资料文件。" if kept + added > MAX_MATERIALS else None


EDITING = publishing.Editing(
    subject="training_session", files="materials", file_model=TrainingMaterial, published=Status.PUBLISHED,
    refused=TrainingRefused, stale="这期培训已被他人修改，请刷新页面后重新编辑。", new=_new, apply=_apply,
    snapshot=_snapshot, files_problem=_materials_problem, check=_check,
    # Someone enrolled since the page was read: the CHECK enrolled <= capacity refused the new capacity.
    conflict=("报名人数已超过新的名额，请刷新页面后重新设定名额。", "capacity"), file_path=rules.material_path)


def save(session: TrainingSession | None, data: SessionData, change: publishing.Change) -> TrainingSession:
    """Create or change a session; `change.publish` makes a draft public (a published one stays published)."""
    if data.region_id not in {r.id for r in writable_regions(change.user)}:
        raise TrainingRefused("您只能为本地区发布培训。", "region_id")
    if not data.audiences or any(a not in rules.AUDIENCES for a in data.audiences):
        raise TrainingRefused("请至少选择一类培训对象。", "audiences")
    if not (data.place or data.online_url):
        raise TrainingRefused("请填写培训地点或线上链接（至少一项）。", "place")
    problem = rules.times_problem(data.starts_at, data.ends_at)
    if problem:
        raise TrainingRefused(problem, "ends_at")
    return publishing.save(EDITING, session, data, change)


def enrolled_account_ids(session: TrainingSession) -> list[int]:
    return list(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.session_id == session.id, Enrolment.status == EnrolmentStatus.ENROLLED,
        Enrolment.user_id.isnot(None))))


def cancel_session(session: TrainingSession, reason: str) -> int:
    """Cancel a session (it stays listed as 已取消); enrolled accounts are notified. Returns how many."""
    if session.status is Status.CANCELLED:
        raise TrainingRefused("这期培训已取消。")
    if session.status is Status.DRAFT:
        # A draft was never public: cancelling it must not make it appear in the public calendar.
        raise TrainingRefused("草稿尚未发布，无需取消；不再举办的可保留为草稿。")
    before = _snapshot(session)
    session.status = Status.CANCELLED
    session.cancel_reason = reason
    db.session.flush()
    record("cancel", "training_session", session, region_id=session.region_id, before=before,
           after={**_snapshot(session), "cancel_reason": reason})
    day = to_china(session.starts_at).strftime("%Y-%m-%d %H:%M")
    return notify(enrolled_account_ids(session), f"您报名的培训“{session.title}”（{day}）已取消：{reason}",
                  f"/training/{session.id}")


# --- enrolment ---------------------------------------------------------------------------------------------------

def _take_seat(session: TrainingSession) -> None:
    """Count one more person, only while a seat is left: the database decides between simultaneous takers."""
    result = db.session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session.id, TrainingSession.enrolled < TrainingSession.capacity,
               TrainingSession.status == Status.PUBLISHED)
        .values(enrolled=TrainingSession.enrolled + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise TrainingRefused("名额已满，未能报名。")


def _free_seat(enrolment: Enrolment) -> None:
    """Cancel an enrolment and give its seat back, once even if two cancel at the same moment."""
    result = db.session.execute(
        update(Enrolment).where(Enrolment.id == enrolment.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .values(status=EnrolmentStatus.CANCELLED, cancelled_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise TrainingRefused("该报名已取消。")
    db.session.execute(update(TrainingSession).where(TrainingSession.id == enrolment.session_id,
                                                     TrainingSession.enrolled > 0)
                       .values(enrolled=TrainingSession.enrolled - 1)
                       .execution_options(synchronize_session=False))


def own_enrolment(session: TrainingSession, user) -> Enrolment | None:
    return db.session.scalars(select(Enrolment).where(Enrolment.session_id == session.id,
                                                      Enrolment.user_id == user.id)).first()


# Supervisors, publicity staff, or an agent at a session for experts only: the organisers register them.
NOT_AN_AUDIENCE = "本期培训面向{audiences}，您的账号不在其中，不能在线报名；如需参加，请联系主办方登记。"


def enrol(session: TrainingSession, user, audience: str, own: list[str]) -> Enrolment:
    """An account enrols itself (报名) as one of the session's audiences that it is (`own`, from
    training.access), while seats are left."""
    if not own:
        raise TrainingRefused(NOT_AN_AUDIENCE.format(audiences=session.audience_text), "audience")
    if audience not in own:
        raise TrainingRefused("请选择本期培训面向的、与您的账号相符的参训身份。", "audience")
    mine = own_enrolment(session, user)
    problem = rules.enrol_problem(session.status, as_utc(session.starts_at), utcnow(), session.enrolled,
                                  session.capacity, already=mine is not None and mine.status is EnrolmentStatus.ENROLLED)
    if problem and "名额已满" not in problem:
        raise TrainingRefused(problem)
    _take_seat(session)   # also refuses when full, whatever this request saw
    if mine is None:
        mine = Enrolment(session_id=session.id, user_id=user.id, name=user.display_name,
                         organisation=user.organisation or _center_name(user.center_id),
                         audience=audience, added_by_id=user.id)
        db.session.add(mine)
        flush_or_refuse("您已报名该培训。", error_class=TrainingRefused)
    else:
        result = db.session.execute(
            update(Enrolment).where(Enrolment.id == mine.id, Enrolment.status == EnrolmentStatus.CANCELLED)
            .values(status=EnrolmentStatus.ENROLLED, audience=audience, enrolled_at=utcnow(), cancelled_at=None,
                    attended=None)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise TrainingRefused("您已报名该培训。")
    record("enrol", "enrolment", mine, label=f"{session.title} · {user.display_name}", region_id=session.region_id,
           after={"audience": rules.AUDIENCES[audience]})
    return mine


def _center_name(center_id: int | None) -> str | None:
    center = db.session.get(TradingCenter, center_id) if center_id else None
    return center.name if center else None


def unenrol(session: TrainingSession, user) -> None:
    """An account cancels its own enrolment before the session starts."""
    mine = own_enrolment(session, user)
    if mine is None or mine.status is not EnrolmentStatus.ENROLLED:
        raise TrainingRefused("您没有报名这期培训。")
    problem = rules.cancel_problem(as_utc(session.starts_at), utcnow())
    if problem:
        raise TrainingRefused(problem)
    _free_seat(mine)
    record("cancel", "enrolment", mine, label=f"{session.title} · {user.display_name}", region_id=session.region_id)


def add_person(session: TrainingSession, name: str, organisation: str | None, audience: str, user) -> Enrolment:
    """The organiser enrols someone without an account (e.g. an expert), within the capacity."""
    if session.status is not Status.PUBLISHED:
        raise TrainingRefused("未发布或已取消的培训不能登记参训人员。")
    if audience not in session.audience_keys:
        raise TrainingRefused("请选择本期培训面向的参训身份。", "audience")
    _take_seat(session)
    person = Enrolment(session_id=session.id, name=name, organisation=organisation or None, audience=audience,
                       added_by_id=user.id)
    db.session.add(person)
    db.session.flush()
    record("enrol", "enrolment", person, label=f"{session.title} · {name}", region_id=session.region_id,
           after={"audience": rules.AUDIENCES[audience], "name": name})
    return person


def remove_person(session: TrainingSession, enrolment: Enrolment) -> None:
    """The organiser cancels an enrolment (a person who will not come); the seat is given back."""
    _free_seat(enrolment)
    record("cancel", "enrolment", enrolment, label=f"{session.title} · {enrolment.name}", region_id=session.region_id)


def record_attendance(session: TrainingSession, listed: list[Enrolment], present: set[int],
                      walk_ins: dict[str, int]) -> None:
    """Mark who of the listed enrolments came, and how many came without enrolling, per audience."""
    problem = rules.attendance_problem(session.status, as_utc(session.starts_at), utcnow())
    if problem:
        raise TrainingRefused(problem)
    changed = 0
    for enrolment in listed:
        came = enrolment.id in present
        if enrolment.attended is not came:
            enrolment.attended = came
            changed += 1
    for audience in session.audiences:
        if audience.audience in walk_ins:
            audience.walk_ins = walk_ins[audience.audience]
    db.session.flush()
    record("attendance", "training_session", session, region_id=session.region_id,
           summary=f"登记出勤 {sum(1 for e in listed if e.attended)}/{len(listed)} 人（本页），变更 {changed} 人",
           after={"walk_ins": "、".join(f"{rules.AUDIENCES[a.audience]}{a.walk_ins}人" for a in session.audiences)})


def attendance_counts(session: TrainingSession) -> dict[str, int]:
    """Enrolled and attended people per audience of one session (one query)."""
    rows = db.session.execute(
        select(Enrolment.audience, func.count(), func.count().filter(Enrolment.attended.is_(True)))
        .where(Enrolment.session_id == session.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .group_by(Enrolment.audience)).all()
    return {audience: (enrolled, attended) for audience, enrolled, attended in rows}


# --- the training record (培训台账) ------------------------------------------------------------------------------

def training_record(year: int, region_ids: set[int] | None = None, month: int | None = None) -> rules.Record:
    """People trained in `year` (or one month of it) per region, month and audience (three queries)."""
    if month:
        first = date(year, month, 1)
        start, end = local_midnight_utc(first), local_midnight_utc((first + timedelta(days=32)).replace(day=1))
    else:
        start, end = local_midnight_utc(date(year, 1, 1)), local_midnight_utc(date(year + 1, 1, 1))
    held = select(TrainingSession.id).where(TrainingSession.status == Status.PUBLISHED,
                                            TrainingSession.starts_at >= start, TrainingSession.starts_at < end)
    if region_ids is not None:
        held = held.where(TrainingSession.region_id.in_(region_ids))
    sessions = {sid: (region_id, to_china(as_utc(starts)).date()) for sid, region_id, starts in db.session.execute(
        select(TrainingSession.id, TrainingSession.region_id, TrainingSession.starts_at)
        .where(TrainingSession.id.in_(held)))}
    attended = db.session.execute(
        select(Enrolment.session_id, Enrolment.audience, func.count())
        .where(Enrolment.session_id.in_(held), Enrolment.status == EnrolmentStatus.ENROLLED,
               Enrolment.attended.is_(True))
        .group_by(Enrolment.session_id, Enrolment.audience)).all()
    walk_ins = db.session.execute(
        select(TrainingAudience.session_id, TrainingAudience.audience, TrainingAudience.walk_ins)
        .where(TrainingAudience.session_id.in_(held), TrainingAudience.walk_ins > 0)).all()
    trained = [rules.Trained(sessions[sid][0], sessions[sid][1], audience, people)
               for sid, audience, people in [*attended, *walk_ins] if sid in sessions]
    return rules.record(year, trained, list(sessions.values()))


def month_remark(region_id: int, month: date) -> str:
    """The monthly report's remark on the region's training that month (empty when none was held)."""
    return rules.remark(training_record(month.year, {region_id}, month.month), region_id, month.month)


def session_options():
    return (selectinload(TrainingSession.region), selectinload(TrainingSession.audiences),
            selectinload(TrainingSession.materials))


def upcoming(limit: int = 3) -> list[TrainingSession]:
    """The next published sessions (the home page), soonest first (one query)."""
    return db.session.scalars(select(TrainingSession).where(TrainingSession.status == Status.PUBLISHED,
                                                            TrainingSession.starts_at > utcnow())
                              .order_by(TrainingSession.starts_at).limit(limit)).all()
