"""E-mail notices: a person's choices (audited), queuing in the notification's transaction, the daily digest
and claiming due rows for a worker. They flush, never commit (portal/mail/worker.py commits per delivery)."""
import secrets
from collections import defaultdict
from datetime import datetime

from flask import current_app, has_request_context, render_template, request
from sqlalchemy import and_, or_, select, update

from ..audit import services as audit
from ..auth.models import User
from ..clock import to_china
from ..extensions import db
from ..models_base import utcnow
from . import rules
from .models import MailAddress, MailChoice, MailMessage
from .rules import Mode, Status


def enabled() -> bool:
    """E-mail is on once an SMTP host is configured (none by default: in-app notifications only)."""
    return bool(current_app.config.get("MAIL_SMTP_HOST"))


def hosts_restricted(config) -> bool:
    """The app answers only listed host names (TRUSTED_HOSTS or SERVER_NAME; portal/security.py refuses others)."""
    return bool(config.get("TRUSTED_HOSTS") or config.get("SERVER_NAME"))


def base_url() -> str:
    """Where links in e-mails point: MAIL_BASE_URL; else the address the causing request came to, but only when
    the app refuses unknown hosts (a forged Host header must not put its own address into other people's mail);
    else nothing (the link is a path)."""
    configured = current_app.config.get("MAIL_BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context() and hosts_restricted(current_app.config):
        return request.url_root.rstrip("/")
    return ""


def choices_of(user_id: int) -> dict[str, Mode]:
    """The person's mode for every kind (the kind's default where they chose nothing)."""
    chosen = {c.kind: c.mode for c in db.session.scalars(select(MailChoice).where(MailChoice.user_id == user_id))}
    return {kind: chosen.get(kind, default) for kind, (_, _, default) in rules.KINDS.items()}


def address_of(user_id: int) -> str:
    return db.session.scalar(select(MailAddress.address).where(MailAddress.user_id == user_id)) or ""


def save_preferences(user: User, address: str, modes: dict[str, Mode]) -> bool:
    """Store the person's address (empty: none) and modes; audited when anything changed. True if changed."""
    before = {"address": address_of(user.id), **{k: m.value for k, m in choices_of(user.id).items()}}
    stored = db.session.get(MailAddress, user.id)
    if address and stored is None:
        db.session.add(MailAddress(user_id=user.id, address=address))
    elif address:
        stored.address = address
    elif stored is not None:
        db.session.delete(stored)
    existing = {c.kind: c for c in db.session.scalars(select(MailChoice).where(MailChoice.user_id == user.id))}
    for kind, mode in modes.items():
        if kind not in rules.KINDS:
            continue
        if kind in existing:
            existing[kind].mode = mode
        else:
            db.session.add(MailChoice(user_id=user.id, kind=kind, mode=mode))
    db.session.flush()
    after = {"address": address, **{k: m.value for k, m in choices_of(user.id).items()}}
    if after == before:
        return False
    audit.record("update", "mail_preferences", user, label=f"{user}的邮件提醒设置", before=before, after=after,
                 summary="修改邮件提醒设置")
    return True


def queue_test_message(user: User) -> str | None:
    """Queue a test e-mail to the person's saved address (sent by the next `mail send`); why not, or None."""
    if not enabled():
        return "本门户尚未配置邮件服务器，不能发送测试邮件。"
    address = address_of(user.id)
    if not address:
        return "请先填写并保存接收邮箱。"
    now = utcnow()
    link = base_url() + "/mail/preferences"
    db.session.add(MailMessage(
        user_id=user.id, address=address, kind="other", status=Status.QUEUED, created_at=now, next_attempt_at=now,
        subject="【远程异地评标】测试邮件", link=link[:300],
        body=render_template("mail/notice.txt", text=f"这是发给 {address} 的测试邮件：收到即说明邮件提醒可以送达。",
                             url=link, kind_label="测试", when=to_china(now))))
    db.session.flush()
    return None


def recent_messages(user_id: int, limit: int = 10) -> list[MailMessage]:
    """The person's latest e-mails (sent, waiting or failed), newest first, for the preferences page."""
    return list(db.session.scalars(
        select(MailMessage).where(MailMessage.user_id == user_id,
                                  MailMessage.status.in_([Status.QUEUED, Status.SENDING, Status.SENT, Status.FAILED]))
        .order_by(MailMessage.created_at.desc(), MailMessage.id.desc()).limit(limit)))


def enqueue(sender, *, user_ids: list[int], text: str, link: str, kind: str | None = None, **_) -> int:
    """The `notified` receiver: queue an e-mail (or hold a digest line) for each recipient who asked for one.

    Runs in the notification's transaction, so the e-mail exists exactly when the notification does. Nothing
    is sent here: a server that is down or refuses cannot fail the request.
    """
    if not user_ids or not enabled():
        return 0
    kind = kind if kind in rules.KINDS else rules.kind_of(link)
    rows = db.session.execute(
        select(MailAddress.user_id, MailAddress.address, MailChoice.mode)
        .join(User, User.id == MailAddress.user_id)
        .outerjoin(MailChoice, and_(MailChoice.user_id == MailAddress.user_id, MailChoice.kind == kind))
        .where(MailAddress.user_id.in_(user_ids), User.active.is_(True))).all()
    if not rows:
        return 0
    now, url = utcnow(), base_url() + link if link else ""
    safe = rules.redact(text)
    default = rules.KINDS[kind][2]
    added = 0
    for user_id, address, mode in rows:
        mode = mode or default
        if mode is Mode.NONE:
            continue
        immediate = mode is Mode.IMMEDIATE
        body = render_template("mail/notice.txt", text=safe, url=url, kind_label=rules.KINDS[kind][0],
                               when=to_china(now)) if immediate else safe
        db.session.add(MailMessage(
            user_id=user_id, address=address if immediate else "", kind=kind, subject=rules.subject_for(kind, text),
            body=body, link=url[:300], created_at=now, status=Status.QUEUED if immediate else Status.HELD,
            next_attempt_at=now if immediate else None))
        added += 1
    return added


def bundle_digests(until: datetime) -> int:
    """Bundle each person's held notices created before `until` into one digest e-mail; returns how many.

    The held rows are taken by one UPDATE ... WHERE status = 'held' with a token of this run, so two runs at
    once never bundle a notice twice.
    """
    token = secrets.token_hex(16)
    db.session.execute(update(MailMessage).where(MailMessage.status == Status.HELD, MailMessage.created_at < until)
                       .values(status=Status.BUNDLED, claim_token=token)
                       .execution_options(synchronize_session=False))
    held = db.session.scalars(select(MailMessage).where(MailMessage.claim_token == token,
                                                        MailMessage.status == Status.BUNDLED)
                              .order_by(MailMessage.user_id, MailMessage.created_at, MailMessage.id)).all()
    by_user: dict[int, list[MailMessage]] = defaultdict(list)
    for row in held:
        by_user[row.user_id].append(row)
    addresses = dict(db.session.execute(
        select(MailAddress.user_id, MailAddress.address).join(User, User.id == MailAddress.user_id)
        .where(MailAddress.user_id.in_(list(by_user)), User.active.is_(True))).all()) if by_user else {}
    now, made = utcnow(), 0
    for user_id, items in by_user.items():
        if user_id not in addresses:    # the address was removed (or the account ended) since: nothing to send
            continue
        days = sorted({to_china(item.created_at).date() for item in items})
        span = f"{days[0]:%Y-%m-%d}" if len(days) == 1 else f"{days[0]:%Y-%m-%d} 至 {days[-1]:%Y-%m-%d}"
        groups = defaultdict(list)
        for item in items:
            groups[item.kind].append(item)
        ordered = [(rules.KINDS.get(k, rules.KINDS["other"])[0], groups[k]) for k in rules.KINDS if k in groups]
        digest = MailMessage(
            user_id=user_id, address=addresses[user_id], kind="digest", status=Status.QUEUED, created_at=now,
            next_attempt_at=now, subject=f"【远程异地评标】每日通知汇总（{span}，共 {len(items)} 条）",
            body=render_template("mail/digest.txt", span=span, groups=ordered, count=len(items), to_china=to_china,
                                 base=base_url()),
            link=base_url() + "/notifications/")
        db.session.add(digest)
        db.session.flush()
        for item in items:
            item.digest_id = digest.id
        made += 1
    db.session.flush()
    return made


def _due(now: datetime):
    """Rows a worker may take: queued and due, or claimed so long ago that their worker must have died."""
    return or_(and_(MailMessage.status == Status.QUEUED, MailMessage.next_attempt_at <= now),
               and_(MailMessage.status == Status.SENDING, MailMessage.claimed_at < now - rules.STALE_CLAIM))


def claim(limit: int) -> list[MailMessage]:
    """Take up to `limit` due rows for this worker (the caller commits at once, so others see them taken).

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so two workers take different rows without waiting.
    SQLite (one writer at a time): an UPDATE that re-checks the row is still due, with this worker's token.
    """
    now, token = utcnow(), secrets.token_hex(16)
    candidates = select(MailMessage.id).where(_due(now)).order_by(MailMessage.next_attempt_at, MailMessage.id)
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(candidates.limit(limit).with_for_update(skip_locked=True)))
    else:
        ids = list(db.session.scalars(candidates.limit(limit)))
    if not ids:
        return []
    db.session.execute(update(MailMessage).where(MailMessage.id.in_(ids), _due(now))
                       .values(status=Status.SENDING, claim_token=token, claimed_at=now)
                       .execution_options(synchronize_session=False))
    return list(db.session.scalars(select(MailMessage).where(MailMessage.claim_token == token,
                                                             MailMessage.status == Status.SENDING)
                                   .order_by(MailMessage.id)))


def mark_sent(message: MailMessage) -> None:
    message.status, message.sent_at, message.last_error = Status.SENT, utcnow(), None
    message.attempts += 1
    message.claim_token = None


def mark_failed(message: MailMessage, error: str) -> None:
    """Record a failed try: queued again with the time of the next one (backoff), or failed after the last."""
    message.attempts += 1
    message.status, message.next_attempt_at = rules.after_failure(message.attempts, utcnow())
    message.last_error, message.claim_token = error[:500], None
