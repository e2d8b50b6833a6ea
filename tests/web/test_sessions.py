"""Login throttling and sessions (issue 11, authentication): a lock after repeated failures kept in the
database, a fresh session on login, idle and absolute timeouts, logging out everywhere, sessions ending when
the password or the account's rights change, the password asked again before account changes."""
import hashlib
import time
from datetime import timedelta

from sqlalchemy import func, select, update

from portal.audit.models import AuditEntry
from portal.auth import rules
from portal.auth.models import LoginSession, LoginThrottle, Role, SessionEnd, User
from portal.extensions import db
from portal.models_base import utcnow
from tests import factories


# The test client's address (Werkzeug's default REMOTE_ADDR): the agent's (username, address) count.
AGENT_HERE = rules.throttle_keys("agent", "127.0.0.1").pair


def _login(client, username, password=factories.PASSWORD, address=None):
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.post("/auth/login", data={"username": username, "password": password}, environ_base=environ)


def _locks_run_out():
    """Every lock's time passes (the test does not wait for it)."""
    db.session.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def _logged_in(client) -> bool:
    return client.get("/auth/password").status_code == 200


def test_five_failures_lock_the_username_then_the_lock_grows_and_a_success_clears_it(app, users):
    client = app.test_client()
    for _ in range(5):
        assert _login(client, "agent", "wrong-password-1").status_code == 200
    locked = _login(client, "agent")                      # the right password, but locked
    assert locked.status_code == 429
    assert "登录失败次数过多，请在 30 秒后再试" in locked.get_data(as_text=True)
    assert not _logged_in(client)
    throttle = db.session.get(LoginThrottle, AGENT_HERE)
    assert throttle.failures == 5
    assert locked.headers["Retry-After"] == "30"
    # The locks run out; one more failure locks for twice as long.
    _locks_run_out()
    assert _login(client, "AGENT", "wrong-password-1").status_code == 200
    assert "请在 1 分钟后再试" in _login(client, "agent").get_data(as_text=True)
    _locks_run_out()
    assert _login(client, "agent").status_code == 303     # success clears the count
    db.session.expire_all()
    assert db.session.get(LoginThrottle, AGENT_HERE) is None
    summaries = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "login_failed")
                                   .order_by(AuditEntry.id)).all()
    assert summaries[0] == "密码错误（连续第 1 次）" and any("锁定中" in s for s in summaries)


def test_an_unknown_username_locks_the_same_way_so_the_answer_tells_nothing(app, users):
    client = app.test_client()
    for _ in range(5):
        _login(client, "nobody-here", "whatever-password")
    response = _login(client, "nobody-here", "whatever-password")
    assert response.status_code == 429 and "登录失败次数过多" in response.get_data(as_text=True)


def test_failures_from_several_workers_count_together(app, users):
    """The count is in the database: two clients (two workers, two hosts) add up."""
    first, second = app.test_client(), app.test_client()
    for n in range(5):
        _login(first if n % 2 else second, "agent", "wrong-password-1")
    assert _login(first, "agent").status_code == 429
    assert _login(second, "agent").status_code == 429


def test_login_starts_a_fresh_session(app, users):
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["planted"] = "by-an-attacker"
    assert _login(client, "agent").status_code == 303
    with client.session_transaction() as sess:
        assert "planted" not in sess and len(sess["sid"]) >= 40 and sess["login_at"] <= time.time()
    row = db.session.scalars(select(LoginSession)).one()
    assert row.key_sha256 == hashlib.sha256(sess["sid"].encode()).hexdigest() and row.ended_at is None


def _age_session(client, **ages):
    with client.session_transaction() as sess:
        for key, seconds in ages.items():
            sess[key] = time.time() - seconds


def test_idle_session_ends_and_htmx_is_sent_to_the_login_page(login_as):
    client = login_as("agent")
    _age_session(client, seen_at=29 * 60)
    assert client.get("/workstations/").status_code == 200          # 29 minutes: still fine, and seen now
    _age_session(client, seen_at=31 * 60)
    response = client.get("/workstations/?status=available")
    assert response.status_code == 303 and "/auth/login" in response.headers["Location"]
    assert "next=" in response.headers["Location"]
    assert not _logged_in(client)
    other = login_as("agent")
    _age_session(other, seen_at=31 * 60)
    fragment = other.get("/workstations/?q=A", headers={"HX-Request": "true"})
    assert fragment.status_code == 204 and fragment.headers["HX-Redirect"].startswith("/auth/login")


