"""The working-day calendar as the rest of the portal asks it: one load per request, audited changes.

Every change of the calendar (an override added or removed, a year announced or withdrawn, a pasted notice
saved) sends `calendar_changed` inside the change's transaction, after the change is flushed and audited and
before the view commits, with the dates whose answers may have moved. Higher features (bookings,
evaluations) subscribe to recompute what they stored; this package imports none of them.
"""
from datetime import date
from importlib.metadata import version as package_version

import chinese_calendar
from blinker import Namespace
from flask import current_app, g, has_app_context
from sqlalchemy import Boolean, Date, Integer, String, extract, literal, select, union_all

from .. import dataversions
from ..audit.services import current_actor_id, record
from ..errors import ChangeRefused, flush_or_refuse
from ..extensions import db
from .models import AnnouncedYear, CalendarOverride, DeadlineSetting
from .notice import ParsedNotice
from .rules import Deadline, Override, WorkCalendar, calendar_version, filing_deadline

calendar_signals = Namespace()
# Sent as calendar_changed.send(app, first=date, last=date, reason=str, version=str): the answers of the dates
# first..last (inclusive) may have changed; `version` is calendar_version() of the calendar after the change.
# A change of the deadline setting (lead days, whether the evaluation day counts) is sent too, for all dates.
calendar_changed = calendar_signals.signal("calendar-changed")


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
LIBRARY_VERSION = f"chinesecalendar {package_version('chinesecalendar')}; holidays {package_version('holidays')}"


def build_calendar(overrides=(), announced_years=()) -> WorkCalendar:
    """A calendar from the library plus the given overrides and announced years."""
    return WorkCalendar(
        library_years=LIBRARY_YEARS,
        library_holidays=LIBRARY_HOLIDAYS,
        library_workdays=LIBRARY_WORKDAYS,
        overrides={o.day: o for o in overrides},
        announced_years=frozenset(announced_years),
        library_version=LIBRARY_VERSION,
    )


def load_calendar() -> WorkCalendar:
    """The calendar with the database's overrides and announced years: one query when they changed, otherwise
    the calendar this process built last (portal.dataversions; WorkCalendar is frozen)."""
    cached = g.get("work_calendar") if has_app_context() else None
    if cached is not None:
        return cached
    calendar = dataversions.kept("calendar", ("calendar_overrides", "calendar_announced_years"), LIBRARY_VERSION,
                                 _read_calendar)
    if has_app_context():
        g.work_calendar = calendar
    return calendar


def _read_calendar() -> WorkCalendar:
    rows = db.session.execute(union_all(
        select(CalendarOverride.day, CalendarOverride.working, CalendarOverride.notice, CalendarOverride.note,
               literal(None, Integer).label("year")),
        select(literal(None, Date), literal(None, Boolean), literal(None, String), literal(None, String),
               AnnouncedYear.year))).all()
    return build_calendar([Override(day, working, notice, note or "")
                           for day, working, notice, note, year in rows if year is None],
                          [year for *_, year in rows if year is not None])


def _forget_calendar():
    g.pop("work_calendar", None)


def current_version() -> str:
    """The fingerprint of the calendar now in force (what a stored deadline records)."""
    return calendar_version(load_calendar())


def _changed(first: date, last: date, reason: str) -> None:
    """Tell subscribers, inside the transaction, which dates' answers may have moved."""
    db.session.flush()
    _forget_calendar()
    sender = current_app._get_current_object() if has_app_context() else None
    calendar_changed.send(sender, first=first, last=last, reason=reason, version=current_version())


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
    lead, count_day = (setting.lead_working_days, setting.count_evaluation_day) if setting else _deadline_rule()
    return filing_deadline(load_calendar(), evaluation_date, lead, count_day)


def _deadline_rule() -> tuple[int, bool]:
    """(lead working days, whether the evaluation day counts): the setting's two numbers, kept while it is
    unchanged (portal.dataversions)."""
    def read():
        setting = deadline_setting()
        return setting.lead_working_days, setting.count_evaluation_day
    return dataversions.kept("deadline_rule", ("deadline_settings",), None, read)


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
    _changed(day, day, "override_added")
    return override


