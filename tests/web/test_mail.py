"""E-mail notices against a real SMTP server (aiosmtpd on 127.0.0.1, a free port): queued in the notification's
transaction, sent by `flask --app portal mail send`, bundled by `mail digest`, retried after a refusal."""
import email
import shutil
import socket
import ssl
import subprocess  # nosec B404 (openssl makes the test server's certificate)
import threading
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.bookings.models import SeatRequest
from portal.experts.models import Expert
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.mail import services as mail_services
from portal.mail.models import MailAddress, MailMessage
from portal.mail.rules import Mode, Status
from portal.models_base import utcnow
from portal.notifications.models import Notification
from portal.notifications.services import notify
from tests import factories

BASE = "https://portal.example.gov.cn"
STAFF_ADDRESS = "staff-jilin@jl.example.cn"


class Inbox:
    """What the test server received; `refuse` (e.g. "550 ...") answers every RCPT TO."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: str | None = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                          policy=policy.default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _refuse_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server(app, monkeypatch):
    """Start an SMTP server for the test and point the portal at it (plain SMTP, no login)."""
    started = []

    def start(authenticator=None, **tls):
        inbox, port = Inbox(), _free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                                auth_require_tls=False, **tls)
        controller.start()
        started.append(controller)
        for key, value in {"MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": port, "MAIL_SMTP_SECURITY": "none",
                           "MAIL_SENDER": "noreply@ggzy.example.cn", "MAIL_BASE_URL": BASE}.items():
            monkeypatch.setitem(app.config, key, value)
        return inbox

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def world(orgs, users):
    """An agent's section evaluated in 长春, 吉林市 with two cross-province workstations and a stocked pool."""
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    day = factories.working_day(10)
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=day)
    jilin = orgs.center(factories.JILIN_CITY)
    venue = factories.make_venue(jilin)
    for i in range(1, 3):
        factories.make_workstation(venue, f"JL-{i:02d}", cross_province=True)
    factories.stock_pool(orgs.region("jilin"))
    db.session.commit()
    return {"section": section, "jilin": jilin, "day": day}


def _file(client, world):
    data = {"evaluation_date": world["day"].isoformat(), "start_time": "09:00", "duration_minutes": "240",
            "committee_size": "7", "notes": "", "guests-0-center_id": str(world["jilin"].id), "guests-0-seats": "2",
            "guests-1-center_id": "", "guests-1-seats": "", "guests-2-center_id": "", "guests-2-seats": "",
            "action": "submit"}
    return client.post(f"/bookings/new?section={world['section'].id}", data=data)


def _prefer(client, address, **modes):
    data = {"address": address, **{f"mode_{kind}": "immediate" for kind in
                                    ("bookings", "evaluations", "reports", "training", "other")}}
    data.update({f"mode_{kind}": mode for kind, mode in modes.items()})
    return client.post("/mail/preferences", data=data)


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["mail", *args])
    db.session.expire_all()
    return result


def _outbox():
    db.session.expire_all()
    return db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()


def _text(message) -> str:
    """Everything a reader of the e-mail sees: headers and body."""
    return "\n".join(f"{k}: {v}" for k, v in message.items()) + "\n" + message.get_content()


def test_a_request_to_a_guest_center_reaches_its_staffs_inbox(app, smtp_server, login_as, world, users):
    inbox = smtp_server()
    assert _prefer(login_as("staff-jilin"), STAFF_ADDRESS).status_code == 303
    assert _file(login_as("agent"), world).status_code == 303
    req = db.session.scalars(select(SeatRequest)).one()
    [queued] = _outbox()      # queued with the notification, nothing sent by the request itself
    assert queued.status is Status.QUEUED and queued.user_id == users["staff-jilin"].id and not inbox.messages

    result = _run(app, "send")
    assert result.exit_code == 0 and "已发送 1 封邮件" in result.output, result.output
    [message] = inbox.messages
    assert message["To"] == STAFF_ADDRESS and inbox.envelopes[0][1] == [STAFF_ADDRESS]
    assert message["Subject"].startswith("【远程异地评标】客场机位申请：") and req.number in message["Subject"]
    assert "远程异地评标协同门户" in message["From"] and message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert f"{BASE}/bookings/{req.id}" in body and world["section"].name in body
    [sent] = _outbox()
    assert sent.status is Status.SENT and sent.attempts == 1 and sent.sent_at is not None
    # A second run finds nothing more to send.
    assert "已发送 0 封邮件" in _run(app, "send").output and len(inbox.messages) == 1


