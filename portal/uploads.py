"""Uploaded files: the type told by content (not by name), size limits, storage under random names.

Files live under the instance folder (outside `static/`), one subfolder per feature, named by a random
key; the original name is kept in the database only for the download's Content-Disposition.

A change that stores files runs inside `transaction(feature)`: the files it stored are deleted again when
the database transaction does not commit, and the files it dropped are deleted only once it has.
"""
import hashlib
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, current_app, request, send_file

from .downloads import name_download
from .extensions import db

MB = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    label: str
    mimetype: str
    suffix: str


KINDS = {
    "pdf": Kind("PDF", "application/pdf", ".pdf"),
    "png": Kind("PNG 图片", "image/png", ".png"),
    "jpeg": Kind("JPEG 图片", "image/jpeg", ".jpg"),
    "docx": Kind("Word 文档", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xlsx": Kind("Excel 表格", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "pptx": Kind("PowerPoint 演示文稿",
                 "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
    "ole": Kind("Office 97-2003 文档", "application/octet-stream", ".bin"),
    "mp4": Kind("MP4 视频", "video/mp4", ".mp4"),
}
DOCUMENTS = ("pdf", "png", "jpeg", "docx", "xlsx", "ole")


def sniff(head: bytes, filename: str = "") -> str | None:
    """The kind of a file from its first bytes (the name only tells Word from Excel inside a ZIP)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # The compound-file format also carries installers (.msi): only Office 97-2003 names are documents.
        return "ole" if filename.lower().endswith((".doc", ".xls", ".ppt", ".wps", ".et")) else None
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in head or filename.lower().endswith(".docx"):
            return "docx"
        if b"xl/" in head or filename.lower().endswith(".xlsx"):
            return "xlsx"
        if b"ppt/" in head or filename.lower().endswith(".pptx"):
            return "pptx"
        return None
    if head[4:8] == b"ftyp":
        return "mp4"
    return None


def file_problem(storage, allowed=DOCUMENTS, max_bytes: int = 20 * MB) -> str | None:
    """Why an uploaded file may not be stored (empty, too big, a type not allowed), or None.

    Reads the stream in chunks, stops as soon as it is too big, and rewinds it.
    """
    stream = storage.stream
    head = stream.read(2048)
    size = len(head)
    while chunk := stream.read(MB):
        size += len(chunk)
        if size > max_bytes:
            break
    stream.seek(0)
    name = Path(storage.filename or "").name
    if size == 0:
        return f"“{name}”是空文件。"
    if size > max_bytes:
        return f"“{name}”超过 {max_bytes // MB} MB，请压缩或拆分后再上传，或改为线下移交。"
    kind = sniff(head, name)
    if kind not in allowed:
        labels = "、".join(KINDS[k].label for k in allowed)
        return f"“{name}”的内容不是允许的文件类型（{labels}），不能上传。"
    return None


def root(app=None) -> Path:
    """The folder that holds every feature's uploads (UPLOAD_FOLDER, default instance/uploads)."""
    app = app or current_app
    return Path(app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads")


def folder(feature: str) -> Path:
    path = root() / feature
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    sha256: str
    mimetype: str
    name: str


def store(storage, feature: str) -> Stored:
    """Write an already checked upload under a random name; returns what the database keeps."""
    head = storage.stream.read(2048)
    storage.stream.seek(0)
    name = Path(storage.filename or "").name[-200:] or "附件"
    kind = KINDS.get(sniff(head, name) or "", Kind("文件", "application/octet-stream", ".bin"))
    key = f"{uuid.uuid4().hex}{kind.suffix}"
    digest = hashlib.sha256()
    size = 0
    with open(folder(feature) / key, "wb") as out:
        while chunk := storage.stream.read(MB):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Stored(key, size, digest.hexdigest(), kind.mimetype, name)


def remove(feature: str, keys) -> None:
    """Delete stored files of a change that was refused or rolled back."""
    for key in keys:
        (folder(feature) / key).unlink(missing_ok=True)


@dataclass
class UploadBatch:
    """The files one change stores and drops, so that disk and database end up agreeing."""

    feature: str
    stored: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def store(self, storage) -> Stored:
        """Write an already checked upload; it is deleted again if the change does not commit."""
        stored = store(storage, self.feature)
        self.stored.append(stored.key)
        return stored

    def drop(self, key: str) -> None:
        """A stored file the change no longer refers to: deleted once the change has committed."""
        self.dropped.append(key)


@contextmanager
def transaction(feature: str):
    """Run a change that stores files and commit it: the one commit of the request.

    Any exception (a refusal or a failure) rolls the database back and deletes the files stored meanwhile;
    after the commit, the files the change dropped are deleted.
    """
    batch = UploadBatch(feature)
    try:
        yield batch
        db.session.commit()
    except BaseException:
        db.session.rollback()
        remove(feature, batch.stored)
        raise
    remove(feature, batch.dropped)


def limit(max_bytes: int):
    """Declare the largest request a view accepts (uploads bigger than MAX_CONTENT_LENGTH), on the view itself.

    Read by `apply_limit` before the body is parsed, so that renaming a view cannot drop its limit.
    """

    def decorator(view):
        view.upload_limit = max_bytes
        return view

    return decorator


def apply_limit() -> None:
    """before_request: raise the request's size limit for a view declared with `limit` (before CSRF reads it)."""
    view = current_app.view_functions.get(request.endpoint or "")
    max_bytes = getattr(view, "upload_limit", None)
    if max_bytes:
        request.max_content_length = max_bytes


def send_stored(feature: str, record):
    """The download of a stored file: its own type, its original name, never sniffed by the browser."""
    path = folder(feature) / record.key
    if not path.is_file():
        abort(404)
    response = name_download(send_file(path, mimetype=record.mimetype, as_attachment=True, download_name=record.name),
                             record.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def checked_files(field, allowed=DOCUMENTS, max_bytes: int = 20 * MB) -> list:
    """The files chosen in a MultipleFileField; each one's problem is added to the field's errors."""
    files = [f for f in (field.data or []) if getattr(f, "filename", "")]
    for storage in files:
        problem = file_problem(storage, allowed, max_bytes)
        if problem:
            field.errors = list(field.errors) + [problem]
    return files


def replace_files(kept: list, remove_ids: set[int], files, batch: UploadBatch, model, **owner) -> list:
    """Remove the chosen stored-file rows from `kept` (in place) and add rows for new uploads.

    Returns the removed rows; their files are deleted once the change has committed.
    """
    removed = [row for row in kept if row.id in remove_ids]
    for row in removed:
        kept.remove(row)
        batch.drop(row.key)
    for storage in files:
        stored = batch.store(storage)
        kept.append(model(name=stored.name, key=stored.key, mimetype=stored.mimetype, size=stored.size,
                          sha256=stored.sha256, **owner))
    return removed
