"""Flask commands: seed-demo, create-admin, remind-reports, backup, restore, audit verify, mail send|digest,
jobs run, keys check|rotate|generate, users reset-2fa, outbox run|status, partners add-system|centers."""
import json
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

from . import backup, fieldcrypt, fieldkeys, jobs
from .audit import services as audit
from .audit.services import chain_anchor, check_anchor, verify_chain
from .auth.models import Role, User
from .auth.passwords import hash_password
from .auth.permissions import permission_table_markdown
from .auth import thresholds
from .auth.rules import password_problems
from .auth.twofactor import turn_off as two_factor_off
from .clock import china_today
from .demo import load_demo
from .extensions import db
from .mail.commands import mail_group
from .models_base import utcnow
from .partners.commands import outbox_group, partners_group
from .reports import rules as report_rules
from .reports import table as report_table


@click.command("seed-demo")
def seed_demo():
    """Load the demo data (idempotent: a second run adds nothing)."""
    added = load_demo()
    db.session.commit()
    summary = "，".join(f"{k} {v}" for k, v in added.items())
    click.echo(f"演示数据已就绪（本次新增：{summary}）。演示账号密码：demo-pass-2026")


ADMIN_ROLES = {"system": Role.SYSTEM_ADMIN, "security": Role.SECURITY_ADMIN, "audit": Role.AUDIT_ADMIN,
               "province": Role.PROVINCE_ADMIN}


@click.command("create-admin")
@click.argument("username")
@click.option("--role", "role_name", type=click.Choice(list(ADMIN_ROLES)), default="system", show_default=True,
              help="system (系统管理员: accounts), security (安全管理员: security settings), audit (审计管理员: the "
                   "audit log), or province (省级管理员: business administration)")
@click.option("--name", default=None, help="display name (default: the role's name)")
@click.password_option(prompt="密码")
def create_admin(username, role_name, name, password):
    """Create an administration account (三员分立: run once per role; one account holds one role only). The
    system, security and audit admins enrol two factors at their first login."""
    role = ADMIN_ROLES[role_name]
    problems = password_problems(password, username, thresholds.current().min_password_length)
    if problems:
        raise click.ClickException(" ".join(problems))
    if db.session.scalars(select(User.id).where(func.lower(User.username) == username.lower())).first():
        raise click.ClickException(f"用户名 {username} 已存在（一个账号只能担任一个角色）。")
    user = User(username=username, display_name=name or role.label, role=role,
                password_hash=hash_password(password), active=True, password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    audit.record("create", "user", user, summary=f"命令行创建{role.label}账号", username="系统")
    db.session.commit()
    click.echo(f"已创建{role.label} {username}。")
    current_app.logger.info("created %s %s", role.value, username)


@click.command("remind-reports")
@click.option("--month", default="", help="YYYY-MM; default: last month")
def remind_reports(month):
    """Notify the regions that have not submitted the monthly report (run daily from the 1st, e.g. cron)."""
    today = china_today()
    wanted = report_rules.parse_month(month) if month else report_rules.reporting_month(today)
    if wanted is None:
        raise click.ClickException("月份格式应为 YYYY-MM。")
    if not report_rules.may_file(wanted, today):
        raise click.ClickException(f"{report_rules.month_label(wanted)}尚未结束，不能催报。")
    sent = report_table.remind(wanted, today)
    db.session.commit()
    click.echo(f"{report_rules.month_label(wanted)}月调度情况表：已发送催报通知 {sent} 条。")


@click.command("backup")
@click.argument("target", required=False, type=click.Path(path_type=Path))
def backup_command(target):
    """Back up the database and the uploaded files into a new folder (default instance/backups/<time>)."""
    target = target or Path(current_app.instance_path) / "backups" / datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        manifest = backup.backup(current_app, target)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    sizes = "，".join(f"{name} {facts['bytes']:,} 字节" for name, facts in manifest["files"].items())
    click.echo(f"已备份到 {target}（{sizes}；数据库结构版本 {manifest['revision']}）。")


@click.command("restore")
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def restore_command(source, yes):
    """Replace the database and the uploaded files with a backup folder's (stop the portal first)."""
    if not yes:
        click.confirm(f"将用 {source} 中的备份替换当前数据库和上传文件，当前数据将丢失。继续吗？", abort=True)
    try:
        manifest = backup.restore(current_app, source)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"已从 {source} 恢复（备份时间 {manifest['created_at']}，数据库结构版本 {manifest['revision']}）。"
               "如程序版本更新，请再运行 flask --app portal db upgrade。")

@click.group("audit")
def audit_group():
    """The audit log."""


@audit_group.command("verify")
@click.option("--anchor", "anchors", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="an anchor file written by `audit anchor` (may be given several times)")
def audit_verify(anchors):
    """Re-hash the whole audit log in order; exit 1 at the first entry edited, removed or inserted, or when
    the log no longer holds an anchored entry with its hash."""
    read, problem = verify_chain()
    if problem is not None:
        entry_id, what = problem
        where = f"第 {entry_id} 号记录" if entry_id is not None else "日志开头"
        raise click.ClickException(f"审计日志被改动：{where}{what}（已核对 {read} 条）。")
    for path in anchors:
        try:
            anchor = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError):
            what = "锚点文件不是 JSON"
        else:
            what = check_anchor(anchor if isinstance(anchor, dict) else {})
        if what:
            raise click.ClickException(f"审计日志与锚点 {path} 不符：{what}。")
    checked = f"，与 {len(anchors)} 个锚点相符" if anchors else ""
    click.echo(f"审计日志完整：{read} 条记录，哈希链首尾相接{checked}，未发现修改、删除或插入。")

@audit_group.command("anchor")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False),
              help="also write the anchor to this file")
