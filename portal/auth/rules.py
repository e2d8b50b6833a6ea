"""Pure rules about accounts: password policy and safe redirect targets."""
import hashlib
import re
from typing import NamedTuple
from urllib.parse import urlsplit

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,39}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
# The most common passwords (and those Chinese users are known to pick); issue 11 extends the list.
COMMON_PASSWORDS = frozenset({
    "123456789012", "1234567890", "12345678910", "qwertyuiop", "password123", "password1234",
    "1qaz2wsx3edc", "woaini1314", "aaaaaaaaaa", "abcdefghij", "abc1234567", "admin12345",
    "iloveyou123", "qwerty12345", "0123456789", "1q2w3e4r5t", "a123456789", "88888888888",
    "1111111111", "0000000000", "zxcvbnm123", "asdfghjkl1", "passw0rd123", "changeme123",
})


# Words people build passwords on (English, pinyin, keyboard walks, this portal's own words): a password that
# is one of them with digits or symbols around it ("Password2026!", "woaini1314", "P@ssw0rd123") is refused.
COMMON_WORDS = frozenset({
    "password", "passwd", "pass", "pwd", "admin", "administrator", "root", "guest", "test", "user", "login",
    "welcome", "letmein", "changeme", "default", "secret", "master", "monkey", "dragon", "shadow", "sunshine",
    "princess", "football", "baseball", "superman", "batman", "iloveyou", "trustno1", "whatever", "freedom",
    "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbn", "zxcvbnm", "qazwsx", "qweasd", "qweasdzxc",
    "1qaz2wsx", "1q2w3e4r", "abc", "abcd", "abcdef", "abcdefg", "abcdefgh", "aaa", "qwe", "asd",
    "woaini", "aini", "woaiwojia", "nihao", "zhongguo", "china", "beijing", "shanghai", "jilin", "changchun",
    "huawei", "xiaomi", "tiantian", "aaaa", "wang", "zhang", "liu", "chen", "yang", "li",
    "portal", "pingbiao", "zhaobiao", "toubiao", "jiaoyi", "zhuanjia", "jiaoyizhongxin",
})
SEQUENCES = ("01234567890123456789", "98765432109876543210", "abcdefghijklmnopqrstuvwxyz",
             "zyxwvutsrqponmlkjihgfedcba", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn",
             "1q2w3e4r5t6y7u8i9o0p", "qazwsxedcrfvtgbyhnujm")
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})


