"""Uploaded files: the type told by content (not by name), size limits, storage under random names.

Files live in the database (portal.storage: every host reaches them, backups carry them), named by a
random key; the original name is kept on the owning record only for the download's Content-Disposition.

A change that stores files runs inside `transaction(feature)`: the files it stores and drops are written
and deleted in the one transaction of the request, with the records that refer to them, so a change that
does not commit leaves no file behind and one that does leaves no file without its record.
"""
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, current_app, request

from . import storage as storage_module
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
    """The upload folder of releases before migration 0020 (UPLOAD_FOLDER, default instance/uploads): the
    migration moves its files into the database, and a restored older backup unpacks its files there."""
    app = app or current_app
    return Path(app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads")


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
    size, sha256 = storage_module.put(key, feature, storage.stream, kind.mimetype)
    return Stored(key, size, sha256, kind.mimetype, name)


@dataclass
class UploadBatch:
    """The files one change stores and drops, written with the change's records in its transaction."""

    feature: str
    stored: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def store(self, storage) -> Stored:
        """Write an already checked upload; it is gone again if the change does not commit."""
        stored = store(storage, self.feature)
        self.stored.append(stored.key)
        return stored

    def drop(self, key: str) -> None:
        """A stored file the change no longer refers to: deleted in the change's commit."""
        self.dropped.append(key)


@contextmanager
def transaction(feature: str):
    """Run a change that stores files and commit it: the one commit of the request.

    Any exception (a refusal or a failure) rolls the database back, the files stored meanwhile with it; the
    files the change dropped are deleted in its commit.
    """
    batch = UploadBatch(feature)
    try:
        yield batch
        storage_module.remove(batch.dropped)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


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
    return send_key(record.key, record.name, record.mimetype)


def send_key(key: str, name: str, mimetype: str):
    """The download of the stored file `key` as `name`, streamed chunk by chunk; 304 for a client that
    holds it already (its ETag is the content's SHA-256); 404 when no such file is stored."""
    stored = storage_module.facts(key)
    if stored is None:
        abort(404)
    body = storage_module.read(key) if stored.size <= storage_module.CHUNK else storage_module.chunks(key, stored.size)
    response = current_app.response_class(body, mimetype=mimetype, direct_passthrough=True)
    response.content_length = stored.size
    response.set_etag(stored.sha256)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    response = response.make_conditional(request)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return name_download(response, name)


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
