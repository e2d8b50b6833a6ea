"""Notices (公告) and column articles (专栏): pure rules of their columns, tags and publication state."""
import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

# The columns (栏目) a notice is posted in: announcements and the remote-evaluation columns the notice
# (seed 000, 五) asks regions to run.
COLUMNS = {
    "announcement": "通知公告",
    "policy": "政策解读",
    "news": "工作动态",
    "practice": "经验做法",
    "guide": "操作指南",
}

MAX_TAGS = 8
MAX_TAG_LENGTH = 20
MAX_ATTACHMENTS = 10


def attachment_path(notice_id: int, file_id: int) -> str:
    """The site address of a notice's attachment (notices.attachment): what the body's images may show."""
    return f"/notices/{notice_id}/files/{file_id}"


class Status(enum.Enum):
    """What a writer chose; whether a published notice is public yet also depends on its time."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class State(enum.Enum):
    DRAFT = "草稿"
    SCHEDULED = "定时发布"
    PUBLISHED = "已发布"
    WITHDRAWN = "已撤回"

    @property
    def label(self) -> str:
        return self.value

    @property
    def badge(self) -> str:
        return {"DRAFT": "badge-muted", "SCHEDULED": "badge-warn", "PUBLISHED": "badge-ok",
                "WITHDRAWN": "badge-bad"}[self.name]


def state(status: Status, publish_at: datetime | None, now: datetime) -> State:
    """The state a reader sees: a published notice whose time has not come is scheduled (定时发布)."""
    if status is Status.DRAFT:
        return State.DRAFT
    if status is Status.WITHDRAWN:
        return State.WITHDRAWN
    if publish_at is None or publish_at > now:
        return State.SCHEDULED
    return State.PUBLISHED


class TagError(ValueError):
    pass


_TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")


def parse_tags(text: str) -> list[str]:
    """Tags typed as `培训, 专家；政策` (commas, 、, semicolons or spaces): unique, in order, checked."""
    tags: list[str] = []
    for raw in _TAG_SEPARATORS.split(text or ""):
        tag = raw.strip().lstrip("#")
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise TagError(f"标签“{tag[:MAX_TAG_LENGTH]}…”超过 {MAX_TAG_LENGTH} 个字。")
        if any(unicodedata.category(ch) == "Cc" for ch in tag):
            raise TagError("标签不能包含控制字符。")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise TagError(f"标签最多 {MAX_TAGS} 个，现有 {len(tags)} 个。")
    return tags


@dataclass(frozen=True)
class AttachmentCount:
    kept: int
    added: int


def attachments_problem(count: AttachmentCount) -> str | None:
    """Why a notice may not have that many attachments, or None."""
    total = count.kept + count.added
    if total > MAX_ATTACHMENTS:
        return f"每条公告最多 {MAX_ATTACHMENTS} 个附件，保存后将有 {total} 个。"
    return None
