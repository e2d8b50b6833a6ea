"""Login throttling and session limits (issue 11): pure rules, table-driven."""
import pytest

from portal.auth import rules


@pytest.mark.parametrize("failures, seconds", [
    (0, 0), (1, 0), (4, 0), (5, 30), (6, 60), (7, 120), (8, 240), (9, 480), (10, 900), (11, 900), (50, 900),
])
def test_lock_grows_after_five_failures_and_stops_at_fifteen_minutes(failures, seconds):
    assert rules.lock_seconds(failures) == seconds


@pytest.mark.parametrize("seconds, text", [(0.2, "1 秒"), (30, "30 秒"), (59.5, "1 分钟"), (60, "1 分钟"),
                                           (61, "2 分钟"), (900, "15 分钟")])
def test_wait_text(seconds, text):
    assert rules.wait_text(seconds) == text


IDLE, ABSOLUTE = 30 * 60, 12 * 3600


@pytest.mark.parametrize("now, logged_in, seen, expected", [
    (1000, 1000, 1000, None),
    (1000 + IDLE - 1, 1000, 1000, None),                 # just under the idle limit
    (1000 + IDLE, 1000, 1000, "idle"),                   # idle limit reached
    (1000 + IDLE + 5, 1000, 1000 + 10, None),            # active 10 s later: idle counts from then
    (1000 + ABSOLUTE, 1000, 1000 + ABSOLUTE - 1, "absolute"),   # busy all day, still ends
    (1000 + ABSOLUTE - 1, 1000, 1000 + ABSOLUTE - 2, None),
    (1000, None, 1000, "absolute"),                      # a session from before the limits
    (1000, 1000, None, None),                            # first request after login
])
def test_session_expiry(now, logged_in, seen, expected):
    assert rules.session_expiry(now, logged_in, seen, IDLE, ABSOLUTE) == expected


@pytest.mark.parametrize("now, confirmed, recent", [
    (100, None, False), (100, 100, True), (100 + 599, 100, True), (100 + 600, 100, False), (50, 100, False),
])
def test_recent_password(now, confirmed, recent):
    assert rules.is_recent(now, confirmed, 600) is recent


@pytest.mark.parametrize("agent, label", [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
     "Safari/537.36", "Chrome（Windows）"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
     "Safari/537.36 Edg/130.0.0.0", "Edge（Windows）"),
    ("Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer（Windows）"),
    ("Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/86.0 Safari/537.36 "
     "QIHU 360SE", "360 浏览器（Windows）"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox（Linux）"),
    ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36", "Chrome（Android）"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 "
     "Safari/604.1", "Safari（iPhone）"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15",
     "Safari（macOS）"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.50", "微信（iPhone）"),
    ("Werkzeug/3.1", "未知浏览器"),
    ("curl/8.0 (Linux)", "未知浏览器（Linux）"),
    ("", "未知浏览器"),
    (None, "未知浏览器"),
])
def test_a_person_recognises_their_devices_by_browser_and_system(agent, label):
    assert rules.browser_label(agent) == label


@pytest.mark.parametrize("address, pair, user, failed_before, refusal", [
    (False, False, False, False, None),
    (False, False, False, True, None),
    (True, False, False, False, "address"),       # spraying from this address: held whatever the username
    (False, True, False, True, "pair"),           # this address guessed this username five times
    (False, False, True, True, "user"),           # the username is under attack and this address took part
    (False, False, True, False, None),            # ... but a clean address (the owner's desk) is checked
    (True, True, True, True, "address"),
])
def test_which_count_refuses_a_login_attempt(address, pair, user, failed_before, refusal):
    assert rules.login_refusal(address, pair, user, failed_before) == refusal


@pytest.mark.parametrize("failures, free, seconds", [(29, 30, 0), (30, 30, 30), (31, 30, 60), (10**6, 30, 900)])
def test_the_address_lock_starts_later(failures, free, seconds):
    assert rules.lock_seconds(failures, free) == seconds


def test_throttle_keys_are_hashed_and_share_the_username_prefix():
    keys = rules.throttle_keys(" Agent ", "10.0.0.8")
    assert keys == rules.throttle_keys("agent", "10.0.0.8")
    assert keys.pair.startswith(rules.pair_prefix("agent")) and keys.user != keys.address
    assert keys.pair != rules.throttle_keys("agent", "10.0.0.9").pair
    assert "agent" not in "".join(keys) and all(len(k) <= 80 for k in keys)


@pytest.mark.parametrize("changes, refused", [
    ({}, set()),
    ({"min_password_length": 7}, {"min_password_length"}),
    ({"min_password_length": 65}, {"min_password_length"}),
    ({"free_failures": 2}, {"free_failures"}),
    ({"first_lock_seconds": 601}, {"first_lock_seconds"}),
    ({"max_lock_seconds": 59}, {"max_lock_seconds"}),
    ({"address_free_failures": 201}, {"address_free_failures"}),
    ({"first_lock_seconds": 600, "max_lock_seconds": 300}, {"max_lock_seconds"}),
    ({"free_failures": 10, "address_free_failures": 10}, set()),
])
def test_the_security_admins_numbers_stay_within_their_ranges(changes, refused):
    assert set(rules.thresholds_problems(rules.Thresholds()._replace(**changes))) == refused


@pytest.mark.parametrize("failures, seconds", [(2, 0), (3, 45), (4, 90), (5, 100), (30, 100)])
def test_the_lock_follows_the_security_admins_numbers(failures, seconds):
    assert rules.lock_seconds(failures, free=3, first=45, longest=100) == seconds


def test_the_minimum_password_length_is_the_one_given():
    assert rules.password_problems("Qz7#kd!pW2", "", 16) == ["密码至少 16 个字符。"]
    assert rules.password_problems("Qz7#kd!pW2", "") == []
