"""Two factors (issue 27 item 7): TOTP enrolment with a QR code, the second login step, recovery codes, the
per-role requirement and the password age. Codes are computed with pyotp (the real RFC 6238 algorithm)."""
import base64
import re
from datetime import timedelta

import pyotp
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth import rules
from portal.auth.models import LoginThrottle, RecoveryCode, Role, RolePolicy, User
from portal.extensions import db
from portal.models_base import utcnow
from tests import factories


def _password(client, username, password=factories.PASSWORD):
    return client.post("/auth/login", data={"username": username, "password": password})


def _enrol(client) -> tuple[str, list[str]]:
    """Open the enrolment page, scan (read the secret), answer with the phone's code: (secret, recovery codes)."""
    page = client.get("/auth/two-factor")
    assert page.status_code == 200
    with client.session_transaction() as sess:
        secret = sess["totp_pending"]
    response = client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    codes = re.findall(r"<code>([a-z0-9]{4}(?:-[a-z0-9]{4}){3})</code>", response.get_data(as_text=True))
    return secret, codes


def _user(username) -> User:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.username == username)).one()


def _actions(username) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.username == username)
                                   .order_by(AuditEntry.id)))


def test_enrolment_shows_a_qr_code_and_is_confirmed_by_a_first_code(login_as, users):
    client = login_as("agent")
    page = client.get("/auth/two-factor").get_data(as_text=True)
    image = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert image, page[:500]
    svg = base64.b64decode(image.group(1)).decode()
    assert svg.startswith("<?xml") and "<svg" in svg and "<script" not in svg
    with client.session_transaction() as sess:
        secret = sess["totp_pending"]
    assert secret in page                                # the key to type when the camera cannot scan
    wrong = client.post("/auth/two-factor", data={"code": "000000" if pyotp.TOTP(secret).now() != "000000"
                                                  else "111111"})
    assert wrong.status_code == 422 and "动态口令不正确" in wrong.get_data(as_text=True)
    assert _user("agent").totp_enabled_at is None
    secret_again, codes = _enrol(client)
    assert secret_again == secret and len(codes) == rules.RECOVERY_CODES and len(set(codes)) == len(codes)
    agent = _user("agent")
    assert agent.totp_enabled_at is not None and agent.totp_secret == secret
    stored = db.session.scalars(select(RecoveryCode.code_sha256).where(RecoveryCode.user_id == agent.id)).all()
    assert sorted(stored) == sorted(rules.recovery_digest(c) for c in codes)      # hashed, never in clear
    assert not any(c.replace("-", "") in s for c in codes for s in stored)
    assert "two_factor_failed" in _actions("agent") and "two_factor_on" in _actions("agent")
    # shown once: the page now shows the state, not the codes
    assert not re.search(r"<code>[a-z0-9]{4}-", client.get("/auth/two-factor").get_data(as_text=True))


def test_login_asks_for_the_code_after_the_password(client, login_as, users):
    secret, _ = _enrol(login_as("agent"))
    response = _password(client, "agent")
    assert response.status_code == 303 and response.headers["Location"].endswith("/auth/login/code")
    assert client.get("/auth/sessions").status_code == 302          # the password alone is not a login
    assert "login_password" in _actions("agent")
    ok = client.post("/auth/login/code", data={"code": factories.totp_code("agent", secret)})   # a code not used
    assert ok.status_code == 303 and ok.headers["Location"] == "/"
    assert client.get("/auth/sessions").status_code == 200
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.username == "agent", AuditEntry.action == "login")
                               .order_by(AuditEntry.id.desc())).first()
    assert "动态口令" in entry.summary


def test_a_code_is_accepted_once_and_a_wrong_code_is_refused_and_counted(app, login_as, users):
    secret, _ = _enrol(login_as("agent"))          # the enrolment used the current step's code
    client = app.test_client()
    _password(client, "agent")
    replay = client.post("/auth/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert replay.status_code == 422 and "动态口令或恢复码不正确" in replay.get_data(as_text=True)
    wrong = client.post("/auth/login/code", data={"code": "12345x"})
    assert wrong.status_code == 422
    assert client.get("/auth/sessions").status_code == 302
    failed = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "login_failed")).all()
    assert len(failed) == 2 and all("动态口令或恢复码不正确" in s for s in failed)