def test_the_e_mail_carries_no_expert_name_id_number_or_phone(app, smtp_server, login_as, world, users):
    inbox = smtp_server()
    _prefer(login_as("staff-jilin"), STAFF_ADDRESS)
    _file(login_as("agent"), world)
    # A typed reason that holds an expert's details (the agent withdraws, naming one) is masked too.
    expert = db.session.scalars(select(Expert).order_by(Expert.id)).first()
    notify([users["staff-jilin"].id], f"备注：{expert.id_number} 电话 {expert.phone}", "/bookings/")
    db.session.commit()
    _run(app, "send")
    assert len(inbox.messages) == 2
    seen = "\n".join(_text(m) for m in inbox.messages)
    for person in db.session.scalars(select(Expert)):
        assert person.name not in seen and person.id_number not in seen and person.phone not in seen


def test_a_digest_bundles_a_days_notices_in_one_message(app, smtp_server, login_as, world, users, travel):
    inbox = smtp_server()
    staff = users["staff-jilin"].id
    _prefer(login_as("staff-jilin"), STAFF_ADDRESS, bookings="digest", reports="digest", training="none")
    travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))          # 17:00 China time on 1 December
    notify([staff], "KC2026-00007（一标段，2026-12-09）提交：草稿 → 已提交", "/bookings/7")
    notify([staff], "KC2026-00008（二标段，2026-12-10）取消：已接受 → 已取消", "/bookings/8")
    notify([staff], "吉林地区已报送2026年11月远程异地评标月调度情况表", "/reports/monthly/2026-11")
    notify([staff], "您报名的培训已取消", "/training/3")          # training: no e-mail at all
    db.session.commit()
    travel(datetime(2026, 12, 1, 23, 30, tzinfo=UTC))        # 07:30 on 2 December
    notify([staff], "今天的通知，明天汇总", "/bookings/9")
    db.session.commit()
    held = [m for m in _outbox() if m.status is Status.HELD]
    assert len(held) == 4 and not inbox.messages    # nothing goes out one by one

    result = _run(app, "digest")
    assert result.exit_code == 0 and "已生成 1 封每日汇总邮件" in result.output, result.output
    [message] = inbox.messages
    assert message["To"] == STAFF_ADDRESS
    assert message["Subject"] == "【远程异地评标】每日通知汇总（2026-12-01，共 3 条）"
    body = message.get_content()
    for line in ("KC2026-00007", "KC2026-00008", "月调度情况表", f"{BASE}/bookings/7", "【客场机位申请】（2 条）",
                 "【月调度情况表】（1 条）", f"{BASE}/notifications/"):
        assert line in body, line
    assert "今天的通知" not in body and "培训" not in body
    rows = _outbox()
    [digest] = [m for m in rows if m.kind == "digest"]
    assert digest.status is Status.SENT
    assert sorted(m.status.value for m in rows if m.digest_id == digest.id) == ["bundled"] * 3
    # Run again: today's notice is still held, nothing is sent twice.
    assert "已生成 0 封" in _run(app, "digest").output and len(inbox.messages) == 1


