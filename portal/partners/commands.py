"""`flask --app portal outbox run` (deliver the events due to partner systems) and `outbox status`."""
import click
from sqlalchemy import func, select

from ..extensions import db
from . import outbox
from .models import OutboxEvent


@click.group("outbox")
def outbox_group():
    """Events for partner systems' callbacks: deliver them (run every minute, on any number of hosts)."""


@outbox_group.command("run")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="try at most this many events")
def outbox_run(limit):
    """Deliver the due events, signed; failed ones wait and are tried again with growing delays."""
    outcome = outbox.run(limit)
    line = f"已送达 {outcome.delivered} 条通知"
    if outcome.failed:
        line += f"，{outcome.failed} 条未能送达（稍后重试），最近的错误：{outcome.errors[-1]}"
    click.echo(line + "。")


@outbox_group.command("status")
def outbox_status():
    """How many events wait, are being sent, were delivered, failed."""
    rows = db.session.execute(select(OutboxEvent.status, func.count(OutboxEvent.id)).group_by(OutboxEvent.status))
    counts = {status.label: n for status, n in rows}
    click.echo("；".join(f"{label} {n} 条" for label, n in counts.items()) or "没有通知。")
