"""Pure rules of guest-seat requests: the life cycle, the evaluation's time range, filing checks, ranking.

No Flask and no database here: plain values in, decisions out (table-driven tests in tests/unit).
"""
import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

DURATION_CHOICES = [(m, f"{m // 60} 小时") for m in (60, 120, 180, 240, 300, 360, 480, 600)]
DEFAULT_DURATION = 240
# The longest evaluation a request may book (a CHECK constraint too). Knowing it lets an overlap search
# look only at bookings that start less than this long before a window: a short range of the index.
MAX_DURATION_MINUTES = 720
MAX_SEATS = 50           # guest experts per guest center in one request
MAX_COMMITTEE = 49


class Status(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self]


STATUS_LABELS = {
    Status.DRAFT: "草稿", Status.SUBMITTED: "待客场确认", Status.ACCEPTED: "已接受",
    Status.PARTLY_ACCEPTED: "部分接受", Status.REJECTED: "已拒绝", Status.WITHDRAWN: "已撤回",
    Status.CANCELLED: "已取消", Status.COMPLETED: "已完成",
}
STATUS_BADGES = {
    Status.DRAFT: "badge-muted", Status.SUBMITTED: "badge-warn", Status.ACCEPTED: "badge-ok",
    Status.PARTLY_ACCEPTED: "badge-warn", Status.REJECTED: "badge-bad", Status.WITHDRAWN: "badge-muted",
    Status.CANCELLED: "badge-bad", Status.COMPLETED: "badge-ok",
}
# Live requests: one per section and guest center (a partial unique index in the database).
ACTIVE_STATUSES = frozenset({Status.DRAFT, Status.SUBMITTED, Status.ACCEPTED, Status.PARTLY_ACCEPTED})
# Requests whose workstations are held (active bookings exist only for these).
HOLDING_STATUSES = frozenset({Status.ACCEPTED, Status.PARTLY_ACCEPTED})


class Action(enum.Enum):
    SUBMIT = "submit"
    EDIT = "edit"
    WITHDRAW = "withdraw"
    ACCEPT = "accept"
    REJECT = "reject"
    CANCEL = "cancel"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.SUBMIT: "提交申请", Action.EDIT: "修改申请", Action.WITHDRAW: "撤回申请", Action.ACCEPT: "接受",
    Action.REJECT: "拒绝", Action.CANCEL: "取消预订", Action.COMPLETE: "标记已完成",
}


class Side(enum.Enum):
    MAIN = "main"     # the agent of the section or the main venue's staff (主场)
    GUEST = "guest"   # the guest center's staff (客场)


class TransitionRefused(ValueError):
    """An action the life cycle does not allow; the message is for the user."""


# (status, action) -> the sides that may take it. Accept's and edit's results depend on more (see below).
ALLOWED: dict[tuple[Status, Action], frozenset[Side]] = {
    (Status.DRAFT, Action.SUBMIT): frozenset({Side.MAIN}),
    (Status.DRAFT, Action.EDIT): frozenset({Side.MAIN}),
    (Status.DRAFT, Action.WITHDRAW): frozenset({Side.MAIN}),
    (Status.SUBMITTED, Action.EDIT): frozenset({Side.MAIN}),
    (Status.SUBMITTED, Action.WITHDRAW): frozenset({Side.MAIN}),
    (Status.SUBMITTED, Action.ACCEPT): frozenset({Side.GUEST}),
    (Status.SUBMITTED, Action.REJECT): frozenset({Side.GUEST}),
    (Status.ACCEPTED, Action.EDIT): frozenset({Side.MAIN}),
    (Status.ACCEPTED, Action.CANCEL): frozenset({Side.MAIN, Side.GUEST}),
    (Status.ACCEPTED, Action.COMPLETE): frozenset({Side.MAIN, Side.GUEST}),
    (Status.PARTLY_ACCEPTED, Action.EDIT): frozenset({Side.MAIN}),
    (Status.PARTLY_ACCEPTED, Action.CANCEL): frozenset({Side.MAIN, Side.GUEST}),
    (Status.PARTLY_ACCEPTED, Action.COMPLETE): frozenset({Side.MAIN, Side.GUEST}),
}
REASON_REQUIRED = frozenset({Action.REJECT, Action.CANCEL})


