"""Chinese working days (工作日): pure arithmetic over a calendar built from three sources.

1. the official calendar known to a library (``chinesecalendar``) for the years it covers;
2. overrides entered by provincial admins from the State Council's notices ("this date is a day off" /
   "this date is a working day"), which win over everything else;
3. for a year neither knows, weekends only: such a year is *estimated* and every answer says so.

Nothing here touches the database or the clock: the calendar is a value, so it is tested by tables and
properties.
"""
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

# How far the arithmetic looks before it gives up (a calendar with no working day for ten years is wrong data).
MAX_SCAN_DAYS = 3660
WEEKDAY_NAMES = "一二三四五六日"
ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


class YearSource(enum.Enum):
    LIBRARY = "library"        # the official calendar shipped with chinesecalendar
    ANNOUNCED = "announced"    # entered by an admin from the year's notice and marked complete
    ESTIMATED = "estimated"    # nobody knows the year yet: weekends only

    @property
    def label(self) -> str:
        return {
            YearSource.LIBRARY: "国务院办公厅节假日安排（内置日历）",
            YearSource.ANNOUNCED: "管理员依据通知录入的节假日安排",
            YearSource.ESTIMATED: "尚未公布节假日安排，暂按周末推算",
        }[self]


class DayKind(enum.Enum):
    WORKDAY = "workday"            # an ordinary Monday-Friday
    WEEKEND = "weekend"            # an ordinary Saturday or Sunday
    HOLIDAY = "holiday"            # a day off on a weekday or inside a holiday period (放假)
    MAKEUP_WORKDAY = "makeup"      # a weekend day worked in lieu (调休上班)

    @property
    def label(self) -> str:
        return {DayKind.WORKDAY: "工作日", DayKind.WEEKEND: "休息日", DayKind.HOLIDAY: "放假",
                DayKind.MAKEUP_WORKDAY: "调休上班"}[self]

    @property
    def working(self) -> bool:
        return self in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)


@dataclass(frozen=True)
class Override:
    day: date
    working: bool
    notice: str = ""
    note: str = ""


@dataclass(frozen=True)
class DayInfo:
    day: date
    kind: DayKind
    name: str            # the holiday's name, or the override's note
    source: YearSource
    overridden: bool

    @property
    def working(self) -> bool:
        return self.kind.working


@dataclass(frozen=True)
class WorkCalendar:
    """The calendar as data. `library_*` come from chinesecalendar, the rest from the database."""

    library_years: frozenset[int] = frozenset()
    library_holidays: Mapping[date, str] = field(default_factory=dict)   # days off (incl. weekend ones)
    library_workdays: Mapping[date, str] = field(default_factory=dict)   # make-up working days
    overrides: Mapping[date, Override] = field(default_factory=dict)
    announced_years: frozenset[int] = frozenset()

    def source(self, year: int) -> YearSource:
        if year in self.library_years:
            return YearSource.LIBRARY
        if year in self.announced_years:
            return YearSource.ANNOUNCED
        return YearSource.ESTIMATED

    def is_estimated(self, day: date) -> bool:
        return self.source(day.year) is YearSource.ESTIMATED

    def describe(self, day: date) -> DayInfo:
        source = self.source(day.year)
        weekend = day.weekday() >= 5
        override = self.overrides.get(day)
        if override is not None:
            if override.working:
                kind = DayKind.MAKEUP_WORKDAY if weekend else DayKind.WORKDAY
            else:
                kind = DayKind.HOLIDAY
            return DayInfo(day, kind, override.note, source, True)
        if source is YearSource.LIBRARY:
            if day in self.library_workdays:
                return DayInfo(day, DayKind.MAKEUP_WORKDAY, _zh(self.library_workdays[day]), source, False)
            if day in self.library_holidays:
                return DayInfo(day, DayKind.HOLIDAY, _zh(self.library_holidays[day]), source, False)
        return DayInfo(day, DayKind.WEEKEND if weekend else DayKind.WORKDAY, "", source, False)

    def is_working_day(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override.working
        if day.year in self.library_years:
            if day in self.library_workdays:
                return True
            if day in self.library_holidays:
                return False
        return day.weekday() < 5

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n > 0) or before it (n < 0); `day` itself is not counted.

        n == 0 returns `day` unchanged, working or not.
        """
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        current = day
        scanned = 0
        while remaining:
            current += step
            scanned += 1
            if scanned > MAX_SCAN_DAYS:
                raise ValueError("日历数据异常：十年内找不到足够的工作日。")
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days one passes going from start to end, counting the days arrived on.

        Forward, the working days in (start, end]; backward, minus those in [end, start). So
        ``working_days_between(d, add_working_days(d, n)) == n`` for every d and n.
        """
        step = timedelta(days=1 if end >= start else -1)
        sign = 1 if end >= start else -1
        count = 0
        current = start
        while current != end:
            current += step
            if self.is_working_day(current):
                count += sign
        return count

    def estimated_years(self, *days: date) -> tuple[int, ...]:
        return tuple(sorted({d.year for d in days if self.is_estimated(d)}))


