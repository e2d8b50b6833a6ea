"""The outbox to partner systems (发往合作方系统的通知, issue 25): `emit` adds an event in the transaction of the
change it tells (a change that rolls back leaves no event); `run` — `flask --app portal outbox run` — delivers
due events to the system's callback address, signed as the API's calls are (portal/partners/signing.py).

Safe on several hosts at once, as the e-mail worker: PostgreSQL claims rows with FOR UPDATE SKIP LOCKED, SQLite
with a conditional UPDATE carrying this worker's token; a claim older than STALE_CLAIM is taken again (a worker
that died). A failed try waits signing.backoff_seconds(attempts); after signing.MAX_ATTEMPTS it is marked failed,
and the admin can send it again (/partners/systems/<id>). Each event carries its id (eventId): a receiver that
gets one twice (a timeout after it had stored it) recognises the repeat.
"""
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import or_, select, update

from ..extensions import db
from ..models_base import utcnow
from . import signing
from .models import OutboxEvent, OutboxStatus, PartnerSystem
from .systems import key_secret, signing_key

STALE_CLAIM = timedelta(minutes=10)
TIMEOUT_SECONDS = 10


def emit(system_id: int, request_id: int | None, event_type: str, data: dict) -> OutboxEvent:
    """Queue an event for the system (in the caller's transaction)."""
    event = OutboxEvent(system_id=system_id, request_id=request_id, event_type=event_type, payload="{}",
                        status=OutboxStatus.PENDING, next_attempt_at=utcnow())
    db.session.add(event)
    db.session.flush()
    event.payload = json.dumps({"eventId": event.id, "eventType": event_type,
                                "occurredAt": utcnow().isoformat(timespec="seconds"), "data": data},
                               ensure_ascii=False, sort_keys=True)
    return event


def _due(now):
    return or_(OutboxEvent.status == OutboxStatus.PENDING,
               (OutboxEvent.status == OutboxStatus.SENDING) & (OutboxEvent.claimed_at < now - STALE_CLAIM)) \
        & (OutboxEvent.next_attempt_at <= now)


def claim(limit: int) -> list[OutboxEvent]:
    """Take up to `limit` due events for this worker; the caller commits at once."""
    now, token = utcnow(), secrets.token_hex(16)
    candidates = select(OutboxEvent.id).where(_due(now)).order_by(OutboxEvent.next_attempt_at, OutboxEvent.id)
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(candidates.limit(limit).with_for_update(skip_locked=True)))
    else:
        ids = list(db.session.scalars(candidates.limit(limit)))
    if not ids:
        return []
    db.session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids), _due(now))
                       .values(status=OutboxStatus.SENDING, claim_token=token, claimed_at=now)
                       .execution_options(synchronize_session=False))
    return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.claim_token == token,
                                                             OutboxEvent.status == OutboxStatus.SENDING)
                                   .order_by(OutboxEvent.id)))


def mark_delivered(event: OutboxEvent) -> None:
    event.status, event.delivered_at, event.last_error = OutboxStatus.DELIVERED, utcnow(), None
    event.attempts += 1
    event.claim_token = None


def mark_failed(event: OutboxEvent, error: str) -> None:
    event.attempts += 1
    event.last_error = error[:300]
    event.claim_token = None
    if event.attempts >= signing.MAX_ATTEMPTS:
        event.status = OutboxStatus.FAILED
    else:
        event.status = OutboxStatus.PENDING
        event.next_attempt_at = utcnow() + timedelta(seconds=signing.backoff_seconds(event.attempts))


def post(url: str, body: bytes, key_id: str, secret: str, now: float | None = None) -> int:
    """POST a signed JSON body; the HTTP status (an exception when nothing answered)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("回调地址须为 http(s)")
    headers = {"Content-Type": "application/json; charset=utf-8",
               **signing.headers(key_id, secret, "POST", parts.path or "/", parts.query, body,
                                 now if now is not None else time.time())}
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as answer:  # nosec B310 (scheme checked)
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@dataclass
class Outcome:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def deliver(event: OutboxEvent, outcome: Outcome) -> None:
    system = db.session.get(PartnerSystem, event.system_id)
    key = signing_key(event.system_id)
    secret = key_secret(key) if key else None
    if system is None or not system.callback_url or secret is None:
        error = "合作方系统未设置回调地址或没有有效的接口密钥"
    else:
        try:
            status = post(system.callback_url, event.payload.encode(), key.key_id, secret)
            error = None if 200 <= status < 300 else f"回调地址答复 HTTP {status}"
        except (OSError, ValueError) as problem:   # refused, timed out, unreachable
            error = f"无法连接回调地址：{type(problem).__name__}"
    if error is None:
        mark_delivered(event)
        outcome.delivered += 1
    else:
        mark_failed(event, error)
        outcome.failed += 1
        outcome.errors.append(error)


def run(limit: int | None = None, batch: int = 50) -> Outcome:
    """Deliver due events batch after batch until none is left (or `limit` were tried); commits per event."""
    outcome, tried = Outcome(), 0
    while limit is None or tried < limit:
        claimed = claim(min(batch, limit - tried) if limit else batch)
        db.session.commit()
        if not claimed:
            break
        tried += len(claimed)
        for event in claimed:
            deliver(event, outcome)
            db.session.commit()
    return outcome
