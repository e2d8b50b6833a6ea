"""E-mail notice rules: the kind of a notification, retry backoff, addresses, what an e-mail may not carry."""
from datetime import UTC, datetime, timedelta

import pytest

from portal.mail import rules
from portal.mail.rules import Status


@pytest.mark.parametrize("link, kind", [
    ("/bookings/12", "bookings"), ("/bookings/inbox?x=1", "bookings"), ("/evaluations/3#committee", "evaluations"),
    ("/evaluations/3/members/4/replace", "evaluations"), ("/reports/monthly/2026-11", "reports"),
    ("/training/5", "training"), ("/notices/1", "other"), ("", "other"), ("/other/1", "other"),
    ("//evil.example/bookings", "other"), ("bookings", "bookings"),
])
def test_the_kind_is_the_feature_the_link_leads_to(link, kind):
    assert rules.kind_of(link) == kind


@pytest.mark.parametrize("attempts, minutes", [(1, 1), (2, 2), (3, 4), (4, 8), (8, 128), (9, 256), (10, 360),
                                               (30, 360)])
def test_retries_wait_twice_as_long_each_time_up_to_six_hours(attempts, minutes):
    assert rules.retry_delay(attempts) == timedelta(minutes=minutes)


def test_after_the_last_attempt_a_row_is_failed_for_good():
    now = datetime(2026, 12, 2, tzinfo=UTC)
    assert rules.after_failure(1, now) == (Status.QUEUED, now + timedelta(minutes=1))
    assert rules.after_failure(rules.MAX_ATTEMPTS - 1, now)[0] is Status.QUEUED
    assert rules.after_failure(rules.MAX_ATTEMPTS, now) == (Status.FAILED, None)


@pytest.mark.parametrize("address, ok", [
    ("", True), ("zhangsan@jl.gov.cn", True), ("a.b+c@mail.example.cn", True), ("a@b", False), ("a@b.", False),
    ("a b@c.cn", False), ("a@b.cn\r\nBcc: x@y.cn", False), ("<a@b.cn>", False), ("a@b.cn, c@d.cn", False),
    ("张三@例子.中国", False), ("a..b@c.cn", False), ("x" * 250 + "@a.cn", False), ("a@-b.cn", False),
])
def test_addresses(address, ok):
    assert (rules.address_problem(address) is None) is ok


@pytest.mark.parametrize("text, shown", [
    ("身份证号 220202198001010017 已登记", "身份证号 ****** 已登记"),
    ("末位 X：22020219800101001X", "末位 X：******"),
    ("电话 13912345678，座机 0431-88906210", "电话 ***，座机 ***"),
    ("KC2026-00002（一标段，2026-12-09）提交", "KC2026-00002（一标段，2026-12-09）提交"),
    ("评委席位 3 更换", "评委席位 3 更换"),
])
def test_identity_card_and_phone_numbers_are_masked(text, shown):
    assert rules.redact(text) == shown


def test_a_subject_names_the_kind_and_stays_short():
    subject = rules.subject_for("bookings", "申" * 200)
    assert subject.startswith("【远程异地评标】客场机位申请：") and subject.endswith("…") and len(subject) < 120
    assert rules.subject_for("unknown", "x") == "【远程异地评标】其他通知：x"


def test_an_smtp_error_is_recorded_by_code_and_message():
    import smtplib

    assert rules.short_error(smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication\ncredentials invalid")) \
        == "535 5.7.8 Authentication credentials invalid"
    refused = smtplib.SMTPRecipientsRefused({"a@b.cn": (550, b"5.1.1 Mailbox unavailable")})
    assert rules.short_error(refused) == "550 5.1.1 Mailbox unavailable"
    assert rules.short_error(ConnectionRefusedError(111, "Connection refused")).startswith("ConnectionRefusedError")