def _zh(name: str) -> str:
    return HOLIDAY_NAMES_ZH.get(name, name)


@dataclass(frozen=True)
class Deadline:
    """The latest filing date for an evaluation, and how it was reached."""

    evaluation_date: date
    latest_filing_date: date
    lead_days: int
    counts_evaluation_day: bool
    evaluation_is_working_day: bool
    estimated_years: tuple[int, ...]   # years counted with weekends only
    sources: tuple[tuple[int, YearSource], ...]

    @property
    def estimated(self) -> bool:
        return bool(self.estimated_years)

    def rule_text(self) -> str:
        counted = "含评标当日" if self.counts_evaluation_day else "不含评标当日"
        return f"评标开始前 {self.lead_days} 个工作日（{counted}）"

    def calendar_text(self) -> str:
        """Which calendar the deadline used, as recorded with a request."""
        return "；".join(f"{year} 年：{source.label}" for year, source in self.sources)


def filing_deadline(calendar: WorkCalendar, evaluation_date: date, lead_days: int = 3,
                    count_evaluation_day: bool = False) -> Deadline:
    """Latest date to file a guest-seat request: `lead_days` working days before the evaluation.

    By default the evaluation day is not counted (Thursday evaluation -> the previous Monday). When it is
    counted and is a working day, it is the first of the `lead_days` (Thursday -> Tuesday).
    """
    if lead_days < 1:
        raise ValueError("lead_days must be at least 1")
    evaluation_working = calendar.is_working_day(evaluation_date)
    steps = lead_days - 1 if (count_evaluation_day and evaluation_working) else lead_days
    latest = calendar.add_working_days(evaluation_date, -steps)
    years = sorted({latest.year, evaluation_date.year})
    return Deadline(
        evaluation_date=evaluation_date,
        latest_filing_date=latest,
        lead_days=lead_days,
        counts_evaluation_day=count_evaluation_day,
        evaluation_is_working_day=evaluation_working,
        estimated_years=calendar.estimated_years(latest, evaluation_date),
        sources=tuple((year, calendar.source(year)) for year in years),
    )


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAY_NAMES[day.weekday()]}）"


def month_weeks(year: int, month: int) -> list[list[date | None]]:
    """The month as weeks Monday..Sunday, None where a cell belongs to another month."""
    first = date(year, month, 1)
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    weeks: list[list[date | None]] = []
    week: list[date | None] = [None] * first.weekday()
    day = first
    while day < next_month:
        week.append(day)
        if len(week) == 7:
            weeks.append(week)
            week = []
        day += timedelta(days=1)
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    return weeks


def parse_iso_date(text: str | None) -> date | None:
    """YYYY-MM-DD within years 2000-2099, else None."""
    if not text or not ISO_DATE_RE.match(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2099 else None