@dataclass(frozen=True)
class Move:
    """What an action asks for, with the facts the life cycle needs."""

    action: Action
    side: Side
    reason: str = ""
    seats_requested: int = 0
    seats_assigned: int = 0          # accept: the workstations chosen
    needs_reconfirmation: bool = False  # edit: date, time, duration or seats changed
    today: date | None = None        # complete: not before the evaluation day
    evaluation_date: date | None = None


def allowed_actions(status: Status, side: Side) -> list[Action]:
    """The actions `side` may take on a request in `status`, in the order of ACTION_LABELS."""
    return [a for a in Action if side in ALLOWED.get((status, a), frozenset())]


def next_status(status: Status, move: Move) -> Status:
    """The status after `move`, or TransitionRefused with a Chinese message saying why not."""
    sides = ALLOWED.get((status, move.action))
    if not sides:
        raise TransitionRefused(f"申请当前为“{status.label}”，不能{move.action.label}。")
    if move.side not in sides:
        who = "客场" if move.side is Side.GUEST else "主场"
        raise TransitionRefused(f"{who}不能对该申请执行“{move.action.label}”。")
    if move.action in REASON_REQUIRED and not move.reason.strip():
        raise TransitionRefused(f"{move.action.label}须填写原因。")
    if move.action is Action.ACCEPT:
        if move.seats_assigned <= 0:
            raise TransitionRefused("请至少选择一个工位；不能提供工位的，请选择“拒绝”并说明原因。")
        if move.seats_assigned > move.seats_requested:
            raise TransitionRefused(f"申请 {move.seats_requested} 个机位，不能分配 {move.seats_assigned} 个工位。")
        return Status.ACCEPTED if move.seats_assigned == move.seats_requested else Status.PARTLY_ACCEPTED
    if move.action is Action.COMPLETE:
        if move.today is None or move.evaluation_date is None or move.today < move.evaluation_date:
            raise TransitionRefused("评标日期之前不能标记为已完成。")
        return Status.COMPLETED
    if move.action is Action.EDIT:
        if status in HOLDING_STATUSES and move.needs_reconfirmation:
            return Status.SUBMITTED   # back to the guest side; its workstations are released
        return status
    return {Action.SUBMIT: Status.SUBMITTED, Action.WITHDRAW: Status.WITHDRAWN, Action.REJECT: Status.REJECTED,
            Action.CANCEL: Status.CANCELLED}[move.action]


# --- time ---------------------------------------------------------------------------------------------------

