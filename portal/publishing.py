"""What notices (公告) and training sessions (培训) share: records written in an editor and published.

* `Publishable` and `PublishedFile`: the common columns (title, a Markdown body kept sanitised, who created it,
  a version every ORM update checks) and the shape of the files handed out with a record;
* `save`: the one sequence a change from the editor goes through: the version the page showed, the feature's
  checks and fields, the files, the flush (a lost race is told), the audit entry;
* `save_from_editor`: the editor's POST: validate, check the files, save in one upload transaction, then 422
  with everything typed or a flash and a 303.

Each feature declares what differs (its fields, checks, snapshot and messages) in an `Editing` (services) and an
`Editor` (views). Imported by both features, importing neither.
"""
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, redirect, request
from flask_login import current_user
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from . import richtext, uploads
from .audit import services as audit
from .errors import ChangeRefused, show_on_form
from .extensions import db
from .models_base import StoredFile, Timestamped, valid_id


# --- the columns ---------------------------------------------------------------------------------------------------

class Publishable(Timestamped):
    """A record written in the editor: a title, a body typed in Markdown and kept sanitised, a version."""

    title: Mapped[str] = mapped_column(String(200))
    body_source: Mapped[str] = mapped_column(Text, default="")   # what the writer typed (Markdown)
    body_html: Mapped[str] = mapped_column(Text, default="")     # sanitised at save time (portal.richtext)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        # Every ORM update checks and bumps the version: of two people saving the same page, one is told.
        return {"version_id_col": cls.__table__.c.version}

    def __str__(self):
        return self.title


class PublishedFile(StoredFile):
    """A file handed out with a publishable record (附件, 培训资料), public with it; the owner's key is the feature's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @declared_attr.directive
    def __table_args__(cls):
        return (CheckConstraint("size > 0", name="not_empty"),)


# --- saving --------------------------------------------------------------------------------------------------------

@dataclass
class Change:
    """One save from the editor, besides the fields: who, which button, which files, which version was shown."""

    user: Any
    publish: bool = False                      # the 发布 button; otherwise the record keeps its status
    files: list = field(default_factory=list)  # new uploads, already checked (uploads.checked_files)
    remove_ids: set[int] = field(default_factory=set)   # stored files ticked for removal
    batch: uploads.UploadBatch | None = None   # where new files are stored (uploads.transaction)
    version: int | None = None                 # the version the page showed; None when creating
    images: frozenset[str] = frozenset()       # the addresses the body's images may show (set by `save`)


def _no_check(record, data) -> None:
    return None


@dataclass(frozen=True)
class Editing:
    """What `save` asks of a feature: its model's names, messages and the steps that differ."""

    subject: str                       # the audit's object type ("notice")
    files: str                         # the relationship holding the stored files, also the audit's key
    file_model: type
    published: enum.Enum               # the feature's published status: publishing into it is audited "publish"
    refused: type[ChangeRefused]
    stale: str                         # someone else saved since the page was read
    new: Callable[[Any], Any]          # a new draft record by this user (added to the session by `save`)
    apply: Callable[[Any, Any, Change], None]          # the fields (and the status) onto the record
    snapshot: Callable[[Any], dict]                    # what the audit keeps before and after
    files_problem: Callable[[int, int], str | None]    # (kept, added): why the record may not have that many
    check: Callable[[Any, Any], None] = _no_check      # refusals about the stored record, after the version
    conflict: tuple[str, str | None] | None = None     # the refusal when a constraint refuses the flush
    file_path: Callable[[int, int], str] | None = None  # (record id, file id) -> the file's address on the site


IMAGE_TYPES = ("image/png", "image/jpeg")
MAX_LISTED = 3


def image_paths(editing: Editing, record, files) -> frozenset[str]:
    """The addresses of a record's stored image files: what its body's images may show (issue 27 item 2)."""
    if record is None or record.id is None or editing.file_path is None:
        return frozenset()
    return frozenset(editing.file_path(record.id, f.id) for f in files if f.mimetype in IMAGE_TYPES)