def test_a_refusing_server_leaves_the_row_queued_with_the_error_and_a_retry_time(app, smtp_server, login_as,
                                                                               world, travel):
    inbox = smtp_server()
    inbox.refuse = "550 5.1.1 Mailbox unavailable"
    _prefer(login_as("staff-jilin"), STAFF_ADDRESS)
    assert _file(login_as("agent"), world).status_code == 303
    before = utcnow()
    result = _run(app, "send")
    assert result.exit_code == 0 and "1 封未能发送" in result.output and "550" in result.output
    [row] = _outbox()
    assert row.status is Status.QUEUED and row.attempts == 1 and "550" in row.last_error
    retry = row.next_attempt_at.replace(tzinfo=row.next_attempt_at.tzinfo or UTC)
    assert before + timedelta(seconds=50) < retry < utcnow() + timedelta(seconds=70)
    # Not due yet: a worker a moment later leaves it alone.
    _run(app, "send")
    assert _outbox()[0].attempts == 1
    # The page shows the person that it waits.
    assert "等待重试" in login_as("staff-jilin").get("/mail/preferences").get_data(as_text=True)
    # Once due and the server takes it, it is sent.
    inbox.refuse = None
    travel(utcnow() + timedelta(minutes=2))
    assert "已发送 1 封邮件" in _run(app, "send").output
    [row] = _outbox()
    assert row.status is Status.SENT and row.attempts == 2 and row.last_error is None and len(inbox.messages) == 1


def test_a_login_refused_with_535_keeps_every_row_queued(app, smtp_server, login_as, world, monkeypatch):
    inbox = smtp_server(authenticator=_refuse_login)
    monkeypatch.setitem(app.config, "MAIL_SMTP_USER", "portal")
    monkeypatch.setitem(app.config, "MAIL_SMTP_PASSWORD", 123456)   # as PORTAL_MAIL_SMTP_PASSWORD=123456 parses
    _prefer(login_as("staff-jilin"), STAFF_ADDRESS)
    _prefer(login_as("staff-changchun"), "staff-changchun@cc.example.cn")
    _file(login_as("agent"), world)
    result = _run(app, "send")
    assert result.exit_code == 0 and "2 封未能发送" in result.output
    rows = _outbox()
    assert [r.status for r in rows] == [Status.QUEUED, Status.QUEUED] and not inbox.messages
    assert all("535" in r.last_error and r.attempts == 1 and r.next_attempt_at for r in rows)
    assert "123456" not in result.output and all("123456" not in r.last_error for r in rows)


def test_a_server_that_is_down_never_fails_the_request(app, login_as, world, monkeypatch):
    for key, value in {"MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": _free_port(), "MAIL_SMTP_SECURITY": "none",
                       "MAIL_SENDER": "noreply@ggzy.example.cn"}.items():
        monkeypatch.setitem(app.config, key, value)
    _prefer(login_as("staff-jilin"), STAFF_ADDRESS)
    assert _file(login_as("agent"), world).status_code == 303
    assert db.session.scalar(select(func.count(Notification.id))) == 2
    result = _run(app, "send")
    assert result.exit_code == 0 and "1 封未能发送" in result.output
    [row] = _outbox()
    assert row.status is Status.QUEUED and row.last_error and row.next_attempt_at is not None


def test_a_forged_host_header_never_reaches_the_links_of_other_peoples_mail(app, smtp_server, login_as, world,
                                                                          monkeypatch):
    smtp_server()
    monkeypatch.setitem(app.config, "MAIL_BASE_URL", None)
    _prefer(login_as("staff-jilin"), STAFF_ADDRESS)
    agent, forged = app.test_client(), {"Host": "evil.example"}
    assert agent.post("/auth/login", data={"username": "agent", "password": factories.PASSWORD},
                      headers=forged).status_code == 303
    data = {"evaluation_date": world["day"].isoformat(), "start_time": "09:00", "duration_minutes": "240",
            "committee_size": "7", "guests-0-center_id": str(world["jilin"].id), "guests-0-seats": "2",
            "action": "submit"}
    response = agent.post(f"/bookings/new?section={world['section'].id}", data=data,
                          headers=forged)
    assert response.status_code == 303
    [row] = _outbox()
    assert "evil.example" not in row.body and "evil.example" not in row.link
    assert "/bookings/" in row.body


def test_the_e_mail_is_queued_in_the_notifications_transaction(app, smtp_server, users):
    smtp_server()
    db.session.add(MailAddress(user_id=users["agent"].id, address="agent@example.cn"))
    db.session.commit()
    notify([users["agent"].id], "回滚的通知", "/bookings/")
    db.session.rollback()                        # the change that notified failed: neither remains
    assert _outbox() == [] and db.session.scalar(select(func.count(Notification.id))) == 0
    notify([users["agent"].id], "提交的通知", "/bookings/")
    db.session.commit()
    assert [m.body.count("提交的通知") for m in _outbox()] == [1]


