"""Password policy and safe redirects after login."""
import pytest

from portal.auth.rules import USERNAME_RE, is_safe_next, password_problems


@pytest.mark.parametrize("password, username, problems", [
    ("correct-horse-2026", "changchun", []),
    ("short1", "", ["密码至少 10 个字符。"]),
    ("1234567890", "", ["密码过于常见或过于简单，请换一个。"]),
    ("aaaaaaaaaaaa", "", ["密码过于常见或过于简单，请换一个。"]),
    ("changchun-2026!", "changchun", ["密码不能包含用户名。"]),
    ("x" * 129 + "yz", "", ["密码最多 128 个字符。"]),
])
def test_password_policy(password, username, problems):
    assert password_problems(password, username) == problems


@pytest.mark.parametrize("target, safe", [
    ("/workstations/", True), ("/workstations/?region=2", True), (None, False), ("", False),
    ("http://evil.example/", False), ("//evil.example/", False), ("/\\evil.example", False),
    ("javascript:alert(1)", False), ("workstations", False),
])
def test_only_local_paths_follow_a_login(target, safe):
    assert is_safe_next(target) is safe


@pytest.mark.parametrize("username, ok", [
    ("changchun", True), ("staff-jilin", True), ("a.b_c", True), ("ab", False), ("-abc", False),
    ("有中文", False), ("with space", False), ("x" * 41, False),
])
def test_username_shape(username, ok):
    assert bool(USERNAME_RE.match(username)) is ok


def test_the_generated_secret_key_is_kept_and_private(tmp_path):
    import os

    from portal import _secret_key

    first = _secret_key(str(tmp_path))
    assert len(first) == 64 and _secret_key(str(tmp_path)) == first
    assert oct(os.stat(tmp_path / "secret_key").st_mode & 0o777) == "0o600"
