"""The delivery worker behind `flask --app portal mail send|digest`: claims due rows, sends each over one SMTP
session, records the outcome. Not a request: it commits after the claim and after every delivery, so a crash
loses at most the row in hand (claimed rows are taken again after rules.STALE_CLAIM)."""
import smtplib
from dataclasses import dataclass

from flask import current_app

from ..clock import china_today, local_midnight_utc
from ..extensions import db
from ..models_base import utcnow
from . import rules, services, smtp


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    errors: list[str] | None = None


def send_due(limit: int | None = None) -> Outcome:
    """Deliver the due rows, batch after batch, until none is left (or `limit` rows were tried)."""
    settings = smtp.settings(current_app.config)
    batch = int(current_app.config.get("MAIL_BATCH") or 100)
    outcome, tried = Outcome(errors=[]), 0
    while limit is None or tried < limit:
        claimed = services.claim(min(batch, limit - tried) if limit else batch)
        db.session.commit()
        if not claimed:
            break
        tried += len(claimed)
        _deliver(settings, claimed, outcome)
    return outcome


def _deliver(settings: dict, messages, outcome: Outcome) -> None:
    try:
        session = smtp.connect(settings)
    except (smtplib.SMTPException, OSError) as error:   # down, refused, TLS or login failure: every row waits
        text = rules.short_error(error)
        for message in messages:
            services.mark_failed(message, text)
        db.session.commit()
        outcome.failed += len(messages)
        outcome.errors.append(text)
        return
    try:
        for message in messages:
            if session is None:   # the server hung up and would not take us back: the rest wait too
                services.mark_failed(message, outcome.errors[-1])
                outcome.failed += 1
                db.session.commit()
                continue
            try:
                session.send_message(smtp.build(settings, message.address, message.subject, message.body))
            except Exception as error:   # noqa: BLE001 — whatever one message meets is recorded on its row
                if not isinstance(error, smtplib.SMTPException | OSError | ValueError):
                    current_app.logger.exception("sending e-mail %s failed", message.id)
                services.mark_failed(message, rules.short_error(error))
                outcome.failed += 1
                outcome.errors.append(message.last_error)
                if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
                    session = _reconnect(settings, session)
            else:
                services.mark_sent(message)
                outcome.sent += 1
            db.session.commit()
    finally:
        if session is not None:
            try:
                session.quit()
            except (smtplib.SMTPException, OSError):
                session.close()


def _reconnect(settings: dict, old):
    old.close()
    try:
        return smtp.connect(settings)
    except (smtplib.SMTPException, OSError):
        return None


def digest(include_today: bool = False) -> int:
    """Bundle the held notices of the days before today (China time; with include_today, up to now)."""
    until = utcnow() if include_today else local_midnight_utc(china_today())
    made = services.bundle_digests(until)
    db.session.commit()
    return made
