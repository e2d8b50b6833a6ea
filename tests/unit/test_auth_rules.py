"""Password policy and safe redirects after login."""
import pytest

from portal.auth.rules import USERNAME_RE, is_safe_next, password_problems


@pytest.mark.parametrize("password, username, problems", [
    ("correct-horse-2026", "changchun", []),
    ("short1", "", ["密码至少 10 个字符。"]),
    ("1234567890", "", ["密码过于常见或过于简单，请换一个。"]),
    ("aaaaaaaaaaaa", "", ["密码过于常见或过于简单，请换一个。"]),
    ("changchun-2026!", "changchun", ["密码过于常见或过于简单，请换一个。", "密码不能包含用户名。"]),
    ("my-changchun-2026!", "changchun", ["密码不能包含用户名。"]),
    ("x" * 129 + "yz", "", ["密码最多 128 个字符。"]),
])
def test_password_policy(password, username, problems):
    assert password_problems(password, username) == problems


@pytest.mark.parametrize("password, guessable", [
    ("Password2026!", True), ("P@ssw0rd2026", True), ("passw0rd123456", True), ("woaini5201314", True),
    ("Woaini1314!!", True), ("qwerty123456", True), ("1qaz2wsx3edc", True), ("qwertyuiopas", True),
    ("abcdefghijkl", True), ("0987654321", True), ("abcabcabcabc", True), ("1212121212", True),
    ("admin@2026!", True), ("jilin2026!!", True), ("zhuanjia123456", True), ("Changchun#2026", True),
    ("correct-horse-2026", False), ("长白山天池2026年夏", False), ("jilin-bid-portal-x9", False),
    ("7390-tulip-river", False), ("83920174659", False), ("Qk7#vLm2pX9z", False),
])
def test_guessable_passwords(password, guessable):
    from portal.auth.rules import is_guessable

    assert is_guessable(password) is guessable


@pytest.mark.parametrize("target, safe", [
    ("/workstations/", True), ("/workstations/?region=2", True), (None, False), ("", False),
    ("http://evil.example/", False), ("//evil.example/", False), ("/\\evil.example", False),
    ("javascript:alert(1)", False), ("workstations", False),
    ("/\r\nX", False), ("/\r\nSet-Cookie: a=b", False), ("/\t/evil.example", False), ("/ /x", False),
    ("/\x00", False), ("/\x85x", False), ("/\u2028x", False), ("/" + "a" * 2000, False),
    ("/notices/?q=%E4%B8%AD", True), ("/projects/12#sections", True), ("/通知", True),
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
