"""Chinese working days (工作日): pure arithmetic over a calendar built from four sources.

1. the official calendar known to a library (``chinesecalendar``) for the years it covers;
2. overrides entered by provincial admins from the State Council's notices ("this date is a day off" /
   "this date is a working day"), which win over everything else;
3. for a year from 2025 on that the library does not know, the statutory holidays that
   《全国年节及纪念日放假办法》 (as revised, in force from 2025) fixes every year: those are certain, only the
   yearly make-up arrangement (调休) waits for the State Council's notice, and every answer says so;
4. for an earlier year nobody knows, weekends only: such a year is *estimated* and every answer says so.

Nothing here touches the database or the clock: the calendar is a value, so it is tested by tables and
properties. The lunar dates and 清明 come from the ``holidays`` package (pure data, no I/O).
"""
import enum
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays as holidays_lib

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


# 《全国年节及纪念日放假办法》 as revised by State Council order No. 795, in force from 1 January 2025.
STATUTE = "《全国年节及纪念日放假办法》"
STATUTE_FIRST_YEAR = 2025
# The lunar tables of the holidays package end with 2100; a year past them has no statutory dates here.
STATUTE_LAST_YEAR = 2100
STATUTORY_FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


class YearSource(enum.Enum):
    LIBRARY = "library"        # the official calendar shipped with chinesecalendar
    ANNOUNCED = "announced"    # entered by an admin from the year's notice and marked complete
    STATUTORY = "statutory"    # statutory holidays known from the 放假办法, the 调休 arrangement not yet announced
    ESTIMATED = "estimated"    # nobody knows the year: weekends only (only years before the 2025 revision)

    @property
    def label(self) -> str:
        return {
            YearSource.LIBRARY: "国务院办公厅节假日安排（内置日历）",
            YearSource.ANNOUNCED: "管理员依据通知录入的节假日安排",
            YearSource.STATUTORY: "法定节假日已按放假办法计入，调休安排尚未公布",
            YearSource.ESTIMATED: "尚未公布节假日安排，暂按周末推算",
        }[self]

    @property
    def final(self) -> bool:
        """The year's answers will not change when a notice is published."""
        return self in (YearSource.LIBRARY, YearSource.ANNOUNCED)

    def note(self, year: int) -> str:
        """What is certain about the year and what is not yet announced, for a warning beside an answer."""
        if self is YearSource.STATUTORY:
            return (f"{year} 年：法定节假日（{'、'.join(STATUTORY_FESTIVALS)}）已按{STATUTE}计入，是确定的；"
                    f"调休安排（调休上班日和调整的放假日）尚未公布、尚未录入，公布后日期可能变化，"
                    f"请以当年国务院办公厅通知为准。")
        if self is YearSource.ESTIMATED:
            return (f"{year} 年的节假日安排尚未录入，按周末推算，公布后日期可能变化，"
                    f"请以当年国务院办公厅通知为准。")
        return ""


@dataclass(frozen=True)
class FestivalDates:
    """The dates of one year's lunar festivals and 清明 (the solar term's day), China time."""

    new_years_eve: date      # 农历除夕: the last day of the 12th lunar month (29th or 30th)
    spring_festival: date    # 正月初一
    qingming: date
    dragon_boat: date        # 农历五月初五
    mid_autumn: date         # 农历八月十五


@lru_cache(maxsize=256)
def festival_dates(year: int) -> FestivalDates | None:
    """The lunar festivals and 清明 of `year` from the holidays package, or None past its tables.

    The package's own Chinese names (its source strings) identify the days; observed days off and its copy of
    past 调休 arrangements are left aside: only the astronomical facts are taken from it.
    """
    if not STATUTE_FIRST_YEAR <= year <= STATUTE_LAST_YEAR:
        return None
    days: dict[str, list[date]] = {}
    for day, names in holidays_lib.China(years=year, observed=False, language="zh_CN").items():
        for name in names.split("; "):
            days.setdefault(name, []).append(day)
    try:
        spring = min(days["春节"])
        return FestivalDates(new_years_eve=spring - timedelta(days=1), spring_festival=spring,
                             qingming=days["清明节"][0], dragon_boat=days["端午节"][0],
                             mid_autumn=days["中秋节"][0])
    except (KeyError, IndexError):   # pragma: no cover - a holidays release that renamed its festivals
        raise RuntimeError(f"holidays package gave no lunar festival dates for {year}") from None


@lru_cache(maxsize=256)
def statutory_days(year: int) -> Mapping[date, str]:
    """`statutory_holidays(year)` as a read-only mapping, built once per year (the arithmetic asks it often)."""
    festivals = festival_dates(year)
    if festivals is None:
        return MappingProxyType({})
    days: dict[date, list[str]] = {}

    def add(day: date, name: str):
        if name not in days.setdefault(day, []):
            days[day].append(name)

    add(date(year, 1, 1), "元旦")
    add(festivals.new_years_eve, "春节")
    for n in range(3):
        add(festivals.spring_festival + timedelta(days=n), "春节")
    add(festivals.qingming, "清明节")
    add(date(year, 5, 1), "劳动节")
    add(date(year, 5, 2), "劳动节")
    add(festivals.dragon_boat, "端午节")
    add(festivals.mid_autumn, "中秋节")
    for n in range(1, 4):
        add(date(year, 10, n), "国庆节")
    return MappingProxyType({day: "、".join(sorted(days[day], key=STATUTORY_FESTIVALS.index))
                             for day in sorted(days)})


