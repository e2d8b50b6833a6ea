"""Training sessions (宣贯培训): audiences, enrolment up to capacity, attendance and the training record.

Pure: plain values in, decisions out.
"""
import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

# The participants the notice (seed 000, 五) asks regions to train, in its order.
AUDIENCES = {
    "tenderee": "招标人",
    "agency": "代理机构",
    "expert": "评标专家",
    "staff": "交易中心工作人员",
}
MAX_CAPACITY = 100_000
MAX_DURATION = timedelta(days=14)


def material_path(session_id: int, file_id: int) -> str:
    """The site address of a session's material (training.material): what the body's images may show."""
    return f"/training/{session_id}/files/{file_id}"


class Status(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def badge(self) -> str:
        return {"draft": "badge-muted", "published": "badge-ok", "cancelled": "badge-bad"}[self.value]


STATUS_LABELS = {Status.DRAFT: "草稿", Status.PUBLISHED: "已发布", Status.CANCELLED: "已取消"}


class EnrolmentStatus(enum.Enum):
    ENROLLED = "enrolled"
    CANCELLED = "cancelled"


def times_problem(starts_at: datetime | None, ends_at: datetime | None) -> str | None:
    """Why a session's times are wrong, or None."""
    if starts_at is None or ends_at is None:
        return "请填写开始和结束时间。"
    if ends_at <= starts_at:
        return "结束时间应晚于开始时间。"
    if ends_at - starts_at > MAX_DURATION:
        return "一期培训最长 14 天，请分期登记。"
    return None


def capacity_problem(capacity: int, enrolled: int) -> str | None:
    if capacity < 1 or capacity > MAX_CAPACITY:
        return f"名额应在 1 到 {MAX_CAPACITY} 之间。"
    if capacity < enrolled:
        return f"已有 {enrolled} 人报名，名额不能少于 {enrolled}。"
    return None


def enrol_problem(status: Status, starts_at: datetime, now: datetime, enrolled: int, capacity: int,
                  already: bool) -> str | None:
    """Why an account may not enrol now (the message shown), or None."""
    if status is not Status.PUBLISHED:
        return "该培训未发布或已取消，不能报名。"
    if starts_at <= now:
        return "培训已开始，报名已截止。"
    if already:
        return "您已报名该培训。"
    if enrolled >= capacity:
        return "名额已满，未能报名。"
    return None


def cancel_problem(starts_at: datetime, now: datetime) -> str | None:
    if starts_at <= now:
        return "培训已开始，不能取消报名。"
    return None


def attendance_problem(status: Status, starts_at: datetime, now: datetime) -> str | None:
    """Attendance (签到/出勤) is recorded once the session has begun."""
    if status is not Status.PUBLISHED:
        return "未发布或已取消的培训不能登记出勤。"
    if starts_at > now:
        return "培训开始后才能登记出勤。"
    return None


# --- the training record (培训台账) ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Trained:
    """People of one audience trained at one session: attended enrolments plus unregistered attendees."""

    region_id: int
    day: date          # the session's first day, China time
    audience: str
    people: int


@dataclass
class Record:
    """People trained per region, month (1-12) and audience in one year, with the sessions held."""

    year: int
    cells: dict = field(default_factory=lambda: defaultdict(int))      # (region, month, audience) -> people
    sessions: dict = field(default_factory=lambda: defaultdict(int))   # (region, month) -> sessions held

    def people(self, region_id=None, month=None, audience=None) -> int:
        return sum(n for (r, m, a), n in self.cells.items()
                   if (region_id is None or r == region_id) and (month is None or m == month)
                   and (audience is None or a == audience))

    def held(self, region_id=None, month=None) -> int:
        return sum(n for (r, m), n in self.sessions.items()
                   if (region_id is None or r == region_id) and (month is None or m == month))


def record(year: int, trained: list[Trained], held: list[tuple[int, date]]) -> Record:
    """Sum the year's trained people by region, month and audience; `held` lists (region, first day)."""
    result = Record(year)
    for item in trained:
        if item.day.year == year and item.audience in AUDIENCES and item.people > 0:
            result.cells[(item.region_id, item.day.month, item.audience)] += item.people
    for region_id, day in held:
        if day.year == year:
            result.sessions[(region_id, day.month)] += 1
    return result


def remark(record_: Record, region_id: int, month: int) -> str:
    """The monthly report's remark on training, e.g. `本月开展培训2期，培训招标人10人、评标专家40人。`"""
    sessions = record_.held(region_id, month)
    if not sessions:
        return ""
    parts = [f"{label}{record_.people(region_id, month, key)}人" for key, label in AUDIENCES.items()
             if record_.people(region_id, month, key)]
    trained = "，培训" + "、".join(parts) if parts else "，参训人数未登记"
    return f"本月开展远程异地评标培训{sessions}期{trained}。"