def test_without_an_smtp_host_nothing_is_queued(app, login_as, world):
    assert not app.config["MAIL_SMTP_HOST"]
    _prefer(login_as("staff-jilin"), STAFF_ADDRESS)
    assert _file(login_as("agent"), world).status_code == 303
    assert _outbox() == []
    result = _run(app, "send")
    assert result.exit_code != 0 and "MAIL_SMTP_HOST" in result.output


def test_none_for_a_kind_and_no_address_send_nothing(app, smtp_server, login_as, world):
    smtp_server()
    _prefer(login_as("staff-jilin"), STAFF_ADDRESS, bookings="none")
    assert _file(login_as("agent"), world).status_code == 303   # staff-changchun has no address
    assert _outbox() == []


def test_two_workers_claim_different_rows(app, orgs, users):
    app.config["MAIL_SMTP_HOST"], host = "127.0.0.1", app.config["MAIL_SMTP_HOST"]
    try:
        db.session.add(MailAddress(user_id=users["agent"].id, address="agent@example.cn"))
        for n in range(5):
            notify([users["agent"].id], f"通知 {n}", "/bookings/")
        db.session.commit()
    finally:
        app.config["MAIL_SMTP_HOST"] = host
    first = [m.id for m in mail_services.claim(2)]
    if db.engine.dialect.name == "postgresql":
        # The first worker has not committed yet: its rows are locked, the second skips them without waiting.
        with app.app_context():
            second = [m.id for m in mail_services.claim(10)]
            db.session.commit()
        db.session.commit()
    else:
        db.session.commit()
        with app.app_context():
            second = [m.id for m in mail_services.claim(10)]
            db.session.commit()
    assert len(first) == 2 and len(second) == 3 and not set(first) & set(second)
    with app.app_context():
        assert mail_services.claim(10) == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (its own CA): (certificate file, key file)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test server's certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),  # nosec B603 B607
                    "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def _server_context(certificate):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_starttls_and_ssl_send_with_a_verified_certificate(app, smtp_server, login_as, world, monkeypatch,
                                                            certificate, security):
    server = _server_context(certificate)
    tls = {"tls_context": server, "require_starttls": True} if security == "starttls" else {"ssl_context": server}
    inbox = smtp_server(**tls)
    monkeypatch.setitem(app.config, "MAIL_SMTP_SECURITY", security)
    _prefer(login_as("staff-jilin"), STAFF_ADDRESS)
    _file(login_as("agent"), world)
    # Without the CA that signed the server's certificate the portal does not trust it: nothing is sent.
    result = _run(app, "send")
    assert "1 封未能发送" in result.output and "CERTIFICATE_VERIFY_FAILED" in _outbox()[0].last_error
    assert not inbox.messages
    monkeypatch.setitem(app.config, "MAIL_SMTP_CA_FILE", str(certificate[0]))
    db.session.execute(MailMessage.__table__.update().values(next_attempt_at=utcnow()))
    db.session.commit()
    assert "已发送 1 封邮件" in _run(app, "send").output
    [message] = inbox.messages
    assert message["To"] == STAFF_ADDRESS


# --- the preferences page ---------------------------------------------------------------------------------------

def test_the_preferences_page_shows_each_kind_with_its_default(login_as):
    page = login_as("staff-jilin").get("/mail/preferences").get_data(as_text=True)
    for text in ("邮件提醒", "接收邮箱", "客场机位申请", "月调度情况表", "立即发送邮件", "每日汇总一封", "不发邮件",
                 "尚未配置邮件服务器"):
        assert text in page, text
    # Bookings default to immediate (the first choice), the monthly report to the digest (the second).
    assert '<input checked id="mode_bookings-0"' in page and '<input checked id="mode_reports-1"' in page


def test_the_user_menu_links_to_the_preferences(login_as):
    assert 'href="/mail/preferences"' in login_as("agent").get("/").get_data(as_text=True)


