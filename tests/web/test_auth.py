"""Logging in and out, password changes, account management, CSRF and cookies."""
from sqlalchemy import func, select

from portal import create_app
from portal.audit.models import AuditEntry
from portal.auth.models import Role, User
from portal.extensions import db
from tests import factories
from tests.conftest import FAST_HASH, TEST_KEYS


def test_login_with_the_right_password_goes_to_the_start_page(client, users):
    response = client.post("/auth/login", data={"username": "changchun", "password": factories.PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "长春地区" not in response.get_data(as_text=True)  # a redirect, no page yet
    page = client.get("/").get_data(as_text=True)
    assert "您好，changchun" in page
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "login")) == 1


def test_a_wrong_password_gets_a_chinese_message_and_keeps_the_username(client, users):
    response = client.post("/auth/login", data={"username": "changchun", "password": "wrong-password"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "用户名或密码不正确" in page and 'value="changchun"' in page
    # The message is about the pair: one alert above the form, not under the ID or the password field.
    alert = page.index('<div class="form-errors" role="alert"><p>用户名或密码不正确')
    assert alert < page.index('id="username"') and 'aria-invalid' not in page and "field-error" not in page
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "login_failed")) == 1


def test_an_unknown_username_reads_like_a_wrong_password(client, users):
    page = client.post("/auth/login", data={"username": "nobody", "password": "x"}).get_data(as_text=True)
    assert "用户名或密码不正确" in page


def test_a_disabled_account_cannot_log_in(client, orgs):
    factories.make_user("old", Role.AGENT, active=False)
    db.session.commit()
    page = client.post("/auth/login", data={"username": "old", "password": factories.PASSWORD}).get_data(as_text=True)
    assert "用户名或密码不正确" in page
    assert client.get("/workstations/").status_code == 302


def test_login_follows_a_local_next_but_not_an_outside_one(client, users):
    data = {"username": "agent", "password": factories.PASSWORD}
    assert client.post("/auth/login?next=/workstations/", data=data).headers["Location"] == "/workstations/"
    client.post("/auth/logout")
    assert client.post("/auth/login?next=//evil.example/", data=data).headers["Location"] == "/"


def test_pages_need_a_login(client, users):
    response = client.get("/workstations/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_logout_is_a_post_and_ends_the_session(login_as):
    client = login_as("agent")
    opened = client.get("/auth/logout")       # the address opened again: back to a page, still logged in
    assert opened.status_code == 303 and opened.headers["Location"] == "/"
    assert client.get("/workstations/").status_code == 200
    assert client.post("/auth/logout").status_code == 303
    assert client.get("/workstations/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, users):
    response = client.post("/auth/login", data={"username": "agent", "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_stored_as_argon2id(users):
    assert users["agent"].password_hash.startswith("$argon2id$")


def test_password_change(login_as):
    client = login_as("agent")
    bad = client.post("/auth/password", data={"current_password": "nope", "new_password": "a-new-secret-2026",
                                             "confirm": "a-new-secret-2026"}).get_data(as_text=True)
    assert "当前密码不正确" in bad
    weak = client.post("/auth/password", data={"current_password": factories.PASSWORD,
                                               "new_password": "1234567890", "confirm": "1234567890"})
    assert "密码过于常见" in weak.get_data(as_text=True)
    mismatch = client.post("/auth/password", data={"current_password": factories.PASSWORD,
                                                  "new_password": "a-new-secret-2026", "confirm": "other-2026-x"})
    assert "两次输入的新密码不一致" in mismatch.get_data(as_text=True)
    ok = client.post("/auth/password", data={"current_password": factories.PASSWORD,
                                            "new_password": "a-new-secret-2026", "confirm": "a-new-secret-2026"})
    assert ok.status_code == 303
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"username": "agent", "password": "a-new-secret-2026"}).status_code == 303


def user_form(**values):
    data = {"username": "newstaff", "display_name": "新同事", "role": "center_staff", "region_id": "",
            "center_id": "", "organisation": "", "phone": "", "active": "y", "password": "a-good-secret-99"}
    data.update(values)
    return data


def test_the_system_admin_creates_a_center_staff_account(login_as, orgs):
    client = login_as("sysadmin")
    region, center = orgs.region("jilin"), orgs.center(factories.JILIN_CITY)
    response = client.post("/auth/users/new", data=user_form(region_id=region.id, center_id=center.id))
    assert response.status_code == 303
    user = db.session.scalars(select(User).filter_by(username="newstaff")).one()
    assert (user.role, user.region_id, user.center_id) == (Role.CENTER_STAFF, region.id, center.id)
    entry = db.session.scalars(select(AuditEntry).filter_by(object_type="user", action="create")).one()
    assert entry.after["role"] == "center_staff" and "password" not in str(entry.after)


def test_center_staff_must_belong_to_a_center_of_their_region(login_as, orgs):
    client = login_as("sysadmin")
    page = client.post("/auth/users/new", data=user_form(
        region_id=orgs.region("changchun").id, center_id=orgs.center(factories.JILIN_CITY).id)).get_data(as_text=True)
    assert "所选交易中心不在所属地区内" in page and 'value="newstaff"' in page
    page = client.post("/auth/users/new", data=user_form()).get_data(as_text=True)
    assert "该角色必须选择所属地区" in page
    assert db.session.scalar(select(func.count()).select_from(User).filter_by(username="newstaff")) == 0


def test_duplicate_username_is_refused(login_as):
    client = login_as("sysadmin")
    page = client.post("/auth/users/new", data=user_form(username="AGENT", role="agent")).get_data(as_text=True)
    assert "该用户名已被使用" in page


def test_the_last_provincial_admin_cannot_be_demoted(login_as, users):
    client = login_as("sysadmin")
    page = client.post(f"/auth/users/{users['province'].id}/edit",
                       data=user_form(username="province", role="agent", password="")).get_data(as_text=True)
    assert "至少需要保留一个启用的省级管理员账号" in page
    db.session.refresh(users["province"])
    assert users["province"].role is Role.PROVINCE_ADMIN


def test_user_list_searches_and_filters(login_as):
    client = login_as("sysadmin")
    page = client.get("/auth/users/?q=staff").get_data(as_text=True)
    assert "staff-changchun" in page and "staff-jilin" in page and ">agent<" not in page
    page = client.get("/auth/users/?role=supervisor").get_data(as_text=True)
    assert "supervisor" in page and "staff-jilin" not in page


def csrf_app(database_url):
    return create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url,
                       "WTF_CSRF_ENABLED": True, **FAST_HASH, **TEST_KEYS})


def test_a_form_posted_without_csrf_token_is_refused_and_changes_nothing(database_url, users):
    client = csrf_app(database_url).test_client()
    response = client.post("/auth/login", data={"username": "agent", "password": factories.PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "安全令牌" in page and "Traceback" not in page
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_the_csrf_token_is_accepted_from_the_form_or_the_htmx_header(database_url, users):
    import re

    client = csrf_app(database_url).test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/auth/login").get_data(as_text=True)).group(1)
    response = client.post("/auth/login", data={"username": "agent", "password": factories.PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert client.post("/auth/logout").status_code == 400
    assert client.post("/auth/logout", headers={"X-CSRFToken": header_token}).status_code == 303
