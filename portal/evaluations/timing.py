"""Pure time guards of the evaluation day (China time, Asia/Shanghai, whatever the server's zone).

- the draw (专家抽取) opens shortly before the evaluation: by default at 00:00 of the working day before the
  evaluation date, or a set number of hours before the scheduled start;
- sign-in, signatures and the end instruction happen on the evaluation day only (seed 004 三、6–7);
- an incident's time is never in the future;
- the winner (确定中标人) is recorded no earlier than the evaluation day plus the publicity period of the
  winning candidates (中标候选人公示不得少于 3 日, 招标投标法实施条例 第五十四条; a setting).

Each refusal says when the action becomes possible. Plain values in, messages out: no Flask, no database.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..clock import CHINA

DEFAULT_PUBLICITY_DAYS = 3


@dataclass(frozen=True)
class TimingSettings:
    """How early the draw opens, and the publicity period before the winner."""

    draw_open_working_days: int = 1        # 00:00 China time of this many working days before the date
    draw_open_hours: int | None = None     # when set: this many hours before the scheduled start instead
    publicity_days: int = DEFAULT_PUBLICITY_DAYS


def _clock(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def draw_opens_at(starts_at: datetime, opening_day: date, settings: TimingSettings) -> datetime:
    """When the draw opens: `draw_open_hours` before the start, else 00:00 China time of `opening_day` (the
    working day `draw_open_working_days` before the evaluation date, looked up by the caller's calendar)."""
    if settings.draw_open_hours is not None:
        return starts_at - timedelta(hours=settings.draw_open_hours)
    return datetime.combine(opening_day, time.min, tzinfo=CHINA)


def draw_problem(now: datetime, opens_at: datetime, evaluation_date: date) -> str | None:
    """Why experts cannot be drawn yet (None once the draw is open)."""
    if now >= opens_at:
        return None
    return (f"专家抽取自 {_clock(opens_at)} 起开放（评标日期 {evaluation_date:%Y-%m-%d}），现在还不能抽取；"
            "为防止名单提前泄露，请在开放后再抽取。")


def on_the_day_problem(what: str, now: datetime, evaluation_date: date) -> str | None:
    """Why `what` (签到, 登记签署, 下达评审结束指令) cannot happen now: only on the evaluation day, China time."""
    today = now.astimezone(CHINA).date()
    if today == evaluation_date:
        return None
    if today < evaluation_date:
        return f"{what}只能在评标当日（{evaluation_date:%Y-%m-%d}）进行，请于当日再操作。"
    return (f"评标日期（{evaluation_date:%Y-%m-%d}）已过，不能再{what}。"
            "评标改期的，请由主场通过场地变更调整评标日期。")


def incident_time_problem(occurred_at: datetime, now: datetime) -> str | None:
    """An incident is recorded after it happened: its time is never in the future."""
    if occurred_at <= now:
        return None
    return f"发生时间 {_clock(occurred_at)} 晚于现在（{_clock(now)}），请填写实际发生的时间。"


def earliest_winner_date(evaluation_date: date, publicity_days: int = DEFAULT_PUBLICITY_DAYS) -> date:
    """The first day the winner may be determined: the evaluation day plus the publicity period."""
    return evaluation_date + timedelta(days=publicity_days)


def winner_date_problem(day: date, evaluation_date: date, today: date,
                        publicity_days: int = DEFAULT_PUBLICITY_DAYS) -> str | None:
    """Why the winner cannot be recorded as determined on `day`."""
    earliest = earliest_winner_date(evaluation_date, publicity_days)
    if day > today:
        return "确定中标人的日期不能晚于今天。"
    if day < earliest:
        return (f"中标候选人公示期不得少于 {publicity_days} 日（招标投标法实施条例第五十四条）：评标日期为 "
                f"{evaluation_date:%Y-%m-%d}，最早可于 {earliest:%Y-%m-%d} 确定中标人。")
    return None
