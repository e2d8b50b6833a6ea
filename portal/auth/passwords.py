"""argon2id password hashing with the parameters from the app config (OWASP by default)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"],
                          parallelism=cfg["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> tuple[bool, str | None]:
    """(matches, new_hash): new_hash is set when the stored hash uses outdated parameters."""
    hasher = _hasher()
    try:
        hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, hasher.hash(password) if hasher.check_needs_rehash(password_hash) else None


_DUMMY = {}


def burn_time(password: str) -> None:
    """Verify against a dummy hash so that an unknown username takes as long as a wrong password."""
    key = current_app.config["ARGON2_MEMORY_COST"]
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("dummy-password-for-timing")
    verify_password(_DUMMY[key], password)
