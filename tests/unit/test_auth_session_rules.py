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
