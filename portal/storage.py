"""Uploaded files' contents in the database, so that every host behind the load balancer reaches them.

A file is one `file_contents` row (its random key, feature, size, SHA-256, type) and its bytes in 1 MB
`file_chunks` rows: an upload is written chunk by chunk and a download read chunk by chunk, so neither holds
a whole file in a worker's memory, and PostgreSQL (bytea) and SQLite (BLOB) store it alike. The rows are
written through the request's session, in the transaction of the record that refers to them: a change that
does not commit leaves no file behind, and one that drops a file deletes it in the same commit. Backups of
the database carry the files with them.
"""
import hashlib
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models_base import utcnow

CHUNK = 1024 * 1024


class FileContent(db.Model):
    """A stored upload's facts; its bytes are its chunks."""

    __tablename__ = "file_contents"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    feature: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    mimetype: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FileChunk(db.Model):
    """One part of a file's bytes (at most CHUNK), in order of `seq` from 0."""

    __tablename__ = "file_chunks"
    key: Mapped[str] = mapped_column(ForeignKey("file_contents.key", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


def put(key: str, feature: str, stream, mimetype: str) -> tuple[int, str]:
    """Write `stream` as the file `key` in the session's transaction; returns its size and SHA-256."""
    db.session.execute(insert(FileContent).values(key=key, feature=feature, size=0, sha256="", mimetype=mimetype,
                                                  created_at=utcnow()))
    digest = hashlib.sha256()
    size = seq = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        db.session.execute(insert(FileChunk).values(key=key, seq=seq, data=chunk))
        seq += 1
    db.session.execute(FileContent.__table__.update().where(FileContent.key == key)
                       .values(size=size, sha256=digest.hexdigest()))
    return size, digest.hexdigest()


def remove(keys) -> None:
    """Delete stored files (their chunks go with them) in the session's transaction."""
    keys = list(keys)
    if keys:
        db.session.execute(delete(FileChunk).where(FileChunk.key.in_(keys)))
        db.session.execute(delete(FileContent).where(FileContent.key.in_(keys)))


def facts(key: str) -> FileContent | None:
    return db.session.get(FileContent, key)


def read(key: str) -> bytes:
    """A whole stored file (for small files and tests; downloads use `chunks`)."""
    return b"".join(db.session.scalars(select(FileChunk.data).where(FileChunk.key == key).order_by(FileChunk.seq)))


def chunks(key: str, size: int):
    """The file's bytes, one chunk per query on a connection of its own, taken and given back per chunk: a
    slow download holds neither the request's transaction nor a pooled connection between chunks."""
    engine = db.engine
    count = -(-size // CHUNK)
    query = select(FileChunk.data).where(FileChunk.key == key)

    def generate():
        for seq in range(count):
            with engine.connect() as conn:
                data = conn.execute(query.where(FileChunk.seq == seq)).scalar()
            if data is None:     # deleted meanwhile: the response ends short of its Content-Length
                return
            yield bytes(data)

    return generate()
