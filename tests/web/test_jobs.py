"""Scheduled work (issue 26 item 3): `flask jobs run` on every host at once runs each job once per day; a lease
held elsewhere is respected, a lapsed one taken over, a failed run released, a run that lost its lease undone."""
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from portal import jobs
from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.models import Notification

DAY = date(2026, 12, 3)


def _reminders() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.text.contains("尚未报送")))


def test_the_command_runs_the_reminders_once_a_day_however_often_it_is_started(app, orgs, users):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["jobs", "run"])
    assert first.exit_code == 0, first.output
    assert "催报通知" in first.output
    sent = _reminders()
    assert sent >= 2        # the prefecture admins of 长春 and 吉林 (users fixture)
    again = runner.invoke(args=["jobs", "run", "remind-reports"])
    assert again.exit_code == 0 and "跳过" in again.output
    assert _reminders() == sent
    status = runner.invoke(args=["jobs", "status"])
    assert "最近完成" in status.output and "催报通知" in status.output


def test_a_new_day_runs_the_job_again(app, orgs, users):
    assert jobs.run_due(today=DAY)["remind-reports"] is not None
    assert jobs.run_due(today=DAY)["remind-reports"] is None
    assert jobs.run_due(today=DAY + timedelta(days=1))["remind-reports"] is not None


def test_a_running_lease_is_respected_and_a_lapsed_one_taken_over(app):
    assert jobs.claim("remind-reports", DAY.isoformat(), "host-a")
    assert not jobs.claim("remind-reports", DAY.isoformat(), "host-b")
    later = utcnow() + jobs.LEASE + timedelta(seconds=1)     # host-a died: its lease lapsed
    assert jobs.claim("remind-reports", DAY.isoformat(), "host-b", now=later)
    assert db.session.get(jobs.JobRun, "remind-reports").holder == "host-b"


def test_many_hosts_claiming_at_once_one_wins(app, database_url):
    wins, errors = [], []
    start = threading.Barrier(6)

    def host(n):
        with app.app_context():
            try:
                start.wait()
                if jobs.claim("remind-reports", DAY.isoformat(), f"host-{n}"):
                    wins.append(n)
            except Exception as error:          # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=host, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(wins) == 1


def test_a_failed_run_is_released_and_tried_again(app, orgs, users, monkeypatch):
    real = jobs.JOBS["remind-reports"]
    monkeypatch.setitem(jobs.JOBS, "remind-reports", jobs.Job(real.name, real.label, _failing(real.run)))
    with pytest.raises(RuntimeError):
        jobs.run_due(today=DAY)
    assert _reminders() == 0           # the reminders written before the failure are rolled back
    row = db.session.get(jobs.JobRun, "remind-reports")
    assert row.holder is None and row.done_period is None and "RuntimeError" in row.result
    monkeypatch.setitem(jobs.JOBS, "remind-reports", real)
    assert jobs.run_due(today=DAY)["remind-reports"] is not None and _reminders() > 0


def _failing(run):
    def job(today):
        run(today)
        raise RuntimeError("boom")
    return job


def test_a_run_that_outlived_its_lease_is_undone(app, orgs, users, monkeypatch):
    """Host A's run is slow; its lease lapses and host B takes the job over: A's changes must not commit."""
    real = jobs.JOBS["remind-reports"]

    def slow(today):
        # While A works (on SQLite, before A writes: one writer at a time), host B takes the job over.
        with db.engine.begin() as conn:
            conn.execute(update(jobs.JobRun).values(holder="host-b", lease_until=utcnow() + jobs.LEASE))
        return real.run(today)

    monkeypatch.setitem(jobs.JOBS, "remind-reports", jobs.Job(real.name, real.label, slow))
    with pytest.raises(jobs.LeaseLost):
        jobs.run_due(today=DAY)
    assert _reminders() == 0
    row = db.session.get(jobs.JobRun, "remind-reports")
    assert row.holder == "host-b" and row.done_period is None


def test_the_daily_digest_is_a_job_of_its_own(app, orgs, users):
    """`jobs run` bundles the e-mail digest once a day on whichever host gets there first (mail send sends it)."""
    assert "每日通知汇总邮件 0 封" in jobs.run_due(today=DAY)["mail-digest"]
    assert jobs.run_due(today=DAY)["mail-digest"] is None
