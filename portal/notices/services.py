"""Writing, publishing and withdrawing notices; the public list's query. Services flush, views commit."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import richtext, uploads
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


def _apply(notice: Notice, data: NoticeData) -> None:
    notice.title = data.title
    notice.column = data.column
    notice.region_id = data.region_id
    notice.body_source = data.body_source
    notice.body_html = richtext.to_html(data.body_source)
    notice.pinned = data.pinned
    notice.search_text = richtext.normalise(
        " ".join([data.title, richtext.to_text(notice.body_html), " ".join(data.tags)]))
    existing = {t.tag: t for t in notice.tags}
    notice.tags = [existing.get(tag) or NoticeTag(tag=tag) for tag in data.tags]
    for position, tag in enumerate(notice.tags):
        tag.position = position


def _snapshot(notice: Notice) -> dict:
    return {"subject": notice.title, "column": notice.column_label, "region_id": notice.region_id,
            "pinned": notice.pinned, "status": notice.status.value,
            "publish_at": notice.publish_at.isoformat() if notice.publish_at else None,
            "tags": "、".join(t.tag for t in notice.tags), "body_length": len(notice.body_source or "")}


def save(notice: Notice | None, data: NoticeData, publish: bool, files, remove_ids: set[int],
         batch: uploads.UploadBatch, user, version: int | None = None) -> Notice:
    """Create or change a notice: keep it a draft, or publish it (now or at its time).

    New files are stored through `batch` (deleted again if the change does not commit); removed attachments
    are deleted from disk once it has.
    """
    if not region_allowed(user, data.region_id):
        raise NoticeRefused("您只能为本地区发布公告。", "region_id")
    if data.column not in rules.COLUMNS:
        raise NoticeRefused("请选择栏目。", "column")
    creating = notice is None
    if not creating and version is not None and version != notice.version:
        raise NoticeRefused("这条公告已被他人修改，请刷新页面后重新编辑。")
    kept = [a for a in (notice.attachments if notice else []) if a.id not in remove_ids]
    problem = rules.attachments_problem(rules.AttachmentCount(len(kept), len(files)))
    if problem:
        raise NoticeRefused(problem, "files")
    before = None if creating else _snapshot(notice)
    if creating:
        notice = Notice(created_by_id=user.id, status=Status.DRAFT)
        db.session.add(notice)
    notice.updated_by_id = user.id
    _apply(notice, data)
    if publish:
        notice.status = Status.PUBLISHED
        notice.publish_at = data.publish_at or utcnow()
        notice.withdrawn_reason = None
    elif notice.status is Status.DRAFT or creating:
        notice.publish_at = data.publish_at
    removed = uploads.replace_files(notice.attachments, remove_ids, files, batch, NoticeAttachment,
                                    uploaded_by_id=user.id)
    try:
        db.session.flush()
    except StaleDataError:
        raise NoticeRefused("这条公告已被他人修改，请刷新页面后重新编辑。") from None
    after = _snapshot(notice)
    if files or removed:
        after["attachments"] = "、".join(a.name for a in notice.attachments)
    action = "create" if creating else ("publish" if publish and before["status"] != "published" else "update")
    record(action, "notice", notice, region_id=notice.region_id, before=before, after=after)
    return notice


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
    return stmt.options(selectinload(Notice.region), selectinload(Notice.tags)).order_by(*order)


def popular_tags(now: datetime, limit: int = 20) -> list[str]:
    """The tags most used by public notices, for the list's tag filter."""
    from sqlalchemy import func

    rows = db.session.execute(
        select(NoticeTag.tag, func.count()).join(Notice, Notice.id == NoticeTag.notice_id)
        .where(Notice.public_clause(now)).group_by(NoticeTag.tag)
        .order_by(func.count().desc(), NoticeTag.tag).limit(limit)).all()
    return [tag for tag, _ in rows]
