"""Scheduled work, safe to start on every host at once: `flask --app portal jobs run` from cron or a systemd
timer (every few minutes on each host; a job does nothing until its period is due).

Each job runs at most once per period (a China day). Before running, a host claims the job's lease row with
one conditional UPDATE (the database's row lock decides between hosts, on PostgreSQL and SQLite alike); the
job's changes and the mark "done for this period" are committed in one transaction, and only while that host
still holds the lease. A host that dies mid-run leaves a lease that lapses after LEASE; a job that fails is
released at once and tried again at the next run. Timed publishing (定时发布) needs no job: a notice whose
`publish_at` has come is public from that moment, decided on each read. A queue (an outbox of e-mails or
of messages to partner systems) needs no lease: its workers take rows with `SELECT ... FOR UPDATE SKIP
LOCKED`, so hosts share the rows instead of taking turns; its daily part (a digest) belongs here as a job.
"""
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import DateTime, String, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from .clock import china_today, local_midnight_utc
from .extensions import db
from .mail import services as mail_services
from .models_base import utcnow
from .reports import rules as report_rules
from .reports import table as report_table

LEASE = timedelta(minutes=15)


class JobRun(db.Model):
    """The lease and the last finished period of one scheduled job (one row per job, made at its first run)."""

    __tablename__ = "job_runs"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    done_period: Mapped[str | None] = mapped_column(String(20))
    holder: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(String(300))


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    run: Callable[[date], str]          # does the work through db.session (no commit); returns a summary


def _remind_reports(today: date) -> str:
    month = report_rules.reporting_month(today)
    if not report_rules.may_file(month, today):     # never the case for last month; kept as the command's rule
        return "无需催报"
    sent = report_table.remind(month, today)
    return f"{report_rules.month_label(month)}月调度情况表：催报通知 {sent} 条"


def _mail_digest(today: date) -> str:
    """Bundle each person's held notices of the days before `today` into one e-mail (sent by `mail send`)."""
    made = mail_services.bundle_digests(local_midnight_utc(today))
    return f"每日通知汇总邮件 {made} 封（由 mail send 发出）"


JOBS = {job.name: job for job in (
    Job("remind-reports", "催报未报送的月调度情况表（每日一次）", _remind_reports),
    Job("mail-digest", "生成每日通知汇总邮件（每日一次）", _mail_digest),
)}


def holder_name() -> str:
    """Who holds a lease: host, process and a random part (two runs of one process are two holders)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(name: str, period: str, holder: str, now: datetime | None = None) -> bool:
    """Take the job's lease for `period` unless it is done for it or another holder's lease is running.

    Its own short transaction on a connection of its own, committed before the work starts.
    """
    now = now or utcnow()
    with db.engine.begin() as conn:
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(insert(JobRun).values(name=name).on_conflict_do_nothing(index_elements=["name"]))
        taken = conn.execute(
            update(JobRun)
            .where(JobRun.name == name,
                   or_(JobRun.done_period.is_(None), JobRun.done_period != period),
                   or_(JobRun.lease_until.is_(None), JobRun.lease_until < now))
            .values(holder=holder, lease_until=now + LEASE, started_at=now))
        return taken.rowcount == 1


def release(name: str, holder: str, result: str) -> None:
    """Give a failed run's lease back at once (the period stays not done)."""
    with db.engine.begin() as conn:
        conn.execute(update(JobRun).where(JobRun.name == name, JobRun.holder == holder)
                     .values(holder=None, lease_until=None, finished_at=utcnow(), result=result[:300]))


class LeaseLost(Exception):
    """The run outlived its lease and another host took the job: this run's changes are rolled back."""


def run_job(job: Job, today: date, holder: str) -> str | None:
    """Run `job` for the day `today` if this host wins its lease; returns its summary, None when skipped."""
    period = today.isoformat()
    if not claim(job.name, period, holder):
        return None
    try:
        summary = job.run(today)
        done = db.session.execute(
            update(JobRun).where(JobRun.name == job.name, JobRun.holder == holder)
            .values(done_period=period, holder=None, lease_until=None, finished_at=utcnow(), result=summary[:300]))
        if done.rowcount != 1:
            raise LeaseLost(job.name)
        db.session.commit()
    except BaseException as error:
        db.session.rollback()
        if not isinstance(error, LeaseLost):
            release(job.name, holder, f"失败：{error.__class__.__name__}")
        raise
    return summary


def run_due(names=None, today: date | None = None) -> dict[str, str | None]:
    """Every due job (or the named ones), each under its own lease; {name: summary or None if skipped}."""
    today = today or china_today()
    holder = holder_name()
    return {name: run_job(JOBS[name], today, holder) for name in (names or JOBS)}


def status() -> list[JobRun | None]:
    rows = {row.name: row for row in db.session.scalars(select(JobRun))}
    return [rows.get(name) for name in JOBS]
