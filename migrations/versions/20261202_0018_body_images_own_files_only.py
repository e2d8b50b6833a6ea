"""Notice and training bodies show images only from their own saved image files or data: URLs (issue 27 item 2):
stored bodies lose every other image address

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 01:10:00.000000

"""
import html
import re

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# The stored HTML is the sanitiser's output (nh3): attributes double-quoted, a quote inside one escaped, so a
# pattern finds every image's address. Kept here, not imported, so that the revision stays as it ran.
IMG = re.compile(r"<img\b[^>]*>", re.I)
SRC = re.compile(r'\ssrc="([^"]*)"', re.I)
DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
BODIES = [("notices", "notice_attachments", "notice_id", "/notices/{}/files/{}"),
          ("training_sessions", "training_materials", "session_id", "/training/{}/files/{}")]


def _without_foreign_images(body: str, own: set[str]) -> str:
    def tag(match):
        def src(attribute):
            address = html.unescape(attribute.group(1)).strip()
            return attribute.group(0) if address in own or DATA_IMAGE.match(address) else ""
        return SRC.sub(src, match.group(0))
    return IMG.sub(tag, body)


def upgrade():
    conn = op.get_bind()
    for table, files, owner, path in BODIES:
        own: dict[int, set[str]] = {}
        for record_id, file_id in conn.execute(sa.text(
                f"SELECT {owner}, id FROM {files} WHERE mimetype IN ('image/png', 'image/jpeg')")):  # nosec B608
            own.setdefault(record_id, set()).add(path.format(record_id, file_id))
        rows = conn.execute(sa.text(f"SELECT id, body_html FROM {table} WHERE body_html LIKE '%<img%'")).all()  # nosec B608
        for record_id, body in rows:
            cleaned = _without_foreign_images(body, own.get(record_id, set()))
            if cleaned != body:
                conn.execute(sa.text(f"UPDATE {table} SET body_html = :body WHERE id = :id"),  # nosec B608
                             {"body": cleaned, "id": record_id})


def downgrade():
    # The removed addresses are not kept: the bodies stay without them (the writer's Markdown still has them).
    pass