def test_a_busy_session_still_ends_twelve_hours_after_login(login_as):
    client = login_as("agent")
    _age_session(client, login_at=12 * 3600 + 5, seen_at=10)
    response = client.get("/")
    assert not _logged_in(client)
    page = client.get("/auth/login").get_data(as_text=True)
    assert "登录已超过有效期" in page or response.status_code == 303


def test_logout_everywhere_ends_every_session_of_the_account(login_as):
    laptop, phone, colleague = login_as("agent"), login_as("agent"), login_as("supervisor")
    response = laptop.post("/auth/logout-everywhere")
    assert response.status_code == 303 and response.headers["Location"].endswith("/auth/login")
    assert not _logged_in(laptop) and not _logged_in(phone)
    assert _logged_in(colleague)
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "logout_all")).one()


def test_changing_the_password_keeps_this_session_and_ends_the_others(login_as):
    here, elsewhere = login_as("agent"), login_as("agent")
    response = here.post("/auth/password", data={"current_password": factories.PASSWORD,
                                                 "new_password": "another-horse-2027", "confirm": "another-horse-2027"})
    assert response.status_code == 303
    assert _logged_in(here) and not _logged_in(elsewhere)


def test_an_admin_changing_an_accounts_rights_ends_its_sessions(login_as, users, orgs):
    agent_session = login_as("agent")
    admin = login_as("sysadmin")
    agent = db.session.scalars(select(User).where(User.username == "agent")).one()
    response = admin.post(f"/auth/users/{agent.id}/edit", data={
        "username": "agent", "display_name": agent.display_name, "role": Role.SUPERVISOR.value,
        "region_id": orgs.region("changchun").id, "active": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert not _logged_in(agent_session)
    assert _logged_in(admin)


def test_account_changes_ask_for_the_password_again_after_ten_minutes(login_as):
    admin = login_as("sysadmin")
    assert admin.get("/auth/users/new").status_code == 200             # just logged in
    _age_session(admin, confirmed_at=11 * 60)
    response = admin.get("/auth/users/new")
    assert response.status_code == 303 and "/auth/confirm?next=/auth/users/new" in response.headers["Location"]
    wrong = admin.post("/auth/confirm", data={"password": "not-my-password", "next": "/auth/users/new"})
    assert wrong.status_code == 422 and "密码不正确" in wrong.get_data(as_text=True)
    right = admin.post("/auth/confirm", data={"password": factories.PASSWORD, "next": "/auth/users/new"})
    assert right.status_code == 303 and right.headers["Location"] == "/auth/users/new"
    assert admin.get("/auth/users/new").status_code == 200
    refused_elsewhere = admin.post("/auth/confirm", data={"password": factories.PASSWORD,
                                                         "next": "https://evil.example/"})
    assert refused_elsewhere.headers["Location"] == "/"


def test_a_form_opened_in_time_and_filled_slowly_is_still_saved(login_as, users, orgs):
    """Opening the form needs a password given within 10 minutes; saving it, within 30 (what was typed is
    not lost to the confirmation page); after that, saving asks again."""
    admin = login_as("sysadmin")
    form = {"username": "newcomer", "display_name": "新同事", "role": Role.AGENT.value, "active": "y",
            "password": "a-good-secret-99"}
    _age_session(admin, confirmed_at=25 * 60)
    assert admin.get("/auth/users/new").status_code == 303                  # opening: asks again
    assert admin.post("/auth/users/new", data=form).status_code == 303      # saving a form already open: goes
    assert db.session.scalars(select(User).where(User.username == "newcomer")).one()
    _age_session(admin, confirmed_at=31 * 60)
    late = admin.post("/auth/users/new", data=form | {"username": "latecomer"})
    assert late.status_code == 303 and "/auth/confirm" in late.headers["Location"]
    assert db.session.scalars(select(User).where(User.username == "latecomer")).first() is None


def test_a_pages_background_poll_does_not_keep_the_session_alive(login_as):
    client = login_as("agent")
    _age_session(client, seen_at=20 * 60)
    assert client.get("/notifications/badge", headers={"HX-Request": "true", "X-Portal-Poll": "1"}).status_code == 200
    with client.session_transaction() as sess:
        assert time.time() - sess["seen_at"] >= 20 * 60            # not renewed by the poll
    _age_session(client, seen_at=31 * 60)
    poll = client.get("/notifications/badge", headers={"HX-Request": "true", "X-Portal-Poll": "1"})
    assert poll.status_code == 204 and poll.headers["HX-Redirect"].startswith("/auth/login")


def test_the_password_form_counts_wrong_current_passwords_towards_the_lock(login_as):
    client = login_as("agent")
    for _ in range(5):
        response = client.post("/auth/password", data={"current_password": "guess-guess-1",
                                                       "new_password": "another-horse-2027",
                                                       "confirm": "another-horse-2027"})
        assert "当前密码不正确" in response.get_data(as_text=True)
    locked = client.post("/auth/password", data={"current_password": factories.PASSWORD,
                                                 "new_password": "another-horse-2027", "confirm": "another-horse-2027"})
    assert "密码错误次数过多" in locked.get_data(as_text=True)
    assert db.session.get(LoginThrottle, AGENT_HERE).failures == 5         # the same count as the login page's


def test_a_province_admin_editing_accounts_is_refused_now_that_accounts_are_the_system_admins(login_as, users):
    admin = login_as("province")
    assert admin.get(f"/auth/users/{users['agent'].id}/edit").status_code == 403
    assert admin.get("/auth/users/").status_code == 403


def test_failures_an_hour_apart_start_counting_again(app, users):
    client = app.test_client()
    for _ in range(4):
        _login(client, "agent", "wrong-password-1")
    throttle = db.session.get(LoginThrottle, AGENT_HERE)
    throttle.last_failure_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    _login(client, "agent", "wrong-password-1")
    db.session.expire_all()
    assert db.session.get(LoginThrottle, AGENT_HERE).failures == 1


def _copy_of_cookie(app, client):
    """Another browser holding a copy of `client`'s session cookie (stolen, or a second tab's profile)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_logging_out_ends_a_copy_of_the_cookie_too(app, login_as):
    client = login_as("agent")
    copy = _copy_of_cookie(app, client)
    assert _logged_in(copy)
    assert client.post("/auth/logout").status_code == 303
    assert not _logged_in(copy) and not _logged_in(client)
    row = db.session.scalars(select(LoginSession)).one()
    assert row.end_reason is SessionEnd.LOGOUT and row.ended_at is not None


def test_an_idle_session_is_ended_in_the_database(app, login_as):
    client = login_as("agent")
    copy = _copy_of_cookie(app, client)
    _age_session(client, seen_at=31 * 60)
    client.get("/")
    db.session.expire_all()
    assert db.session.scalars(select(LoginSession.end_reason)).one() is SessionEnd.IDLE
    assert not _logged_in(copy)


def test_a_person_sees_their_sessions_and_ends_another_device(app, login_as, users):
    laptop, phone, colleague = login_as("agent"), app.test_client(), login_as("supervisor")
    phone.post("/auth/login", data={"username": "agent", "password": factories.PASSWORD},
               headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile Safari/537.36"},
               environ_base={"REMOTE_ADDR": "10.1.2.3"})
    page = laptop.get("/auth/sessions").get_data(as_text=True)
    assert page.count("结束此登录") == 1 and "当前设备" in page      # the colleague's session is not listed
    assert "Chrome（Android）" in page and "10.1.2.3" in page
    rows = db.session.scalars(select(LoginSession).where(LoginSession.user_id == users["agent"].id)
                              .order_by(LoginSession.id)).all()
    mine, theirs = rows
    assert laptop.post(f"/auth/sessions/{mine.id}/end").status_code == 400        # this one: log out instead
    supervisor_row = db.session.scalars(select(LoginSession).where(
        LoginSession.user_id == users["supervisor"].id)).one()
    assert laptop.post(f"/auth/sessions/{supervisor_row.id}/end").status_code == 404   # not one's own
    assert laptop.post("/auth/sessions/99999999999999999999/end").status_code == 404
    response = laptop.post(f"/auth/sessions/{theirs.id}/end")
    assert response.status_code == 303
    assert not _logged_in(phone) and _logged_in(laptop) and _logged_in(colleague)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "session_end")).one()
    assert entry.user_id == users["agent"].id
    assert "结束此登录" not in laptop.get("/auth/sessions").get_data(as_text=True)


def test_the_sessions_page_asks_for_the_password_after_the_confirmation_window(login_as):
    client = login_as("agent")
    _age_session(client, confirmed_at=11 * 60)
    response = client.get("/auth/sessions")
    assert response.status_code == 303 and "/auth/confirm" in response.headers["Location"]


def test_old_session_rows_are_removed_at_the_next_login(app, login_as, users):
    login_as("agent").post("/auth/logout")
    db.session.execute(update(LoginSession).values(created_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    login_as("agent")
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 1


def test_a_burst_of_simultaneous_guesses_is_held_to_the_same_five(app, users):
    """Twelve wrong passwords sent at the same instant (twelve workers): the attempt is counted before the
    password is checked, so at most five are checked and the rest find the username locked."""
    import threading

    clients = [app.test_client() for _ in range(12)]
    barrier = threading.Barrier(len(clients))
    answers: list[int] = []

    def guess(client, n):
        barrier.wait()
        answers.append(_login(client, "agent", f"wrong-guess-{n}").status_code)

    threads = [threading.Thread(target=guess, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.remove()
    assert len(answers) == 12
    assert answers.count(200) <= 5 and answers.count(200) + answers.count(429) == 12, answers
    checked = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed",
                                                          AuditEntry.summary.like("密码错误%"))).all()
    assert len(checked) == answers.count(200)
    assert _login(app.test_client(), "agent").status_code == 429      # the right password waits too


def test_changing_the_password_gives_this_device_a_new_key(app, login_as):
    """A copy of this very cookie (the reason to change a password) is logged out too; this device goes on."""
    here = login_as("agent")
    copy = _copy_of_cookie(app, here)
    response = here.post("/auth/password", data={"current_password": factories.PASSWORD,
                                                 "new_password": "another-horse-2027", "confirm": "another-horse-2027"})
    assert response.status_code == 303
    assert _logged_in(here) and not _logged_in(copy)
    assert db.session.scalar(select(func.count()).select_from(LoginSession)
                             .where(LoginSession.ended_at.is_(None))) == 1


def test_a_session_idle_in_the_database_ends_even_with_a_fresh_cookie(app, login_as):
    """A copy of the cookie keeps its own times fresh; the database's record of activity still ends it."""
    client = login_as("agent")
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=32)))
    db.session.commit()
    assert not _logged_in(client)
    other = login_as("agent")
    db.session.execute(update(LoginSession).where(LoginSession.ended_at.is_(None))
                       .values(created_at=utcnow() - timedelta(hours=12, minutes=1)))
    db.session.commit()
    assert not _logged_in(other)
    assert "结束此登录" not in login_as("agent").get("/auth/sessions").get_data(as_text=True)


