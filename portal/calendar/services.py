"""The working-day calendar as the rest of the portal asks it: one load per request, audited changes."""
from datetime import date

import chinese_calendar
from flask import g, has_app_context
from sqlalchemy import Boolean, Date, Integer, String, literal, select, union_all

from ..audit.services import current_actor_id, record
from ..errors import ChangeRefused, flush_or_refuse
from ..extensions import db
from .models import AnnouncedYear, CalendarOverride, DeadlineSetting
from .rules import Deadline, Override, WorkCalendar, filing_deadline


class CalendarError(ChangeRefused):
    pass


def _library_years() -> frozenset[int]:
    years = set()
    for year in range(2000, 2100):
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            continue
        years.add(year)
    return frozenset(years)


LIBRARY_YEARS = _library_years()
LIBRARY_HOLIDAYS = dict(chinese_calendar.holidays)
LIBRARY_WORKDAYS = dict(chinese_calendar.workdays)


def build_calendar(overrides=(), announced_years=()) -> WorkCalendar:
    """A calendar from the library plus the given overrides and announced years."""
    return WorkCalendar(
        library_years=LIBRARY_YEARS,
        library_holidays=LIBRARY_HOLIDAYS,
        library_workdays=LIBRARY_WORKDAYS,
        overrides={o.day: o for o in overrides},
        announced_years=frozenset(announced_years),
    )


def load_calendar() -> WorkCalendar:
    """The calendar with the database's overrides and announced years; loaded once per request (one query)."""
    cached = g.get("work_calendar") if has_app_context() else None
    if cached is not None:
        return cached
    rows = db.session.execute(union_all(
        select(CalendarOverride.day, CalendarOverride.working, CalendarOverride.notice, CalendarOverride.note,
               literal(None, Integer).label("year")),
        select(literal(None, Date), literal(None, Boolean), literal(None, String), literal(None, String),
               AnnouncedYear.year))).all()
    calendar = build_calendar([Override(day, working, notice, note or "")
                               for day, working, notice, note, year in rows if year is None],
                              [year for *_, year in rows if year is not None])
    if has_app_context():
        g.work_calendar = calendar
    return calendar


def _forget_calendar():
    g.pop("work_calendar", None)


def deadline_setting() -> DeadlineSetting:
    """The setting row, or the default (3 working days, evaluation day not counted); once per request."""
    cached = g.get("deadline_setting") if has_app_context() else None
    if cached is not None:
        return cached
    setting = db.session.get(DeadlineSetting, 1) or DeadlineSetting(id=1, lead_working_days=3,
                                                                    count_evaluation_day=False)
    if has_app_context():
        g.deadline_setting = setting
    return setting


def deadline_for(evaluation_date: date, setting: DeadlineSetting | None = None) -> Deadline:
    setting = setting or deadline_setting()
    return filing_deadline(load_calendar(), evaluation_date, setting.lead_working_days,
                           setting.count_evaluation_day)


def add_override(day: date, working: bool, notice: str, note: str | None) -> CalendarOverride:
    if not 2000 <= day.year <= 2099:
        raise CalendarError("日期应在 2000 年至 2099 年之间。", "day")
    if db.session.scalar(select(CalendarOverride.id).where(CalendarOverride.day == day)) is not None:
        raise CalendarError(f"{day:%Y-%m-%d} 已有调整记录，如需更改请先删除原记录。", "day")
    override = CalendarOverride(day=day, working=working, notice=notice, note=note or None,
                                created_by_id=current_actor_id())
    db.session.add(override)
    flush_or_refuse(f"{day:%Y-%m-%d} 已有调整记录，如需更改请先删除原记录。", "day", CalendarError)
    record("create", "calendar_override", override,
           after={"day": day.isoformat(), "working": working, "notice": notice, "note": note or ""})
    _forget_calendar()
    return override


def remove_override(override: CalendarOverride) -> None:
    record("delete", "calendar_override", override,
           before={"day": override.day.isoformat(), "working": override.working, "notice": override.notice,
                   "note": override.note or ""})
    db.session.delete(override)
    _forget_calendar()


def announce_year(year: int, notice: str) -> AnnouncedYear:
    if year in LIBRARY_YEARS:
        raise CalendarError(f"{year} 年的节假日安排已内置，无需标记。", "year")
    if not 2000 <= year <= 2099:
        raise CalendarError("年份应在 2000 年至 2099 年之间。", "year")
    if db.session.get(AnnouncedYear, year) is not None:
        raise CalendarError(f"{year} 年已标记为按通知录入完毕。", "year")
    announced = AnnouncedYear(year=year, notice=notice, created_by_id=current_actor_id())
    db.session.add(announced)
    flush_or_refuse(f"{year} 年已标记为按通知录入完毕。", "year", CalendarError)
    record("create", "announced_year", announced, after={"year": year, "notice": notice})
    _forget_calendar()
    return announced


def withdraw_announcement(announced: AnnouncedYear) -> None:
    record("delete", "announced_year", announced, before={"year": announced.year, "notice": announced.notice})
    db.session.delete(announced)
    _forget_calendar()


def save_setting(lead_working_days: int, count_evaluation_day: bool) -> DeadlineSetting:
    setting = db.session.get(DeadlineSetting, 1)
    before = None
    if setting is None:
        setting = DeadlineSetting(id=1)
        db.session.add(setting)
    else:
        before = {"lead_working_days": setting.lead_working_days,
                  "count_evaluation_day": setting.count_evaluation_day}
    setting.lead_working_days = lead_working_days
    setting.count_evaluation_day = count_evaluation_day
    setting.updated_by_id = current_actor_id()
    flush_or_refuse("设置刚被他人修改，请刷新页面后重试。", None, CalendarError)
    g.pop("deadline_setting", None)
    record("update", "deadline_setting", setting, before=before,
           after={"lead_working_days": lead_working_days, "count_evaluation_day": count_evaluation_day})
    return setting