def test_wrong_codes_lock_the_code_step_like_passwords(app, login_as, users):
    secret, _ = _enrol(login_as("agent"))
    client = app.test_client()
    _password(client, "agent")
    for _ in range(rules.FREE_FAILURES):
        assert client.post("/auth/login/code", data={"code": "999999"}).status_code == 422
    totp = pyotp.TOTP(secret)
    locked = client.post("/auth/login/code", data={"code": totp.at(utcnow() + timedelta(seconds=30))})
    assert locked.status_code == 429 and "动态口令错误次数过多" in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) >= 1
    # the password step does not reset the code's count
    _password(app.test_client(), "agent")
    keys = rules.throttle_keys("totp:agent", "127.0.0.1")
    assert db.session.get(LoginThrottle, keys.pair).failures >= rules.FREE_FAILURES


def test_a_recovery_code_logs_in_once(app, login_as, users):
    _, codes = _enrol(login_as("agent"))
    first = app.test_client()
    _password(first, "agent")
    ok = first.post("/auth/login/code", data={"code": codes[0].upper().replace("-", " ")})
    assert ok.status_code == 303 and first.get("/auth/sessions").status_code == 200
    assert "恢复码（剩余 9 个）" in db.session.scalars(select(AuditEntry.summary).where(
        AuditEntry.action == "login").order_by(AuditEntry.id.desc())).first()
    again = app.test_client()
    _password(again, "agent")
    refused = again.post("/auth/login/code", data={"code": codes[0]})
    assert refused.status_code == 422 and again.get("/auth/sessions").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.used_at.is_(None))) == rules.RECOVERY_CODES - 1


def test_new_recovery_codes_replace_the_old_ones(app, login_as, users):
    client = login_as("agent")
    _, old = _enrol(client)
    page = client.post("/auth/two-factor/recovery-codes").get_data(as_text=True)
    new = re.findall(r"<code>([a-z0-9]{4}(?:-[a-z0-9]{4}){3})</code>", page)
    assert len(new) == rules.RECOVERY_CODES and not set(new) & set(old)
    other = app.test_client()
    _password(other, "agent")
    assert other.post("/auth/login/code", data={"code": old[1]}).status_code == 422
    assert other.post("/auth/login/code", data={"code": new[1]}).status_code == 303
    assert "recovery_codes" in _actions("agent")


def test_an_account_whose_role_requires_two_factors_is_sent_to_enrol(client, users):
    factories.make_user("sysadmin2", Role.SYSTEM_ADMIN)          # created, never enrolled
    db.session.commit()
    response = _password(client, "sysadmin2")
    assert response.status_code == 303 and response.headers["Location"].endswith("/auth/two-factor")
    for path in ("/auth/users/", "/", "/auth/sessions"):
        sent = client.get(path)
        assert sent.status_code == 303 and sent.headers["Location"].endswith("/auth/two-factor"), path
    assert client.post("/auth/two-factor/off").headers["Location"].endswith("/auth/two-factor")
    _enrol(client)
    assert client.get("/auth/users/").status_code == 200
    refused = client.post("/auth/two-factor/off")
    assert refused.headers["Location"].endswith("/auth/two-factor") and _user("sysadmin2").totp_enabled_at


def test_a_pending_password_expires_after_five_minutes(client, login_as, users):
    secret, _ = _enrol(login_as("agent"))
    _password(client, "agent")
    with client.session_transaction() as sess:
        sess["pending_at"] -= rules.SECOND_STEP_SECONDS + 1
    response = client.post("/auth/login/code", data={"code": pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))})
    assert response.status_code == 303 and response.headers["Location"].endswith("/auth/login")
    assert client.get("/auth/sessions").status_code == 302


def test_an_optional_role_may_turn_two_factors_off(login_as, users):
    client = login_as("agent")
    _enrol(client)
    assert client.post("/auth/two-factor/off").status_code == 303
    agent = _user("agent")
    assert agent.totp_enabled_at is None and agent.totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert "two_factor_off" in _actions("agent")


