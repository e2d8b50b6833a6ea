"""Login throttling (issue 11, reworked in issue 27 item 5): failed password checks counted per client address
(spraying: a few guesses on many accounts), per (username, address) and per username, in the database so
that every worker and host shares the counts. Which count refuses an attempt is rules.login_refusal: a
username's own lock only slows guessing down, so failures from elsewhere never lock its owner out.

Behind a reverse proxy the client address is the proxy's unless PROXY_FIX_HOPS is set (security.py): then
every visitor would share one address's count."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models_base import as_utc
from . import rules, thresholds
from .models import LoginThrottle


@dataclass
class Attempt:
    """One counted attempt: its keys, the pair's consecutive failures counting it, and, when it is refused
    before its password is checked, why ("address", "pair" or "user") and for how many seconds."""
    keys: rules.ThrottleKeys
    failures: int
    refused: str | None = None
    wait: float = 0.0


def _locked_for(key: str, now: datetime) -> float:
    """Seconds the key stays locked (0 when it is not)."""
    locked_until = db.session.scalar(select(LoginThrottle.locked_until).where(LoginThrottle.key == key))
    if locked_until is None:
        return 0.0
    return max(0.0, (as_utc(locked_until) - now).total_seconds())


def _bump(key: str, now: datetime, free: int, numbers: rules.Thresholds) -> int | None:
    """Count a failure on `key` *before* the password is checked; None (and nothing counted) while it is locked.

    Counting first is what makes a lock hold against a burst of parallel guesses: the counting UPDATE is
    atomic and skips a row that is locked, and the caller commits it before checking the password, so the
    sixth of many simultaneous attempts finds five committed failures and the lock. A right password takes
    the count back afterwards (succeeded); two workers counting at once count two."""
    # A failure an hour after the last one starts counting again (an old lock does not double a new one).
    fresh = LoginThrottle.last_failure_at < now - timedelta(seconds=rules.FAILURE_MEMORY_SECONDS)
    unlocked = or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now)
    bump = (update(LoginThrottle).where(LoginThrottle.key == key, unlocked)
            .values(failures=case((fresh, 1), else_=LoginThrottle.failures + 1), last_failure_at=now)
            .returning(LoginThrottle.failures).execution_options(synchronize_session=False))
    failures = db.session.execute(bump).scalar()
    if failures is None:
        if _locked_for(key, now):
            return None
        try:
            with db.session.begin_nested():
                db.session.add(LoginThrottle(key=key, failures=1, last_failure_at=now))
            failures = 1
        except IntegrityError:          # another worker created the row just now
            failures = db.session.execute(bump).scalar()
            if failures is None:
                return None
    lock = rules.lock_seconds(failures, free, numbers.first_lock_seconds, numbers.max_lock_seconds)
    if lock:
        db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                           .values(locked_until=now + timedelta(seconds=lock))
                           .execution_options(synchronize_session=False))
    return failures


def count_attempt(username: str, address: str | None, now: datetime) -> Attempt:
    """Count a password check of `username` from `address` (the caller commits before checking it), or say
    why it is refused unchecked. The keys are always taken in the same order (address, pair, username), so
    two workers never wait for each other's rows in opposite orders."""
    keys = rules.throttle_keys(username, address)
    numbers = thresholds.current()     # the security admin's numbers (安全设置), or the defaults
    if _bump(keys.address, now, numbers.address_free_failures, numbers) is None:
        return Attempt(keys, 0, "address", _locked_for(keys.address, now))
    failures = _bump(keys.pair, now, numbers.free_failures, numbers)
    if failures is None:
        return Attempt(keys, 0, "pair", _locked_for(keys.pair, now))
    user_locked = _bump(keys.user, now, numbers.free_failures, numbers) is None
    refused = rules.login_refusal(False, False, user_locked, failures > 1)
    return Attempt(keys, failures, refused, _locked_for(keys.user, now) if refused else 0.0)


def succeeded(attempt: Attempt) -> None:
    """The right password: the pair's and the username's counts end; the address's count takes this attempt
    back (a right password elsewhere does not wipe what the address guessed before). The rows are taken in
    count_attempt's order (address, pair, username), so a login finishing and another starting never wait
    for each other's rows the other way round (a deadlock on PostgreSQL)."""
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key == attempt.keys.address,
                                                   LoginThrottle.failures > 0)
                       .values(failures=LoginThrottle.failures - 1).execution_options(synchronize_session=False))
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == attempt.keys.pair)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == attempt.keys.user)
                       .execution_options(synchronize_session=False))


def lift(username: str) -> None:
    """An admin's reset of the account: its username's lock and the locks of all its (username, address) pairs
    end (an address's count across usernames stays)."""
    keys = rules.throttle_keys(username, None)
    db.session.execute(delete(LoginThrottle).where(or_(
        LoginThrottle.key == keys.user, LoginThrottle.key.startswith(rules.pair_prefix(username), autoescape=True)))
        .execution_options(synchronize_session=False))
