"""Pure rules of e-mail notices: the kinds a person chooses for, the modes, retry backoff, addresses."""
import enum
import re
from datetime import datetime, timedelta


class Mode(enum.Enum):
    IMMEDIATE = "immediate"   # one e-mail per notification, sent by the next `mail send`
    DIGEST = "digest"         # bundled into one e-mail a day by `mail digest`
    NONE = "none"             # in-app only

    @property
    def label(self) -> str:
        return {"immediate": "立即发送邮件", "digest": "每日汇总一封", "none": "不发邮件（只在站内）"}[self.value]


class Status(enum.Enum):
    HELD = "held"         # waits for the daily digest
    BUNDLED = "bundled"   # went into a digest message (digest_id)
    QUEUED = "queued"     # to be sent (again) from next_attempt_at
    SENDING = "sending"   # claimed by a worker
    SENT = "sent"
    FAILED = "failed"     # gave up after MAX_ATTEMPTS


# The kinds of notification a person chooses for: the feature a notification's link leads to.
KINDS = {
    "bookings": ("客场机位申请", "申请的提交、接受、拒绝、变更和取消", Mode.IMMEDIATE),
    "evaluations": ("评标当日与事后", "专家抽取与更换、评审结束、资料移交等", Mode.IMMEDIATE),
    "reports": ("月调度情况表", "报送、退回、审核和催报", Mode.DIGEST),
    "training": ("宣贯培训", "已报名培训的取消等", Mode.DIGEST),
    "other": ("其他通知", "以上之外的通知", Mode.DIGEST),
}

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# A row claimed this long ago whose worker never finished (killed, machine down) may be claimed again.
STALE_CLAIM = timedelta(minutes=15)
# RFC 5321's limit on a path; local@domain with a dot in the domain, no spaces, no angle brackets or commas.
ADDRESS_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
ADDRESS_MAX = 254


def kind_of(link: str) -> str:
    """The kind of a notification from the portal path it links to ("/bookings/12" -> "bookings")."""
    head = (link or "").lstrip("/").split("/", 1)[0].split("#", 1)[0].split("?", 1)[0]
    return head if head in KINDS and head != "other" else "other"


def address_problem(address: str) -> str | None:
    """Why an e-mail address cannot be used, or None (an empty address means no e-mail)."""
    if not address:
        return None
    if len(address) > ADDRESS_MAX or not ADDRESS_RE.match(address) or ".." in address:
        return "邮箱地址格式不正确，例如 zhangsan@jl.gov.cn。"
    return None


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4 … minutes, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def after_failure(attempts: int, now: datetime) -> tuple[Status, datetime | None]:
    """The row's state after its `attempts`-th failed try: queued again with the time of the next, or failed."""
    if attempts >= MAX_ATTEMPTS:
        return Status.FAILED, None
    return Status.QUEUED, now + retry_delay(attempts)


def short_error(error: BaseException) -> str:
    """What to record of a delivery failure: the SMTP code and message, without anything after a newline."""
    code = getattr(error, "smtp_code", None)
    message = getattr(error, "smtp_error", None)
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    text = f"{code} {message}" if code is not None else f"{type(error).__name__}: {error}"
    if getattr(error, "recipients", None):   # SMTPRecipientsRefused: {address: (code, message)}
        code, message = next(iter(error.recipients.values()))
        text = f"{code} {message.decode('utf-8', 'replace') if isinstance(message, bytes) else message}"
    return " ".join(text.split())[:500]


# What an e-mail must not carry even when a typed reason holds it (e-mail leaves the intranet): an identity card
# number (18 characters, the last a digit or X) and a phone number (mobile, or a landline with its area code).
ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")


def redact(text: str) -> str:
    """The text with identity card and phone numbers masked (the e-mail points to the portal for details)."""
    return PHONE_RE.sub("***", ID_NUMBER_RE.sub("******", text or ""))


def subject_for(kind: str, text: str) -> str:
    """An immediate e-mail's subject: the portal, the kind and the start of the notice."""
    label = KINDS.get(kind, KINDS["other"])[0]
    line = " ".join(redact(text).split())
    return f"【远程异地评标】{label}：{line[:80]}{'…' if len(line) > 80 else ''}"