def remove_override(override: CalendarOverride) -> None:
    day = override.day
    record("delete", "calendar_override", override,
           before={"day": override.day.isoformat(), "working": override.working, "notice": override.notice,
                   "note": override.note or ""})
    db.session.delete(override)
    _changed(day, day, "override_removed")


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
    _changed(date(year, 1, 1), date(year, 12, 31), "year_announced")
    return announced


def withdraw_announcement(announced: AnnouncedYear) -> None:
    year = announced.year
    record("delete", "announced_year", announced, before={"year": announced.year, "notice": announced.notice})
    db.session.delete(announced)
    _changed(date(year, 1, 1), date(year, 12, 31), "year_withdrawn")


def notice_refusal(parsed: ParsedNotice, shown_year: int) -> str | None:
    """Why a parsed notice cannot be entered for the year shown, beyond its own problems, or None."""
    if parsed.year is None:
        return None
    if parsed.year != shown_year:
        return f"粘贴的是 {parsed.year} 年的通知，当前录入的是 {shown_year} 年：请核对后粘贴 {shown_year} 年的通知。"
    if parsed.year in LIBRARY_YEARS:
        return f"{parsed.year} 年的节假日安排已内置，无需录入。"
    if db.session.get(AnnouncedYear, parsed.year) is not None:
        return f"{parsed.year} 年已标记为按通知录入完毕；如需重新录入，请先撤销标记并删除原有调整。"
    clashes = []
    existing = {o.day: o for o in db.session.scalars(
        select(CalendarOverride).where(extract("year", CalendarOverride.day) == parsed.year))}
    wanted = {**{d: False for d in parsed.days_off}, **{d: True for d in parsed.working_days}}
    for day, override in sorted(existing.items()):
        if day in wanted and wanted[day] != override.working:
            clashes.append(f"{day:%Y-%m-%d}（已录入为{'上班' if override.working else '放假'}）")
    if clashes:
        return "以下日期已有与通知不同的调整，请先删除后再录入：" + "、".join(clashes) + "。"
    return None


def save_notice(parsed: ParsedNotice, shown_year: int) -> AnnouncedYear:
    """Enter a year from its pasted notice: each day off and make-up day as an override, the year announced.

    One transaction (the view commits): the overrides, the announced year, their audit entries and one
    `calendar_changed` for the notice's dates. A day the admin already entered the same way is kept as it is.
    """
    if not parsed.ok:
        raise CalendarError("通知中有无法识别的内容，未保存。", "text")
    refusal = notice_refusal(parsed, shown_year)
    if refusal:
        raise CalendarError(refusal, "text")
    reference = parsed.reference
    existing = set(db.session.scalars(select(CalendarOverride.day).where(
        extract("year", CalendarOverride.day) == parsed.year)))
    actor = current_actor_id()
    added = 0
    for day, working, name in sorted([(d, False, n) for d, n in parsed.days_off.items()] +
                                     [(d, True, n) for d, n in parsed.working_days.items()]):
        if day in existing:
            continue
        override = CalendarOverride(day=day, working=working, notice=reference, note=name[:100],
                                    created_by_id=actor)
        db.session.add(override)
        flush_or_refuse(f"{day:%Y-%m-%d} 刚被他人录入，请刷新页面后重试。", "text", CalendarError)
        record("create", "calendar_override", override,
               after={"day": day.isoformat(), "working": working, "notice": reference, "note": name},
               summary="依据粘贴的通知录入")
        added += 1
    announced = AnnouncedYear(year=parsed.year, notice=reference, created_by_id=actor)
    db.session.add(announced)
    flush_or_refuse(f"{parsed.year} 年已标记为按通知录入完毕。", "text", CalendarError)
    record("create", "announced_year", announced,
           after={"year": parsed.year, "notice": reference, "days_off": len(parsed.days_off),
                  "working_days": len(parsed.working_days), "overrides_added": added},
           summary=f"粘贴通知录入：放假 {len(parsed.days_off)} 天，调休上班 {len(parsed.working_days)} 天")
    days = sorted({*parsed.days_off, *parsed.working_days, date(parsed.year, 1, 1), date(parsed.year, 12, 31)})
    _changed(days[0], days[-1], "notice_saved")
    return announced


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
    if before != {"lead_working_days": lead_working_days, "count_evaluation_day": count_evaluation_day}:
        # Every filing deadline may move: subscribers recompute what they stored, as for a calendar change.
        _changed(date(2000, 1, 1), date(2099, 12, 31), "setting_changed")
    return setting