def test_saving_preferences_stores_them_and_is_audited(login_as, users):
    client = login_as("agent")
    response = _prefer(client, " agent@example.cn ", reports="none", training="digest")
    assert response.status_code == 303 and response.headers["Location"].endswith("/mail/preferences")
    assert mail_services.address_of(users["agent"].id) == "agent@example.cn"
    choices = mail_services.choices_of(users["agent"].id)
    assert choices["reports"] is Mode.NONE and choices["training"] is Mode.DIGEST and choices["bookings"] is Mode.IMMEDIATE
    entry = db.session.scalars(select(AuditEntry).filter_by(object_type="mail_preferences")).one()
    assert entry.after["address"] == "agent@example.cn" and entry.before["address"] == ""
    page = client.get("/mail/preferences").get_data(as_text=True)
    assert 'value="agent@example.cn"' in page and "已保存" in page
    # Saving the same again changes nothing and writes no second entry; an empty address removes it.
    _prefer(client, "agent@example.cn", reports="none", training="digest")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).filter_by(object_type="mail_preferences")) == 1
    _prefer(client, "", reports="none", training="digest")
    assert mail_services.address_of(users["agent"].id) == ""


@pytest.mark.parametrize("address", ["not-an-address", "a@b", "张三@例子.中国", "a@@b.cn", "a b@c.cn",
                                     "x" * 250 + "@a.cn", "a@b.cn\nBcc: c@d.cn", "a..b@c.cn"])
def test_a_bad_address_is_refused_and_kept(login_as, users, address):
    response = _prefer(login_as("agent"), address, reports="none")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "邮箱地址格式不正确" in page or "控制字符" in page
    assert '<input checked id="mode_reports-2"' in page     # what was chosen is kept with the refused address
    assert mail_services.address_of(users["agent"].id) == ""


def test_an_unknown_mode_is_refused_not_crashed(login_as):
    response = login_as("agent").post("/mail/preferences", data={"address": "a@b.cn", "mode_bookings": "weekly"})
    assert response.status_code == 422


def test_a_test_e_mail_reaches_the_saved_address(app, smtp_server, login_as):
    inbox = smtp_server()
    client = login_as("agent")
    response = client.post("/mail/preferences/test")
    assert response.status_code == 303 and _outbox() == []
    assert "请先填写并保存接收邮箱" in client.get("/mail/preferences").get_data(as_text=True)
    _prefer(client, "agent@example.cn")
    assert "发送测试邮件" in client.get("/mail/preferences").get_data(as_text=True)
    client.post("/mail/preferences/test")
    assert "已发送 1 封邮件" in _run(app, "send").output
    [message] = inbox.messages
    assert message["To"] == "agent@example.cn" and message["Subject"] == "【远程异地评标】测试邮件"
    assert f"{BASE}/mail/preferences" in message.get_content()


def test_no_test_e_mail_without_an_smtp_host(login_as):
    client = login_as("agent")
    _prefer(client, "agent@example.cn")
    page = client.get("/mail/preferences").get_data(as_text=True)
    assert "发送测试邮件" not in page
    client.post("/mail/preferences/test")
    assert _outbox() == [] and "尚未配置邮件服务器，不能发送" in client.get("/mail/preferences").get_data(as_text=True)


def test_after_the_last_try_a_refused_e_mail_is_failed_and_shown(app, smtp_server, login_as, world):
    from portal.mail.rules import MAX_ATTEMPTS

    inbox = smtp_server()
    inbox.refuse = "550 5.1.1 Mailbox unavailable"
    _prefer(login_as("staff-jilin"), STAFF_ADDRESS)
    _file(login_as("agent"), world)
    db.session.execute(MailMessage.__table__.update().values(attempts=MAX_ATTEMPTS - 1))
    db.session.commit()
    _run(app, "send")
    [row] = _outbox()
    assert row.status is Status.FAILED and row.attempts == MAX_ATTEMPTS and row.next_attempt_at is None
    assert "550" in row.last_error
    inbox.refuse = None
    assert "已发送 0 封邮件" in _run(app, "send").output and not inbox.messages
    assert "发送失败（已放弃）" in login_as("staff-jilin").get("/mail/preferences").get_data(as_text=True)
