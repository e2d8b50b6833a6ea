"""Pure rules about accounts: password policy and safe redirect targets."""
import re
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


def password_problems(password: str, username: str = "") -> list[str]:
    """Chinese messages for every way `password` breaks the policy; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符。")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"密码最多 {MAX_PASSWORD_LENGTH} 个字符。")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 2:
        problems.append("密码过于常见或过于简单，请换一个。")
    if username and username.lower() in lowered:
        problems.append("密码不能包含用户名。")
    return problems


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site may follow a login (no scheme, no host, no //evil.example)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
