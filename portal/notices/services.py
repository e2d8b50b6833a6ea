"""Writing, publishing and withdrawing notices; the public list's query. Services flush, views commit."""
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

from .. import publishing, richtext, uploads
from ..audit.services import record
from ..auth.permissions import region_reach
from ..errors import ChangeRefused
from ..extensions import db
from ..models_base import utcnow
from ..orgs.models import Region
from . import rules
from .models import Notice, NoticeAttachment, NoticeTag
from .rules import Status

UPLOAD_FEATURE = "notices"
ATTACHMENT_KINDS = (*uploads.DOCUMENTS, "pptx")


class NoticeRefused(ChangeRefused):
    pass


@dataclass
class NoticeData:
    title: str
    column: str
    region_id: int | None
    body_source: str
    tags: list[str]
    pinned: bool
    publish_at: datetime | None   # None: now, when publishing


def writable_regions(user) -> tuple[bool, list[Region]]:
    """(may write for the whole province, the regions the user may write for)."""
    reach = region_reach("notices.manage", user)
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    if reach is None:
        return True, list(regions)
    return False, [r for r in regions if r.id in reach]


def region_allowed(user, region_id: int | None) -> bool:
    province_wide, regions = writable_regions(user)
    return (province_wide and region_id is None) or any(r.id == region_id for r in regions)


def _new(user) -> Notice:
    return Notice(created_by_id=user.id, status=Status.DRAFT)


def _apply(notice: Notice, data: NoticeData, change: publishing.Change) -> None:
    """The fields onto the notice; publishing makes it public now or at its time, a draft keeps its time."""
    notice.updated_by_id = change.user.id
    notice.title = data.title
    notice.column = data.column
    notice.region_id = data.region_id
    notice.body_source = data.body_source
    notice.body_html = richtext.to_html(data.body_source, change.images)
    notice.pinned = data.pinned
    notice.search_text = richtext.normalise(
        " ".join([data.title, richtext.to_text(notice.body_html), " ".join(data.tags)]))
    existing = {t.tag: t for t in notice.tags}
    notice.tags = [existing.get(tag) or NoticeTag(tag=tag) for tag in data.tags]
    for position, tag in enumerate(notice.tags):
        tag.position = position
    if change.publish:
        notice.status = Status.PUBLISHED
        notice.publish_at = data.publish_at or utcnow()
        notice.withdrawn_reason = None
    elif notice.status is Status.DRAFT:
        notice.publish_at = data.publish_at


def _snapshot(notice: Notice) -> dict:
    return {"subject": notice.title, "column": notice.column_label, "region_id": notice.region_id,
            "pinned": notice.pinned, "status": notice.status.value,
            "publish_at": notice.publish_at.isoformat() if notice.publish_at else None,
            "tags": "、".join(t.tag for t in notice.tags), "body_length": len(notice.body_source or "")}


EDITING = publishing.Editing(
    subject="notice", files="attachments", file_model=NoticeAttachment, published=Status.PUBLISHED,
    refused=NoticeRefused, stale="这条公告已被他人修改，请刷新页面后重新编辑。", new=_new, apply=_apply,
    snapshot=_snapshot,
    files_problem=lambda kept, added: rules.attachments_problem(rules.AttachmentCount(kept, added)),
    file_path=rules.attachment_path)


def save(notice: Notice | None, data: NoticeData, change: publishing.Change) -> Notice:
    """Create or change a notice: keep it a draft, or publish it (now or at its time).

    New files are stored through `change.batch` (deleted again if the change does not commit); removed
    attachments are deleted from disk once it has.
    """
    if not region_allowed(change.user, data.region_id):
        raise NoticeRefused("您只能为本地区发布公告。", "region_id")
    if data.column not in rules.COLUMNS:
        raise NoticeRefused("请选择栏目。", "column")
    return publishing.save(EDITING, notice, data, change)


