"""Pure rules of the workbench: how urgent an item is, how its due date reads, which items come first.

No Flask, no database, no clock: plain values in, decisions out (tables in tests/unit/test_workbench_rules.py).
"""
import enum
from dataclasses import dataclass, field
from datetime import date, timedelta

SOON_DAYS = 3      # due within this many days (not today): 即将到期
SHOWN = 5          # the most urgent items a card lists; the count and its link cover the rest
FILLING_SHARE = 0.8   # a training session is filling up from 80 % of its seats taken ...
FILLING_SEATS = 3     # ... or when at most this many seats are left


class Urgency(enum.IntEnum):
    """How soon something is due, most urgent first (the order of the cards' lists)."""

    OVERDUE = 0
    TODAY = 1
    SOON = 2
    LATER = 3
    NONE = 4      # no due date (waiting for someone else, or simply to be looked at)

    @property
    def badge(self) -> str:
        return {0: "badge-bad", 1: "badge-warn", 2: "badge-warn"}.get(int(self), "badge-muted")


def urgency(due: date | None, today: date, soon_days: int = SOON_DAYS) -> Urgency:
    """Overdue after the due day, today on it, soon within `soon_days` days, later beyond; NONE without one."""
    if due is None:
        return Urgency.NONE
    days = (due - today).days
    if days < 0:
        return Urgency.OVERDUE
    if days == 0:
        return Urgency.TODAY
    return Urgency.SOON if days <= soon_days else Urgency.LATER


def due_text(due: date | None, today: date, verb: str = "截止") -> str:
    """The due date as people say it: 已逾期 N 天, 今天截止, 明天截止, N 天后截止 (`verb` for other events:
    今天评标, 明天开班)."""
    if due is None:
        return ""
    days = (due - today).days
    if days < 0:
        return f"已逾期 {-days} 天"
    if days == 0:
        return f"今天{verb}"
    if days == 1:
        return f"明天{verb}"
    return f"{days} 天后{verb}"


def week_end(today: date) -> date:
    """The last day (Sunday) of the week `today` is in: 'this week' on the staff's card."""
    return today + timedelta(days=6 - today.weekday())


def answer_by(calendar, evaluation_date: date) -> date:
    """When the guest center should answer a seat request (portal rule, shown, not enforced): by the working day
    before the evaluation, so that its experts can still be drawn. `calendar` is a calendar.rules.WorkCalendar."""
    return calendar.add_working_days(evaluation_date, -1)


def filling_up(enrolled: int, capacity: int) -> bool:
    """Whether a session's seats are running out: 80 % taken, or 3 or fewer left (a full one too)."""
    if capacity <= 0:
        return False
    return enrolled >= capacity * FILLING_SHARE or capacity - enrolled <= FILLING_SEATS


@dataclass(frozen=True)
class Entry:
    """One item of a card: what it is, where to act on it, and when it is due."""

    title: str
    link: str
    due: date | None = None
    detail: str = ""
    verb: str = "截止"       # what happens on the due date (截止, 评标, 开班, 发布, 联调)
    rank: int = 0            # among items of equal urgency and date, lower first (e.g. a rejection first)


@dataclass(frozen=True)
class Line:
    """An entry as the card shows it, with its urgency and wording for today."""

    entry: Entry
    urgency: Urgency
    text: str

    @property
    def badge(self) -> str:
        return self.urgency.badge


def ordered(entries, today: date, limit: int = SHOWN) -> list[Line]:
    """The most urgent `limit` entries: overdue first, then by due date (undated last), rank, title."""
    lines = [Line(e, urgency(e.due, today), due_text(e.due, today, e.verb)) for e in entries]
    lines.sort(key=lambda line: (line.urgency, line.entry.due or date.max, line.entry.rank, line.entry.title))
    return lines[:limit]


@dataclass(frozen=True)
class Card:
    """A card of the workbench: a title, how many items, the most urgent few, a link that goes to act."""

    key: str
    title: str
    count: int
    lines: list[Line]
    link: str
    link_label: str
    empty: str = "暂无待办事项。"
    note: str = ""
    actions: tuple[tuple[str, str], ...] = field(default_factory=tuple)   # (label, link) beside the main link

    @property
    def tone(self) -> str:
        """danger when something is overdue, warning when something is due today or soon, else nothing."""
        worst = min((line.urgency for line in self.lines), default=Urgency.NONE)
        if worst is Urgency.OVERDUE:
            return "danger"
        return "warning" if worst in (Urgency.TODAY, Urgency.SOON) else ""


def card(key: str, title: str, count: int, entries, today: date, link: str, link_label: str, **extra) -> Card:
    """A card whose list is the most urgent of `entries`."""
    return Card(key=key, title=title, count=count, lines=ordered(entries, today), link=link,
                link_label=link_label, **extra)
