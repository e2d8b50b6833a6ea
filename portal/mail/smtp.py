"""Talking to the SMTP server configured by MAIL_SMTP_* (plain, STARTTLS or SSL; optional login)."""
import smtplib
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

SECURITY = ("starttls", "ssl", "none")


class MailConfigError(Exception):
    """The SMTP setting is incomplete or wrong (the message says which setting, in Chinese)."""


def settings(config) -> dict:
    """The SMTP setting from the app config, checked. Environment values may arrive parsed (a numeric password
    from PORTAL_MAIL_SMTP_PASSWORD=123456 is an int), so text settings are read as text."""
    host = config.get("MAIL_SMTP_HOST")
    if not host:
        raise MailConfigError("未配置邮件服务器（MAIL_SMTP_HOST），邮件提醒未开启，只有站内通知。")
    security = str(config.get("MAIL_SMTP_SECURITY") or "starttls").lower()
    if security not in SECURITY:
        raise MailConfigError("MAIL_SMTP_SECURITY 应为 starttls、ssl 或 none。")
    try:
        port = int(config.get("MAIL_SMTP_PORT") or (465 if security == "ssl" else 587))
    except (TypeError, ValueError):
        raise MailConfigError("MAIL_SMTP_PORT 应为端口号。") from None
    sender = str(config.get("MAIL_SENDER") or "")
    if "@" not in sender:
        raise MailConfigError("未配置发件人地址（MAIL_SENDER），例如 noreply@ggzy.jl.gov.cn。")
    user = config.get("MAIL_SMTP_USER")
    password = config.get("MAIL_SMTP_PASSWORD")
    return {"host": str(host), "port": port, "security": security, "sender": sender,
            "user": str(user) if user not in (None, "") else None,
            "password": str(password) if password is not None else "",
            "timeout": float(config.get("MAIL_SMTP_TIMEOUT") or 30),
            "ca_file": str(config.get("MAIL_SMTP_CA_FILE") or "") or None,
            "sender_name": str(config.get("MAIL_SENDER_NAME") or "远程异地评标协同门户")}


def connect(s: dict) -> smtplib.SMTP:
    """An SMTP session, TLS as configured, logged in when a user is set (raises smtplib/OSError errors)."""
    # The server's certificate is verified, against the system's CAs or an intranet CA's (MAIL_SMTP_CA_FILE).
    context = ssl.create_default_context(cafile=s["ca_file"])
    if s["security"] == "ssl":
        smtp = smtplib.SMTP_SSL(s["host"], s["port"], timeout=s["timeout"], context=context)
    else:
        smtp = smtplib.SMTP(s["host"], s["port"], timeout=s["timeout"])
    try:
        if s["security"] == "starttls":
            smtp.starttls(context=context)
        if s["user"]:
            smtp.login(s["user"], s["password"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def build(s: dict, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message from the portal's sender, marked as sent automatically (RFC 3834)."""
    message = EmailMessage()
    local, _, domain = s["sender"].rpartition("@")
    message["From"] = Address(s["sender_name"], local, domain)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message