def withdraw(notice: Notice, reason: str) -> None:
    """Take a published notice off the public pages; it stays editable and can be published again."""
    if notice.status is not Status.PUBLISHED:
        raise NoticeRefused("只有已发布或定时发布的公告可以撤回。")
    before = _snapshot(notice)
    notice.status = Status.WITHDRAWN
    notice.withdrawn_reason = reason
    db.session.flush()
    record("withdraw", "notice", notice, region_id=notice.region_id, before=before,
           after={**_snapshot(notice), "withdrawn_reason": reason})


# --- the public list -------------------------------------------------------------------------------------------

@dataclass
class Filters:
    column: str = ""
    region: int | None = None      # a region's id; 0 means notices for the whole province (全省)
    tag: str = ""
    q: str = ""
    sort: str = "new"

    @property
    def terms(self) -> list[str]:
        return richtext.search_terms(self.q)

    @property
    def active(self) -> bool:
        return bool(self.column or self.region is not None or self.tag or self.q)


SORTS = {"new": "最新发布", "old": "最早发布", "title": "标题"}


def filtered(stmt, filters: Filters):
    """Add the list's filters (column, region, tag, words of the search box) to a select of Notice."""
    if filters.column:
        stmt = stmt.where(Notice.column == filters.column)
    if filters.region == 0:
        stmt = stmt.where(Notice.region_id.is_(None))
    elif filters.region:
        stmt = stmt.where(Notice.region_id == filters.region)
    if filters.tag:
        stmt = stmt.where(Notice.id.in_(select(NoticeTag.notice_id).where(NoticeTag.tag == filters.tag)))
    for term in filters.terms:
        stmt = stmt.where(Notice.search_text.like(richtext.like_pattern(term), escape="\\"))
    return stmt


def public_select(filters: Filters, now: datetime):
    stmt = filtered(select(Notice).where(Notice.public_clause(now)), filters)
    order = {"new": [Notice.pinned.desc(), Notice.publish_at.desc(), Notice.id.desc()],
             "old": [Notice.publish_at, Notice.id],
             "title": [Notice.title, Notice.id]}[filters.sort]
    # The region's name comes from the regions the page lists anyway (region_names), not from a load per page.
    return (stmt.options(selectinload(Notice.tags), defer(Notice.search_text), defer(Notice.body_source))
            .order_by(*order))


_TAGS_CACHE: dict[tuple, tuple[float, list[str]]] = {}
TAGS_FOR_SECONDS = 60


def popular_tags(now: datetime, limit: int = 20) -> list[str]:
    """The tags most used by public notices, for the list's tag filter.

    Counting every public notice's tags is the list's dearest query, so this process keeps the answer while the
    public notices stay the same (their number and newest id, read from the list's index) and for at most
    TAGS_FOR_SECONDS: a tag changed on a notice already public shows in the filter within a minute.
    """
    count, newest = db.session.execute(select(func.count(), func.max(Notice.id))
                                       .where(Notice.public_clause(now))).one()
    key = (str(db.engine.url), count, newest, limit)
    kept = _TAGS_CACHE.get(key)
    if kept and time.monotonic() - kept[0] < TAGS_FOR_SECONDS:
        return kept[1]
    rows = db.session.execute(
        select(NoticeTag.tag, func.count()).join(Notice, Notice.id == NoticeTag.notice_id)
        .where(Notice.public_clause(now)).group_by(NoticeTag.tag)
        .order_by(func.count().desc(), NoticeTag.tag).limit(limit)).all()
    tags = [tag for tag, _ in rows]
    if len(_TAGS_CACHE) > 64:
        _TAGS_CACHE.clear()
    _TAGS_CACHE[key] = (time.monotonic(), tags)
    return tags


def latest(limit: int = 5) -> list:
    """The newest public notices for the home page, pinned first: only the columns its list shows (one query).

    Rows of (id, title, pinned, publish_at), not notices: the bodies and search text stay in the database.
    """
    now = utcnow()
    return db.session.execute(
        select(Notice.id, Notice.title, Notice.pinned, Notice.publish_at).where(Notice.public_clause(now))
        .order_by(Notice.pinned.desc(), Notice.publish_at.desc(), Notice.id.desc()).limit(limit)).all()
