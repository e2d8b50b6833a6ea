"""`flask --app portal mail send` (deliver the queue) and `mail digest` (bundle and deliver the daily digest)."""
import click

from . import smtp, worker


@click.group("mail")
def mail_group():
    """E-mail notices: deliver the outbox (run every minute or few, e.g. a systemd timer)."""


def _send(limit):
    try:
        outcome = worker.send_due(limit)
    except smtp.MailConfigError as error:
        raise click.ClickException(str(error)) from error
    line = f"已发送 {outcome.sent} 封邮件"
    if outcome.failed:
        line += f"，{outcome.failed} 封未能发送（稍后重试），最近的错误：{outcome.errors[-1]}"
    click.echo(line + "。")


@mail_group.command("send")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="try at most this many e-mails")
def mail_send(limit):
    """Send the queued e-mails that are due (failed ones wait and are tried again with growing delays)."""
    _send(limit)


@mail_group.command("digest")
@click.option("--include-today", is_flag=True, help="also bundle today's notices (default: the days before)")
def mail_digest(include_today):
    """Bundle each person's held notices into one daily digest e-mail and send the queue (run daily, e.g. 07:30)."""
    made = worker.digest(include_today)
    click.echo(f"已生成 {made} 封每日汇总邮件。")
    _send(None)
