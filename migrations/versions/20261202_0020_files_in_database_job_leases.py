"""Uploaded files in the database (every host reaches them; issue 26 item 3) and the leases of scheduled jobs;
the files of the upload folder are copied in (and written back by the downgrade)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 01:30:00.000000

"""
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

CHUNK = 1024 * 1024
# The types by the suffix the upload code gave each stored name (portal/uploads.py KINDS, as it was).
TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
         ".mp4": "video/mp4"}

contents = sa.table("file_contents", sa.column("key"), sa.column("feature"), sa.column("size"),
                    sa.column("sha256"), sa.column("mimetype"), sa.column("created_at"))
chunks = sa.table("file_chunks", sa.column("key"), sa.column("seq"), sa.column("data", sa.LargeBinary))


def _folder() -> Path:
    app = current_app
    return Path(app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads")


def upgrade():
    op.create_table(
        'file_contents',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('feature', sa.String(length=40), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('mimetype', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_file_contents')),
    )
    op.create_table(
        'file_chunks',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['key'], ['file_contents.key'], name=op.f('fk_file_chunks_key_file_contents'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', 'seq', name=op.f('pk_file_chunks')),
    )
    op.create_table(
        'job_runs',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('done_period', sa.String(length=20), nullable=True),
        sa.Column('holder', sa.String(length=120), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('result', sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs')),
    )
    # The upload folder's files (one subfolder per feature), chunk by chunk. They stay on disk: the folder
    # can be removed once the upgrade has committed.
    conn = op.get_bind()
    folder = _folder()
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*/*")):
        if not path.is_file() or len(path.name) > 80 or len(path.parent.name) > 40:
            continue
        conn.execute(contents.insert().values(key=path.name, feature=path.parent.name, size=0, sha256="",
                                              mimetype=TYPES.get(path.suffix.lower(), "application/octet-stream"),
                                              created_at=datetime.fromtimestamp(path.stat().st_mtime, UTC)))
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as f:
            for seq, block in enumerate(iter(lambda: f.read(CHUNK), b"")):
                digest.update(block)
                size += len(block)
                conn.execute(chunks.insert().values(key=path.name, seq=seq, data=block))
        conn.execute(contents.update().where(contents.c.key == path.name)
                     .values(size=size, sha256=digest.hexdigest()))


def downgrade():
    conn = op.get_bind()
    folder = _folder()
    for key, feature in conn.execute(sa.select(contents.c.key, contents.c.feature)).all():
        target = folder / feature / key
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            for (data,) in conn.execute(sa.select(chunks.c.data).where(chunks.c.key == key)
                                        .order_by(chunks.c.seq)):
                out.write(data)
    op.drop_table('job_runs')
    op.drop_table('file_chunks')
    op.drop_table('file_contents')