def evaluation_range(day: date, start: time, minutes: int) -> tuple[datetime, datetime]:
    """The evaluation's [start, end) as UTC instants, from the China wall-clock date and start time."""
    starts = datetime.combine(day, start, tzinfo=CHINA)
    return starts.astimezone(UTC), (starts + timedelta(minutes=minutes)).astimezone(UTC)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open ranges [start, end) overlap: one ending when the other starts is no clash."""
    return a_start < b_end and b_start < a_end


def china_clock(value: datetime) -> str:
    """'2026-12-03 09:00' in China time (SQLite hands back naive UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


# --- filing -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FilingFacts:
    """What the filing checks need, in plain values."""

    today: date
    evaluation_date: date
    latest_filing_date: date
    deadline_rule: str
    evaluation_is_working_day: bool
    day_description: str          # e.g. "星期六" or "国庆节"
    committee_size: int
    guest_seats: tuple[int, ...]  # one per guest center asked


def filing_problems(facts: FilingFacts) -> list[tuple[str, str]]:
    """(field, Chinese message) for each reason a request cannot be submitted as it stands."""
    problems = []
    if not facts.evaluation_is_working_day:
        problems.append(("evaluation_date",
                         f"评标日期 {facts.evaluation_date:%Y-%m-%d} 是{facts.day_description}，不是工作日；"
                         "远程异地评标原则上安排在工作日上午，请改期。"))
    elif facts.today > facts.latest_filing_date:
        problems.append(("evaluation_date",
                         f"已超过申请期限：评标日期为 {facts.evaluation_date:%Y-%m-%d}，客场机位申请最迟应于 "
                         f"{facts.latest_filing_date:%Y-%m-%d} 提交（{facts.deadline_rule}）。"))
    if facts.committee_size < 5 or facts.committee_size % 2 == 0:
        problems.append(("committee_size", "评标委员会成员应为 5 人以上单数。"))
    total = sum(facts.guest_seats)
    if facts.guest_seats and total >= facts.committee_size:
        problems.append(("committee_size",
                         f"客场专家合计 {total} 人，应少于评标委员会人数 {facts.committee_size} 人"
                         "（主场须有评标委员会成员）。"))
    return problems


def seats_problem(seats: int, center_name: str, capacity: int, cross_province: bool) -> str | None:
    """A request for 0 seats, or more than the center has workstations of the needed kind."""
    if seats < 1:
        return "申请机位数至少为 1 个。"
    if seats > capacity:
        kind = "支持跨省远程异地评标的可用工位" if cross_province else "可用评标工位"
        return f"{center_name}共有{kind} {capacity} 个，不能申请 {seats} 个机位。"
    return None


# --- availability -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CenterOption:
    """One candidate guest center for the availability search."""

    center_id: int
    name: str
    province: str
    cross_province: bool
    allowed: bool
    reason: str
    free_seats: int
    total_seats: int
    expert_counts: tuple[int, ...] | None   # per needed specialty; None when the pool is not in this portal
    meal_fee: str | None = None
    expert_fee: str | None = None

    @property
    def fewest_experts(self) -> int | None:
        if self.expert_counts is None:
            return None
        return min(self.expert_counts) if self.expert_counts else None

    def enough_seats(self, seats: int) -> bool:
        return self.free_seats >= seats

    def enough_experts(self, seats: int) -> bool | None:
        fewest = self.fewest_experts
        return None if fewest is None else fewest >= seats


def rank_centers(options: list[CenterOption], seats: int) -> list[CenterOption]:
    """Best fit first: may be asked, enough free seats, enough experts, more experts, more free seats."""

    def key(o: CenterOption):
        experts = o.enough_experts(seats)
        return (not o.allowed, not o.enough_seats(seats), experts is False, experts is None,
                -(o.fewest_experts or 0), -o.free_seats, o.name)

    return sorted(options, key=key)


def outcome_text(status: Status) -> str:
    """What a request has become, for "申请 KC2026-00002 {outcome}。": 已接受, not 已已接受."""
    label = status.label
    if label.startswith("已"):
        return label
    return {Status.SUBMITTED: "已提交，待客场确认", Status.PARTLY_ACCEPTED: "已部分接受",
            Status.DRAFT: "已保存为草稿"}.get(status, f"现为“{label}”")


# --- change requests (场地变更) -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Timing:
    """What a change request may move: the date, the start, the duration and the guest seats."""

    evaluation_date: date
    start_time: time
    duration_minutes: int
    seats: int


def change_problems(status: Status, old: Timing, new: Timing, today: date) -> list[str]:
    """Chinese messages for a change request that cannot be filed (empty when it can).

    Only an accepted (or partly accepted) booking is changed by a change request; a request not yet answered
    is edited directly. A change into the filing window is allowed here: the guest center's agreement decides
    (see change_is_late)."""
    problems = []
    if status not in HOLDING_STATUSES:
        problems.append(f"申请当前为“{status.label}”，只有已接受的预订可以申请场地变更（未答复的申请请直接修改）。")
    if new == old:
        problems.append("变更后的日期、时间、时长和机位数与原预订相同，无需变更。")
    if new.evaluation_date < today:
        problems.append("变更后的评标日期不能早于今天。")
    if not 0 < new.duration_minutes <= MAX_DURATION_MINUTES:
        problems.append(f"评标时长应在 1 至 {MAX_DURATION_MINUTES // 60} 小时之间。")
    if not 1 <= new.seats <= MAX_SEATS:
        problems.append(f"客场机位数应在 1 至 {MAX_SEATS} 个之间。")
    return problems


def change_is_late(today: date, latest_filing_date: date) -> bool:
    """A change whose new date would be too late for a new request (3 working days): the guest center must
    agree to it, and the agreement is recorded."""
    return today > latest_filing_date