def statutory_holidays(year: int) -> dict[date, str]:
    """The days off that 《全国年节及纪念日放假办法》 (2025 revision) fixes for `year`, with the festival's name.

    元旦 1 day (1月1日), 春节 4 days (农历除夕 and 正月初一至初三), 清明节 1 day, 劳动节 2 days (5月1日、2日),
    端午节 1 day (农历五月初五), 中秋节 1 day (农历八月十五), 国庆节 3 days (10月1日至3日). A day two festivals share
    (中秋节 on 10月1日至3日) is listed once with both names. Empty for a year the revision does not govern
    (before 2025) or past the lunar tables. The yearly 调休 (make-up working days, bridging days off) is not
    here: only the State Council's notice gives it.
    """
    return dict(statutory_days(year))


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
    statutory: bool = False   # a day off fixed by the 放假办法 (a year the library does not know)

    @property
    def working(self) -> bool:
        return self.kind.working


@dataclass(frozen=True)
class WorkCalendar:
    """The calendar as data. `library_*` come from chinesecalendar, the rest from the database.

    A year's days are decided, first rule that applies: an override; the library's day off or make-up day (a
    library year); a statutory holiday (any other year from 2025 on); Saturday and Sunday off, the rest worked.
    """

    library_years: frozenset[int] = frozenset()
    library_holidays: Mapping[date, str] = field(default_factory=dict)   # days off (incl. weekend ones)
    library_workdays: Mapping[date, str] = field(default_factory=dict)   # make-up working days
    overrides: Mapping[date, Override] = field(default_factory=dict)
    announced_years: frozenset[int] = frozenset()
    library_version: str = ""   # which library data (and statute) the built-in part comes from

    def source(self, year: int) -> YearSource:
        if year in self.library_years:
            return YearSource.LIBRARY
        if year in self.announced_years:
            return YearSource.ANNOUNCED
        if statutory_days(year):
            return YearSource.STATUTORY
        return YearSource.ESTIMATED

    def statutory(self, day: date) -> str | None:
        """The statutory holiday's name when the 放假办法 decides `day` (a year the library does not know)."""
        if day.year in self.library_years:
            return None
        return statutory_days(day.year).get(day)

    def is_estimated(self, day: date) -> bool:
        """Whether the answer for `day` may still change when the year's notice is published (not final)."""
        return not self.source(day.year).final

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
        else:
            name = self.statutory(day)
            if name is not None:
                return DayInfo(day, DayKind.HOLIDAY, name, source, False, statutory=True)
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
        elif day in statutory_days(day.year):
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
        """The years among `days` whose answers are not final (statutory holidays only, or weekends only)."""
        return tuple(sorted({d.year for d in days if self.is_estimated(d)}))

    def notes(self, *days: date) -> tuple[str, ...]:
        """For each not-final year among `days`, what is certain and what is not yet announced."""
        return tuple(self.source(year).note(year) for year in self.estimated_years(*days))


def calendar_version(calendar: WorkCalendar) -> str:
    """A short stable fingerprint of everything the calendar's answers depend on, for a stored deadline to record.

    The library data's version, the overrides' days and kinds (not their notes) and the announced years: equal
    fingerprints give equal answers for every date; any change of them gives another fingerprint.
    """
    digest = hashlib.sha256()
    digest.update(f"{calendar.library_version}|{STATUTE_FIRST_YEAR}-{STATUTE_LAST_YEAR}|".encode())
    digest.update(",".join(str(y) for y in sorted(calendar.library_years)).encode() + b"|")
    digest.update(";".join(f"{day.isoformat()}{'W' if o.working else 'O'}"
                           for day, o in sorted(calendar.overrides.items())).encode() + b"|")
    digest.update(",".join(str(y) for y in sorted(calendar.announced_years)).encode())
    return digest.hexdigest()[:12]


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
    estimated_years: tuple[int, ...]   # years whose answer is not final (statutory holidays or weekends only)
    sources: tuple[tuple[int, YearSource], ...]

    @property
    def estimated(self) -> bool:
        return bool(self.estimated_years)

    @property
    def statutory_years(self) -> tuple[int, ...]:
        """Years counted with their statutory holidays while their 调休 arrangement is not yet announced."""
        return tuple(year for year, source in self.sources if source is YearSource.STATUTORY)

    @property
    def notes(self) -> tuple[str, ...]:
        """What is certain and what is not yet announced, one sentence per not-final year."""
        return tuple(source.note(year) for year, source in self.sources if not source.final)

    def rule_text(self) -> str:
        """The rule, and for a not-final year which part was counted (stored with a request: ≤ 100 characters)."""
        counted = "含评标当日" if self.counts_evaluation_day else "不含评标当日"
        text = f"评标开始前 {self.lead_days} 个工作日（{counted}）"
        for year, source in self.sources:
            if source is YearSource.STATUTORY:
                text += f"；{year} 年已计入法定节假日，调休安排尚未公布"
            elif source is YearSource.ESTIMATED:
                text += f"；{year} 年按周末推算"
        return text

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