def audit_anchor(output):
    """Print the chain's head (length, last hash, time) as JSON, to keep where the database's owner cannot
    change it; `audit verify --anchor FILE` checks the log against it later."""
    text = json.dumps(chain_anchor(), ensure_ascii=False)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    click.echo(text)


@click.group("jobs")
def jobs_group():
    """Scheduled work (portal.jobs): run it from cron or a systemd timer on every host."""


@jobs_group.command("run")
@click.argument("names", nargs=-1, type=click.Choice(sorted(jobs.JOBS)))
def jobs_run(names):
    """Run every due job (or the named ones) that no other host is running or has run this period."""
    for name, summary in jobs.run_due(names or None).items():
        click.echo(f"{name}：{summary}" if summary is not None else f"{name}：本期已完成或正由其他主机运行，跳过。")


@jobs_group.command("status")
def jobs_status():
    """Each job's last finished period, its lease and its last result."""
    for name, row in zip(jobs.JOBS, jobs.status(), strict=True):
        if row is None:
            click.echo(f"{name}：尚未运行。")
            continue
        lease = f"，运行中（{row.holder}，租约至 {row.lease_until:%Y-%m-%d %H:%M} UTC）" if row.holder else ""
        click.echo(f"{name}：最近完成 {row.done_period or '无'}{lease}；结果：{row.result or '无'}")


@click.command("permissions")
def permissions_command():
    """Print the permission table (role x action -> scope) as Markdown, as the README shows it."""
    click.echo(permission_table_markdown())


@click.group("keys")
def keys_group():
    """The field encryption keys (portal/fieldcrypt.py; README "Field encryption")."""


@keys_group.command("check")
def keys_check():
    """How many stored values of each encrypted column use which key id; exit 1 when some use a key id that
    FIELD_KEYS no longer holds (they cannot be read)."""
    crypt = fieldcrypt.cipher()
    configured = [key_id for key_id, _ in crypt.ring]
    click.echo(f"当前密钥：{crypt.current_id}；已配置：{'、'.join(configured)}"
               f"（来源：{current_app.config.get('FIELD_KEYS_SOURCE')}）")
    unreadable = 0
    used = set()
    usages = fieldkeys.usage()
    for column in usages:
        parts = []
        for key_id, n in sorted(column.by_key.items(), key=lambda item: (item[0] != crypt.current_id, str(item[0]))):
            used.add(key_id)
            if key_id is None:
                what = "非密文"
            elif key_id not in configured:
                what = f"{key_id}（未配置）"
            else:
                what = f"{key_id}{'（当前）' if key_id == crypt.current_id else ''}"
            if key_id is None or key_id not in configured:
                unreadable += n
            parts.append(f"{what} {n} 行")
        click.echo(f"{column.purpose}：{'，'.join(parts) or '无数据'}")
    idle = [key_id for key_id in configured[1:] if key_id not in used]
    if idle:
        click.echo(f"已不再使用的旧密钥：{'、'.join(idle)}（可从 FIELD_KEYS 中移除）")
    if unreadable:
        raise click.ClickException(f"{unreadable} 个字段值无法解密（密钥未配置或不是密文）。")
    stale = sum(n for column in usages for key_id, n in column.by_key.items() if key_id != crypt.current_id)
    if stale:
        click.echo(f"{stale} 个字段值仍使用旧密钥：运行 flask --app portal keys rotate。")


@keys_group.command("rotate")
@click.option("--batch", "batch_size", default=500, show_default=True, type=click.IntRange(1, 100000),
              help="rows per transaction")
def keys_rotate(batch_size):
    """Re-encrypt every encrypted value with the current (first) key of FIELD_KEYS and recompute the blind
    indexes, in batches; idempotent and audited."""
    try:
        changed = fieldkeys.rotate(batch_size)
    except fieldkeys.RotationError as error:
        raise click.ClickException(f"轮换中止（已完成的批次已保存，修正后可再次运行）：{error}") from error
    for purpose, n in changed.items():
        click.echo(f"{purpose}：重新加密或更新索引 {n} 行")
    click.echo(f"完成：所有字段值均使用密钥 {fieldcrypt.cipher().current_id}。")


@keys_group.command("generate")
@click.argument("key_id")
def keys_generate(key_id):
    """Print a new random key as "KEY_ID:base64" for FIELD_KEYS (or its base64 alone for BLIND_INDEX_KEY)."""
    if not fieldcrypt.KEY_ID.fullmatch(key_id):
        raise click.ClickException("密钥编号为 1-16 个字母、数字、- 或 _。")
    click.echo(f"{key_id}:{fieldcrypt.new_key()}")


@click.group("users")
def users_group():
    """Accounts, for the system administrator at the server."""


@users_group.command("reset-2fa")
@click.argument("username")
def users_reset_two_factor(username):
    """Turn off an account's two factors (its TOTP secret and recovery codes are removed; audited), e.g. for a
    system admin who lost the phone: the next login asks to enrol again where the role requires it."""
    user = db.session.scalars(select(User).where(func.lower(User.username) == username.lower())).first()
    if user is None:
        raise click.ClickException(f"用户名 {username} 不存在。")
    if user.totp_enabled_at is None and user.totp_secret is None:
        raise click.ClickException(f"{user} 未启用双因素认证。")
    two_factor_off(user, by_admin=True)
    db.session.commit()
    click.echo(f"已重置 {user} 的双因素认证（恢复码已作废）。")


COMMANDS = (seed_demo, create_admin, remind_reports, backup_command, restore_command, audit_group,
            jobs_group, permissions_command, mail_group, keys_group, users_group, outbox_group,
            partners_group)


def init_app(app):
    """Register the portal's commands with `flask --app portal ...`."""
    for command in COMMANDS:
        app.cli.add_command(command)