def images_problem(source: str, images: frozenset[str]) -> str | None:
    """Why a body's images may not be kept (they would make every reader's browser fetch another address)."""
    foreign = richtext.foreign_images(source, images)
    if not foreign:
        return None
    listed = "、".join(src[:80] for src in foreign[:MAX_LISTED]) + ("等" if len(foreign) > MAX_LISTED else "")
    return (f"正文中的图片只能引用本页已保存的图片文件（PNG、JPEG，地址见“可在正文中引用的图片”），或以 data: 方式内嵌，"
            f"不能引用其他地址：{listed}。新上传的图片请先保存，再在正文中引用。")


def save(editing: Editing, record, data, change: Change):
    """Create (record None) or change a record: check the version shown, apply the fields, replace the files,
    flush, audit (create, publish or update). Flushes, never commits; a refusal raises `editing.refused`."""
    creating = record is None
    if not creating and change.version is not None and change.version != record.version:
        raise editing.refused(editing.stale)
    editing.check(record, data)
    kept = [f for f in (getattr(record, editing.files) if record else []) if f.id not in change.remove_ids]
    problem = editing.files_problem(len(kept), len(change.files))
    if problem:
        raise editing.refused(problem, "files")
    change.images = image_paths(editing, record, kept)
    problem = images_problem(data.body_source, change.images)
    if problem:
        raise editing.refused(problem, "body_source")
    before = None if creating else editing.snapshot(record)
    was_published = not creating and record.status is editing.published
    if creating:
        record = editing.new(change.user)
        db.session.add(record)
    editing.apply(record, data, change)
    removed = uploads.replace_files(getattr(record, editing.files), change.remove_ids, change.files, change.batch,
                                    editing.file_model, uploaded_by_id=change.user.id)
    _flush(editing)
    after = editing.snapshot(record)
    if change.files or removed:
        after[editing.files] = "、".join(f.name for f in getattr(record, editing.files))
    action = "create" if creating else ("publish" if change.publish and not was_published else "update")
    audit.record(action, editing.subject, record, region_id=record.region_id, before=before, after=after)
    return record


def _flush(editing: Editing) -> None:
    try:
        db.session.flush()
    except StaleDataError:   # the version changed between the check and the UPDATE
        raise editing.refused(editing.stale) from None
    except IntegrityError:
        if editing.conflict is None:
            raise
        raise editing.refused(*editing.conflict) from None


# --- the editor's views --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Editor:
    """What `save_from_editor` asks of a feature's views."""

    feature: str                        # the uploads folder (uploads.transaction)
    kinds: tuple[str, ...]              # the file kinds allowed
    max_bytes: int                      # per file
    refused: type[ChangeRefused]
    region_refused: str                 # the region chosen is not among the form's choices
    data: Callable[[Any], Any]          # the form's values as the service's data
    save: Callable[[Any, Any, Change], Any]            # the service: (record, data, change) -> record
    page: Callable[[Any, Any, int], Any]               # the editor page: (form, record, status) -> response
    reload: Callable[[int], Any]                       # a record as the editor shows it, after a rollback
    saved: Callable[[Any], tuple[str, str]]            # the saved record -> (message flashed, url)


def save_from_editor(editor: Editor, form, record):
    """Validate, save (draft or publish) and commit; a refusal keeps everything typed (files must be chosen
    again) and answers 422, a success is flashed and redirected (303).

    `form` is a VersionForm with `region_id` (its choices set already) and `files` fields.
    """
    valid = form.validate_on_submit()
    if valid and form.region_id.data not in {value for value, _ in form.region_id.choices}:
        form.region_id.errors = [editor.region_refused]
        valid = False
    files = uploads.checked_files(form.files, editor.kinds, editor.max_bytes)
    if not valid or form.files.errors:
        return editor.page(form, record, 422)
    remove_ids = {valid_id(v) for v in request.form.getlist("remove_file")} - {None}
    try:
        with uploads.transaction(editor.feature) as batch:
            change = Change(current_user, request.form.get("action") == "publish", files, remove_ids, batch,
                            version=(form.shown_version or -1) if record else None)
            record = editor.save(record, editor.data(form), change)
    except editor.refused as error:
        show_on_form(form, error)
        return editor.page(form, record and editor.reload(record.id), 422)
    message, url = editor.saved(record)
    flash(message, "success")
    return redirect(url, 303)


def download(feature: str, files, file_id: int):
    """One of a record's stored files (a record the reader may see), or 404."""
    stored = next((f for f in files if f.id == file_id), None)
    if stored is None:
        abort(404)
    return uploads.send_stored(feature, stored)