def _policy_form(**changes):
    data = {}
    for role in Role:
        policy = rules.default_policy(role.value)
        if policy.two_factor_required:
            data[f"tf_{role.value}"] = "y"
        if policy.password_max_age_days:
            data[f"age_{role.value}"] = str(policy.password_max_age_days)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_security_admin_sets_two_factors_and_password_age_per_role(app, login_as, users):
    admin = login_as("secadmin")
    page = admin.get("/auth/security").get_data(as_text=True)
    assert "安全设置" in page and 'name="age_system_admin"' in page
    refused = admin.post("/auth/security", data=_policy_form(tf_audit_admin=None, age_agent="30"))
    assert refused.status_code == 422 and "必须使用双因素认证" in refused.get_data(as_text=True)
    assert 'value="30"' in refused.get_data(as_text=True)                  # the input is kept
    assert db.session.scalar(select(func.count()).select_from(RolePolicy)) == 0
    bad = admin.post("/auth/security", data=_policy_form(age_agent="0"))
    assert bad.status_code == 422 and "1–3650" in bad.get_data(as_text=True)
    saved = admin.post("/auth/security", data=_policy_form(tf_province_admin="y", age_agent="30"))
    assert saved.status_code == 303
    rows = {r.role: r for r in db.session.scalars(select(RolePolicy))}
    assert set(rows) == {Role.PROVINCE_ADMIN, Role.AGENT}
    assert rows[Role.PROVINCE_ADMIN].two_factor_required and rows[Role.AGENT].password_max_age_days == 30
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "role_policy")).all()
    assert len(entries) == 2 and all(e.username == "secadmin" for e in entries)
    # the province admin now must enrol at the next login
    response = _password(app.test_client(), "province")
    assert response.headers["Location"].endswith("/auth/two-factor")


def test_a_password_older_than_its_role_allows_must_be_changed(client, users):
    db.session.add(RolePolicy(role=Role.AGENT, two_factor_required=False, password_max_age_days=30))
    agent = _user("agent")
    agent.password_changed_at = utcnow() - timedelta(days=31)
    db.session.commit()
    response = _password(client, "agent")
    assert response.status_code == 303 and response.headers["Location"].endswith("/auth/password")
    sent = client.get("/projects/")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/auth/password")
    changed = client.post("/auth/password", data={"current_password": factories.PASSWORD,
                                                   "new_password": "another-horse-2027",
                                                   "confirm": "another-horse-2027"})
    assert changed.status_code == 303
    assert client.get("/projects/").status_code == 200
    assert "password" in _actions("agent")


def test_an_administrators_password_expires_after_90_days_by_default(app, users):
    admin = _user("auditor")
    admin.password_changed_at = utcnow() - timedelta(days=91)
    db.session.commit()
    client = app.test_client()
    _password(client, "auditor")
    response = client.post("/auth/login/code", data={"code": factories.totp_code("auditor")})
    assert response.status_code == 303 and response.headers["Location"].endswith("/auth/password")
    assert client.get("/audit/").headers["Location"].endswith("/auth/password")


def test_the_system_admin_resets_a_lost_phones_two_factors(app, login_as, users):
    _enrol(login_as("agent"))
    agent = _user("agent")
    admin = login_as("sysadmin")
    assert "重置双因素认证" in admin.get(f"/auth/users/{agent.id}/edit").get_data(as_text=True)
    response = admin.post(f"/auth/users/{agent.id}/edit", data={
        "username": "agent", "display_name": agent.display_name, "role": "agent", "active": "y",
        "reset_two_factor": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert _user("agent").totp_enabled_at is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "two_factor_off")).one()
    assert entry.username == "sysadmin" and "管理员重置" in entry.summary
    response = _password(app.test_client(), "agent")                  # a password alone logs in again
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "命令行维护" in admin.get("/auth/users/").get_data(as_text=True)


def test_the_reset_command_clears_an_administrators_two_factors_and_is_audited(app, users):
    """A system admin who lost the phone: `flask users reset-2fa` at the server (no other admin can)."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-2fa", "SysAdmin"])
    assert result.exit_code == 0, result.output
    sysadmin = _user("sysadmin")
    assert sysadmin.totp_secret is None and sysadmin.totp_enabled_at is None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "two_factor_off")).one()
    assert entry.object_id == sysadmin.id and entry.username == "系统" and "管理员重置" in entry.summary
    again = runner.invoke(args=["users", "reset-2fa", "sysadmin"])
    assert again.exit_code == 1 and "未启用双因素认证" in again.output
    assert runner.invoke(args=["users", "reset-2fa", "nobody"]).exit_code == 1
