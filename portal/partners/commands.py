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


@click.group("partners")
def partners_group():
    """Partner systems of the API (the page /partners/systems does the same)."""


@partners_group.command("add-system")
@click.argument("name")
@click.option("--center", "centers", multiple=True, required=True,
              help="a partner center (of another province) the system speaks for, by name; repeatable")
@click.option("--callback", default="", help="the system's callback URL (http or https)")
@click.option("--days", type=click.IntRange(1, 1096), default=365, help="the key's validity in days")
def add_system(name, centers, callback, days):
    """Register a partner system and issue its first API key (printed once)."""
    from datetime import timedelta

    from ..clock import china_today
    from ..orgs.models import TradingCenter
    from . import systems

    found = {c.name: c for c in db.session.scalars(select(TradingCenter).where(TradingCenter.name.in_(centers)))}
    missing = [c for c in centers if c not in found]
    if missing:
        raise click.ClickException(f"交易中心不存在：{'、'.join(missing)}")
    try:
        system = systems.save_system(None, {"name": name, "center_ids": [c.id for c in found.values()],
                                            "callback_url": callback})
        issued = systems.issue_key(system, china_today() + timedelta(days=days))
    except systems.SystemRefused as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"已登记合作方系统“{name}”（代表 {'、'.join(f'{c.name}（编码 {c.id}）' for c in found.values())}）。")
    click.echo(f"KEY_ID={issued.key.key_id}")
    click.echo(f"SECRET={issued.secret}")
    click.echo("签名密钥只显示这一次，请妥善交给对方系统的管理员。")


@partners_group.command("centers")
def list_centers():
    """The centers' codes in the API (centerCode, mainCenterCode)."""
    from ..orgs.models import Province, TradingCenter

    for code, name, province in db.session.execute(
            select(TradingCenter.id, TradingCenter.name, Province.name)
            .join(Province, TradingCenter.province_id == Province.id).order_by(Province.sort_order, TradingCenter.id)):
        click.echo(f"{code}\t{province}\t{name}")
