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


def post(url: str, body: bytes, key_id: str, secret: str, idempotency_key: str,
         now: float | None = None) -> tuple[int, str]:
    """POST a signed JSON body with an Idempotency-Key; the HTTP status and the answer's start (an exception
    when nothing answered)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("回调地址须为 http(s)")
    headers = {"Content-Type": "application/json; charset=utf-8", signing.HEADER_IDEMPOTENCY: idempotency_key,
               **signing.headers(key_id, secret, "POST", parts.path or "/", parts.query, body,
                                 now if now is not None else time.time())}
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        # the scheme was checked above: http or https only
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as answer:  # nosec B310
            return answer.status, answer.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(2000).decode("utf-8", "replace")


# A federated portal's refusal that no retry changes (the request itself is refused there).
FINAL_REFUSALS = {400, 403, 404, 415, 422}


def _refusal_text(status: int, text: str) -> str:
    try:
        message = json.loads(text)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = ""
    return f"对方答复 HTTP {status}" + (f"：{message}" if message else "")


@dataclass
class Outcome:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def target(system: PartnerSystem, event: OutboxEvent) -> tuple[str | None, bytes]:
    """Where the event goes and what is sent: a callback gets the event itself; a federated portal gets the
    API call the event carries (a filing, change or withdrawal there)."""
    if event.event_type.startswith("federation."):
        call = json.loads(event.payload)["data"]
        base = system.remote_url
        return (base + call["path"] if base else None), json.dumps(call["body"], ensure_ascii=False).encode()
    return system.callback_url, event.payload.encode()


def deliver(event: OutboxEvent, outcome: Outcome) -> None:
    system = db.session.get(PartnerSystem, event.system_id)
    key = signing_key(event.system_id)
    secret = key_secret(key) if key else None
    url, body = target(system, event) if system is not None else (None, b"")
    final = False
    if not url or secret is None:
        error = "合作方系统未设置回调地址（或对方门户地址），或没有有效的接口密钥"
    else:
        try:
            status, text = post(url, body, key.key_id, secret, f"event-{event.id}")
            error = None if 200 <= status < 300 else _refusal_text(status, text)
            final = event.event_type.startswith("federation.") and status in FINAL_REFUSALS
        except (OSError, ValueError) as problem:   # refused, timed out, unreachable
            error = f"无法连接回调地址：{type(problem).__name__}"
    if error is None:
        mark_delivered(event)
        outcome.delivered += 1
    else:
        mark_failed(event, error)
        if final:
            event.status = OutboxStatus.FAILED
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
