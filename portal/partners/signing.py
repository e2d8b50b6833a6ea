"""Signed calls between partner systems (系统对接签名, issue 25): pure rules, no database.

A call is signed with HMAC-SHA256 over four lines, joined by "\\n":

    METHOD                 upper case, e.g. POST
    PATH[?QUERY]           the path percent-encoded (RFC 3986; plain ASCII paths as they are), then "?" and
                           the raw query string as sent, only when there is one
    TIMESTAMP              Unix seconds, as sent in X-Timestamp
    SHA256(BODY)           lower-case hex of the body's bytes (of b"" for no body)

and sent as lower-case hex in X-Signature, with the key id in X-Api-Key. A timestamp further than
REPLAY_WINDOW seconds from the receiver's clock is refused (a recorded call cannot be replayed later); within
the window a POST carries an Idempotency-Key, so a replay files nothing twice. Callbacks to a partner are
signed the same way with the same key.
"""
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote, unquote

REPLAY_WINDOW = 300   # seconds either side of the receiver's clock
HEADER_KEY, HEADER_TIMESTAMP, HEADER_SIGNATURE = "X-Api-Key", "X-Timestamp", "X-Signature"
HEADER_IDEMPOTENCY = "Idempotency-Key"


def canonical_path(path: str) -> str:
    """The path percent-encoded (RFC 3986: unreserved characters and "/" kept), whether given decoded or not."""
    return quote(unquote(path), safe="/-._~")


def canonical(method: str, path: str, query: str, timestamp: str, body: bytes) -> str:
    path = canonical_path(path)
    target = f"{path}?{query}" if query else path
    return "\n".join((method.upper(), target, timestamp, hashlib.sha256(body or b"").hexdigest()))


def sign(secret: str, method: str, path: str, query: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), canonical(method, path, query, timestamp, body).encode(),
                    hashlib.sha256).hexdigest()


def headers(key_id: str, secret: str, method: str, path: str, query: str, body: bytes, now: float) -> dict:
    """The headers of a signed call made at `now` (Unix seconds)."""
    timestamp = str(int(now))
    return {HEADER_KEY: key_id, HEADER_TIMESTAMP: timestamp,
            HEADER_SIGNATURE: sign(secret, method, path, query, timestamp, body)}


@dataclass(frozen=True)
class Refusal:
    code: str       # machine-readable, e.g. "bad_signature"
    message: str    # Chinese, for the partner's operators
    field: str      # the header at fault


def timestamp_problem(timestamp: str | None, now: float) -> Refusal | None:
    """A missing, malformed, stale or future timestamp (more than REPLAY_WINDOW seconds off)."""
    if not timestamp:
        return Refusal("missing_timestamp", "缺少请求时间戳（X-Timestamp）。", HEADER_TIMESTAMP)
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return Refusal("bad_timestamp", "请求时间戳（X-Timestamp）须为 Unix 秒数。", HEADER_TIMESTAMP)
    if abs(int(timestamp) - now) > REPLAY_WINDOW:
        return Refusal("stale_timestamp", f"请求时间戳与服务器时间相差超过 {REPLAY_WINDOW // 60} 分钟，"
                                          "请求已过期或系统时钟不准，请校准时钟后重新签名发送。", HEADER_TIMESTAMP)
    return None


def signature_problem(secret: str, method: str, path: str, query: str, timestamp: str, body: bytes,
                      signature: str | None) -> Refusal | None:
    if not signature:
        return Refusal("missing_signature", "缺少请求签名（X-Signature）。", HEADER_SIGNATURE)
    expected = sign(secret, method, path, query, timestamp, body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        return Refusal("bad_signature", "请求签名不正确：请按接口文档以 HMAC-SHA256 对“方法、路径、时间戳、"
                                        "请求体摘要”签名。", HEADER_SIGNATURE)
    return None


def idempotency_problem(method: str, key: str | None) -> Refusal | None:
    """A POST must carry an Idempotency-Key of 1–80 visible ASCII characters."""
    if method.upper() != "POST":
        return None
    if not key:
        return Refusal("missing_idempotency_key", "提交类请求须带幂等键（Idempotency-Key），重试时使用同一个值。",
                       HEADER_IDEMPOTENCY)
    if len(key) > 80 or not key.isascii() or not key.isprintable() or " " in key:
        return Refusal("bad_idempotency_key", "幂等键（Idempotency-Key）须为 1～80 个可见 ASCII 字符。",
                       HEADER_IDEMPOTENCY)
    return None


def same_call(stored_fingerprint: str, method: str, path: str, body: bytes) -> bool:
    """Whether a retry with a stored Idempotency-Key is the same call (same method, path and body)."""
    return hmac.compare_digest(stored_fingerprint, fingerprint(method, path, body))


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(f"{method.upper()}\n{path}\n".encode() + (body or b"")).hexdigest()


def backoff_seconds(attempts: int) -> int:
    """Delay before the next delivery try after `attempts` failed ones: 30 s, 1, 2, 4 … minutes, at most 6 h."""
    return min(30 * 2 ** max(attempts - 1, 0), 6 * 3600)


MAX_ATTEMPTS = 12   # then the event is marked failed; the admin can send it again
