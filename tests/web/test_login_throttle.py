"""Throttling that does not lock the owner out (issue 27 item 5): failures are counted per (username, client
address) and per address across usernames; the username's own lock only slows guessing down, so the right
password from another address gets in; behind a proxy the address is the one ProxyFix reads."""
from datetime import timedelta

from sqlalchemy import select, update

from portal.audit.models import AuditEntry
from portal.auth import rules
from portal.auth.models import LoginThrottle
from portal.extensions import db
from portal.models_base import utcnow
from tests import factories
from tests.conftest import make_app

ATTACKER, OWNER, OTHER = "203.0.113.9", "10.20.0.15", "198.51.100.7"


def _login(client, username, password=factories.PASSWORD, address=ATTACKER, **extra):
    return client.post("/auth/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, **extra)


def _wrong(client, username, address=ATTACKER, times=5):
    for n in range(times):
        _login(client, username, f"wrong-guess-{n}", address)


def test_five_failures_from_anywhere_do_not_lock_out_the_owner_with_the_right_password(app, users):
    client = app.test_client()
    _wrong(client, "province")
    refused = _login(client, "province")                      # the right password, from the guessing address
    assert refused.status_code == 429 and "登录失败次数过多，请在 30 秒后再试" in refused.get_data(as_text=True)
    assert _login(app.test_client(), "province", address=OWNER).status_code == 303   # the owner, at their desk


def test_while_a_username_is_locked_every_other_address_gets_one_guess(app, users):
    client = app.test_client()
    _wrong(client, "province")
    other = app.test_client()
    assert _login(other, "province", "wrong-guess-x", address=OTHER).status_code == 200   # checked
    again = _login(other, "province", address=OTHER)          # even the right password now waits
    assert again.status_code == 429 and "请在" in again.get_data(as_text=True)
    assert _login(app.test_client(), "province", address=OWNER).status_code == 303


def test_spraying_a_few_guesses_on_many_accounts_locks_the_address(app, users):
    client = app.test_client()
    for n in range(rules.ADDRESS_FREE_FAILURES):
        assert _login(client, f"user-{n:02d}", "Spring-2026!", ATTACKER).status_code == 200
    refused = _login(client, "agent", address=ATTACKER)      # a real account, the right password: still held
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "从您所在的网络地址登录失败的次数过多，请在 30 秒后再试" in text
    assert refused.headers["Retry-After"] == "30"
    assert _login(app.test_client(), "agent", address=OWNER).status_code == 303   # other addresses are not
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")
                               .order_by(AuditEntry.id.desc())).first()
    assert "此网络地址锁定中" in entry.summary


def test_right_passwords_from_one_address_are_not_counted_against_it(app, users):
    """An office behind one address logs in all day: only failures count towards the address's lock."""
    for _ in range(rules.ADDRESS_FREE_FAILURES + 3):
        assert _login(app.test_client(), "agent", address=OWNER).status_code == 303
    row = db.session.get(LoginThrottle, rules.throttle_keys("agent", OWNER).address)
    assert row is None or row.failures == 0


def test_an_admins_reset_lifts_the_accounts_locks_from_every_address(app, users, login_as):
    _wrong(app.test_client(), "agent", ATTACKER)
    _wrong(app.test_client(), "agent", OTHER)
    agent = users["agent"]
    admin = login_as("sysadmin")
    response = admin.post(f"/auth/users/{agent.id}/edit", data={
        "username": "agent", "display_name": agent.display_name, "role": agent.role.value,
        "organisation": agent.organisation or "", "active": "y", "password": "a-fresh-password-2027"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    left = db.session.scalars(select(LoginThrottle.key).where(LoginThrottle.key.startswith("p:"))).all()
    assert left == []
    assert _login(app.test_client(), "agent", "a-fresh-password-2027", ATTACKER).status_code == 303


def test_behind_a_proxy_the_forwarded_address_is_counted(database_url, users):
    app = make_app(database_url, PROXY_FIX_HOPS=1)
    client = app.test_client()
    for n in range(5):
        _login(client, "agent", f"wrong-{n}", "127.0.0.1", headers={"X-Forwarded-For": ATTACKER})
    assert _login(client, "agent", address="127.0.0.1", headers={"X-Forwarded-For": ATTACKER}).status_code == 429
    # Another visitor through the same proxy is another address.
    assert _login(client, "agent", address="127.0.0.1", headers={"X-Forwarded-For": OWNER}).status_code == 303


def test_typed_usernames_are_not_kept_in_the_clear(app, users):
    _login(app.test_client(), "my-secret-password-typed-here", "x")
    keys = db.session.scalars(select(LoginThrottle.key)).all()
    assert keys and not any("secret" in key for key in keys)


def test_an_old_lock_of_the_username_does_not_hold_a_clean_address(app, users):
    """The username's lock ran out an hour ago: the pair that failed then starts counting again too."""
    _wrong(app.test_client(), "agent")
    db.session.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(hours=1),
                                                    last_failure_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    assert _login(app.test_client(), "agent").status_code == 303