def is_guessable(password: str) -> bool:
    """A common password, a common word dressed with digits or symbols, a run along the keyboard or the
    alphabet, or one short piece repeated."""
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 2:
        return True
    if any(lowered in run for run in SEQUENCES):
        return True
    for size in range(1, len(lowered) // 2 + 1):             # "abcabcabca", "1212121212"
        unit = lowered[:size]
        if (unit * (len(lowered) // size + 1))[:len(lowered)] == lowered:
            return True
    core = lowered.strip("0123456789!@#$%^&*()_+-=.,;:?~`'\"[]{}<>/|")
    return bool(core) and (core in COMMON_WORDS or core.translate(LEET) in COMMON_WORDS)


def password_problems(password: str, username: str = "", min_length: int = MIN_PASSWORD_LENGTH) -> list[str]:
    """Chinese messages for every way `password` breaks the policy; empty when it is acceptable."""
    problems = []
    if len(password) < min_length:
        problems.append(f"密码至少 {min_length} 个字符。")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"密码最多 {MAX_PASSWORD_LENGTH} 个字符。")
    lowered = password.lower()
    if is_guessable(password):
        problems.append("密码过于常见或过于简单，请换一个。")
    if username and username.lower() in lowered:
        problems.append("密码不能包含用户名。")
    return problems


MAX_NEXT_LENGTH = 2000


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site may follow a login (no scheme, no host, no //evil.example). No whitespace or
    control character either: a browser drops tabs and line breaks from an address ("/\t/evil.example" is
    "//evil.example" to it), and a line break in a Location header cannot be sent at all (it was a 500)."""
    if not target or len(target) > MAX_NEXT_LENGTH or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) <= 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029" for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# --- login throttling and session limits (issue 11) ------------------------------------------------------------

FREE_FAILURES = 5            # consecutive failures before the first lock
FIRST_LOCK_SECONDS = 30      # then 30 s, 60 s, 120 s … doubling with every further failure
MAX_LOCK_SECONDS = 15 * 60
SAVE_GRACE_FACTOR = 3           # a form opened within the confirmation window may be saved within 3x it
FAILURE_MEMORY_SECONDS = 3600   # a failure an hour after the previous one counts as the first again


ADDRESS_FREE_FAILURES = 30  # failures from one client address, whatever usernames were typed (spraying)


def lock_seconds(failures: int, free: int = FREE_FAILURES, first: int = FIRST_LOCK_SECONDS,
                 longest: int = MAX_LOCK_SECONDS) -> int:
    """How long a throttle key stays locked after its `failures`-th consecutive failure (0: not locked)."""
    if failures < free:
        return 0
    return min(first * 2 ** min(failures - free, 16), longest)


class Thresholds(NamedTuple):
    """The password rule's and the login lockout's numbers, which the security admin may change (安全设置);
    the defaults are the constants above."""
    min_password_length: int = MIN_PASSWORD_LENGTH
    free_failures: int = FREE_FAILURES
    first_lock_seconds: int = FIRST_LOCK_SECONDS
    max_lock_seconds: int = MAX_LOCK_SECONDS
    address_free_failures: int = ADDRESS_FREE_FAILURES


# The range each may be set in (also CHECK constraints of security_thresholds): never weaker than 等保 level 3's
# usual reading (8 characters, a lock after a few failures), never so strict that the owner is locked out for days.
THRESHOLD_LIMITS = {
    "min_password_length": (8, 64, "密码最短长度应为 8–64 个字符。"),
    "free_failures": (3, 10, "连续失败次数应为 3–10 次。"),
    "first_lock_seconds": (10, 600, "首次锁定时长应为 10–600 秒。"),
    "max_lock_seconds": (60, 86400, "最长锁定时长应为 1–1440 分钟。"),
    "address_free_failures": (10, 200, "同一地址失败次数应为 10–200 次。"),
}


def thresholds_problems(wanted: Thresholds) -> dict[str, str]:
    """Field -> why the numbers may not be saved (Chinese); empty when they may."""
    problems = {name: message for name, (low, high, message) in THRESHOLD_LIMITS.items()
                if not low <= getattr(wanted, name) <= high}
    if not problems and wanted.max_lock_seconds < wanted.first_lock_seconds:
        problems["max_lock_seconds"] = "最长锁定时长不能短于首次锁定时长。"
    if not problems and wanted.address_free_failures < wanted.free_failures:
        problems["address_free_failures"] = "同一地址的失败次数不能少于同一账号的连续失败次数。"
    return problems


class ThrottleKeys(NamedTuple):
    """The three counts one login attempt adds to (login_throttles.key): its client address across usernames,
    the (username, address) pair, and the username across addresses. Hashed, so that what people type into
    the username field (sometimes their password) is not kept; the pair's key starts with its username's
    hash, so an admin's reset finds every pair of an account."""
    address: str
    pair: str
    user: str


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def throttle_keys(username: str, address: str | None) -> ThrottleKeys:
    """The throttle keys of a login attempt (username as typed: trimmed and lower-cased)."""
    user = _digest(username.strip().lower())
    where = _digest((address or "-").strip().lower())
    return ThrottleKeys(address=f"a:{where}", pair=f"p:{user}:{where}", user=f"u:{user}")


def pair_prefix(username: str) -> str:
    """What every pair key of this username starts with (to lift its locks)."""
    return f"p:{_digest(username.strip().lower())}:"


def login_refusal(address_locked: bool, pair_locked: bool, user_locked: bool, pair_failed_before: bool) -> str | None:
    """Why an attempt is refused before its password is checked, or None to check it.

    The address and the (username, address) pair lock outright. The username's own lock (many failures from
    anywhere) is only a slowdown: while it holds, an address that has already failed for this username waits,
    and any other address still gets its password checked, so the owner with the right password gets in from
    their own desk while someone else guesses, and a guesser with many addresses gets one try per address."""
    if address_locked:
        return "address"
    if pair_locked:
        return "pair"
    if user_locked and pair_failed_before:
        return "user"
    return None


def wait_text(seconds: float) -> str:
    """'30 秒' / '2 分钟' for the lock message."""
    seconds = max(1, int(seconds + 0.999))
    return f"{seconds} 秒" if seconds < 60 else f"{-(-seconds // 60)} 分钟"


def session_expiry(now: float, logged_in_at: float | None, seen_at: float | None, idle_seconds: int,
                   absolute_seconds: int) -> str | None:
    """Why a logged-in session must end now ('idle', 'absolute'), or None. Times are epoch seconds; a session
    without its login time (made before these limits) counts as expired."""
    if logged_in_at is None:
        return "absolute"
    if now - logged_in_at >= absolute_seconds:
        return "absolute"
    if seen_at is not None and now - seen_at >= idle_seconds:
        return "idle"
    return None


def is_recent(now: float, confirmed_at: float | None, window_seconds: int) -> bool:
    """Whether the password was given (login or confirmation) within the window: account and permission
    changes ask for it again otherwise."""
    return confirmed_at is not None and 0 <= now - confirmed_at < window_seconds


# (marker in the User-Agent, label), first match wins: Edge and Opera also say "Chrome", Chrome says "Safari".
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("QQBrowser", "QQ 浏览器"), ("360SE", "360 浏览器"),
            ("MicroMessenger", "微信"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"), ("Chrome/", "Chrome"),
            ("Safari/", "Safari"), ("Trident/", "Internet Explorer"), ("MSIE ", "Internet Explorer"))
SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def browser_label(user_agent: str | None) -> str:
    """'Chrome（Windows）' from a User-Agent header, for a person to recognise their devices; '未知浏览器'."""
    agent = user_agent or ""
    browser = next((label for marker, label in BROWSERS if marker in agent), None)
    system = next((label for marker, label in SYSTEMS if marker in agent), None)
    if browser is None:
        return f"未知浏览器（{system}）" if system else "未知浏览器"
    return f"{browser}（{system}）" if system else browser


# --- two factors and password age (issue 27 item 7) ------------------------------------------------------------

ADMINISTRATION_ROLE_VALUES = frozenset({"system_admin", "security_admin", "audit_admin"})
DEFAULT_ADMIN_PASSWORD_DAYS = 90     # 等保 level 3 asks for periodic change; ASVS 5 does not (README)
TOTP_DIGITS = 6
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no 0/o, 1/l/i to misread
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 4, 4            # 16 characters of 31: 79 bits
SECOND_STEP_SECONDS = 300     # the code must follow the password within five minutes


class Policy(NamedTuple):
    """A role's security settings."""
    two_factor_required: bool
    password_max_age_days: int | None


def default_policy(role: str) -> Policy:
    """Before the security admin sets anything: the three administration roles must use two factors and change
    their password every 90 days; every other role may enrol and keeps its password."""
    if role in ADMINISTRATION_ROLE_VALUES:
        return Policy(True, DEFAULT_ADMIN_PASSWORD_DAYS)
    return Policy(False, None)


def policy_problem(role: str, policy: Policy) -> str | None:
    """Why a setting may not be saved (Chinese), or None."""
    if role in ADMINISTRATION_ROLE_VALUES and not policy.two_factor_required:
        return "系统管理员、安全管理员和审计管理员必须使用双因素认证。"
    days = policy.password_max_age_days
    if days is not None and not 1 <= days <= 3650:
        return "密码有效期应为 1–3650 天，留空表示不限。"
    return None


def password_expired(changed_at: float | None, now: float, max_age_days: int | None) -> bool:
    """Whether a password set at `changed_at` (epoch seconds; None: unknown, counts as expired) must be changed
    now under a max age of `max_age_days` (None: never)."""
    if max_age_days is None:
        return False
    if changed_at is None:
        return True
    return now - changed_at >= max_age_days * 86400


def accepted_step(candidates: list[int], last_step: int | None) -> int | None:
    """Of the time steps whose code matched (at most the previous, current and next), the one to accept: the
    latest, if it is after the last step accepted (a code, once used, is refused: RFC 6238 section 5.2)."""
    fresh = [step for step in candidates if last_step is None or step > last_step]
    return max(fresh) if fresh else None


def normalise_code(text: str) -> str:
    """What was typed into the code field, without spaces, dashes and case."""
    return "".join(c for c in (text or "").lower() if c.isalnum())


def is_totp_code(text: str) -> bool:
    """Six digits (a recovery code is longer and has letters)."""
    code = normalise_code(text)
    return len(code) == TOTP_DIGITS and code.isdigit()


def format_recovery_code(raw: str) -> str:
    """'abcd-efgh-jkmn-pqrs' as shown to the person."""
    return "-".join(raw[i:i + RECOVERY_GROUP_LENGTH] for i in range(0, len(raw), RECOVERY_GROUP_LENGTH))


def recovery_digest(text: str) -> str:
    """The stored SHA-256 of a recovery code, however it was typed."""
    return hashlib.sha256(normalise_code(text).encode()).hexdigest()


def second_step_pending(now: float, started_at: float | None) -> bool:
    """Whether a password accepted at `started_at` may still be followed by its code."""
    return started_at is not None and 0 <= now - started_at < SECOND_STEP_SECONDS