def test_an_htmx_request_of_a_session_ended_elsewhere_goes_to_the_login_page_and_back(app, login_as):
    """A filter typed (or a poll) on a page whose session was ended from another device: the browser is sent to
    the login page (204 + HX-Redirect), and back afterwards to the page the person had open, not the fragment."""
    phone, laptop = login_as("agent"), login_as("agent")
    laptop.post("/auth/logout-everywhere")
    response = phone.get("/notifications/badge", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/workstations/?status=available"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/auth/login?next=/workstations/?status%3Davailable"
    foreign = phone.get("/notifications/badge", headers={"HX-Request": "true",
                                                         "HX-Current-URL": "http://evil.example//evil.example/x"})
    assert foreign.headers["HX-Redirect"] == "/auth/login"       # never sent on to another site
    page = phone.get("/workstations/")
    assert page.status_code == 302 and "next=" in page.headers["Location"]


def test_an_idle_htmx_poll_comes_back_to_the_page_not_the_fragment(login_as):
    client = login_as("agent")
    _age_session(client, seen_at=31 * 60)
    response = client.get("/notifications/badge", headers={"HX-Request": "true",
                                                            "HX-Current-URL": "http://localhost/bookings/"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/auth/login?next=/bookings/"


def test_the_system_admin_cannot_edit_their_own_or_another_administrators_account(login_as, users):
    """三员 accounts are kept by `flask create-admin`: the system admin cannot make themselves the audit admin,
    nor reset the audit admin's password and log in as them."""
    admin = login_as("sysadmin")
    for username in ("sysadmin", "secadmin", "auditor"):
        target = users[username]
        assert admin.get(f"/auth/users/{target.id}/edit").status_code == 403
        response = admin.post(f"/auth/users/{target.id}/edit", data={
            "username": username, "display_name": username, "role": Role.AUDIT_ADMIN.value, "active": "y",
            "password": "a-brand-new-pass-2027"})
        assert response.status_code == 403
    assert _logged_in(admin)
    created = admin.post("/auth/users/new", data={"username": "second-auditor", "display_name": "x",
                                                  "role": Role.AUDIT_ADMIN.value, "active": "y",
                                                  "password": "a-brand-new-pass-2027"})
    assert created.status_code == 200 and "second-auditor" in created.get_data(as_text=True)
    assert db.session.scalars(select(User).where(User.username == "second-auditor")).first() is None
