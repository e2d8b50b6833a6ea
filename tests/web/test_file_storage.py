"""Uploaded files in the database (issue 26 item 3): every host reads what another stored; a change that does
not commit leaves no file, one that drops a file deletes it in its commit; big files go in and out in chunks;
migration 0020 copies the old upload folder in and its downgrade writes it back."""
import hashlib
import io

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, select
from werkzeug.datastructures import FileStorage

from portal import storage, uploads
from portal.extensions import db
from portal.notices.models import NoticeAttachment
from portal.storage import FileChunk, FileContent
from tests.conftest import make_app
from tests.web.test_notices import post_notice

# A PDF of 2.5 chunks: stored in three rows, streamed back in three reads.
BIG = b"%PDF-1.4\n" + bytes(range(256)) * (storage.CHUNK * 5 // 2 // 256) + b"\n%%EOF\n"


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_big_attachment_is_stored_in_chunks_and_downloaded_whole(login_as, client):
    assert post_notice(login_as("publicity"), files=[("大文件.pdf", BIG)]).status_code == 303
    attachment = db.session.scalars(select(NoticeAttachment)).one()
    assert _count(FileChunk) == 3
    assert attachment.sha256 == hashlib.sha256(BIG).hexdigest() == storage.facts(attachment.key).sha256
    response = client.get(f"/notices/{attachment.notice_id}/files/{attachment.id}")
    assert response.status_code == 200 and response.get_data() == BIG
    assert response.headers["Content-Length"] == str(len(BIG))
    assert response.mimetype == "application/pdf" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''%E5%A4%A7%E6%96%87%E4%BB%B6.pdf" in response.headers["Content-Disposition"]
    again = client.get(f"/notices/{attachment.notice_id}/files/{attachment.id}",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def _upload(body: bytes, name: str = "a.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(body), filename=name)


def test_a_change_that_does_not_commit_leaves_no_file(app):
    with pytest.raises(RuntimeError), uploads.transaction("notices") as batch:
        batch.store(_upload(BIG))
        raise RuntimeError("the change is refused after the file was written")
    assert _count(FileContent) == 0 and _count(FileChunk) == 0


def test_a_dropped_file_is_deleted_in_the_commit_of_its_change_only(app):
    with uploads.transaction("notices") as batch:
        key = batch.store(_upload(b"%PDF-1.4 kept")).key
    with pytest.raises(RuntimeError), uploads.transaction("notices") as batch:
        batch.drop(key)
        raise RuntimeError("refused")
    assert storage.read(key) == b"%PDF-1.4 kept"
    with uploads.transaction("notices") as batch:
        batch.drop(key)
    assert storage.facts(key) is None and _count(FileChunk) == 0


def test_a_missing_file_is_404_not_an_error(login_as, client):
    post_notice(login_as("publicity"), files=[("a.pdf", b"%PDF-1.4 small")])
    attachment = db.session.scalars(select(NoticeAttachment)).one()
    storage.remove([attachment.key])
    db.session.commit()
    assert client.get(f"/notices/{attachment.notice_id}/files/{attachment.id}").status_code == 404


def test_the_migration_moves_the_upload_folder_in_and_the_downgrade_writes_it_back(tmp_path):
    folder = tmp_path / "uploads"
    url = "sqlite:///" + str(tmp_path / "m.sqlite")
    app = make_app(url, UPLOAD_FOLDER=str(folder))
    (folder / "notices").mkdir(parents=True)
    (folder / "evaluation").mkdir()
    (folder / "notices" / "0a1b.pdf").write_bytes(BIG)
    (folder / "evaluation" / "9f8e.mp4").write_bytes(b"\0\0\0\x18ftypmp42 video")
    with app.app_context():
        upgrade(revision="0018")
        upgrade(revision="0020")
        rows = {r.key: r for r in db.session.scalars(select(FileContent))}
        assert set(rows) == {"0a1b.pdf", "9f8e.mp4"}
        assert rows["0a1b.pdf"].feature == "notices" and rows["0a1b.pdf"].mimetype == "application/pdf"
        assert rows["0a1b.pdf"].size == len(BIG) and rows["0a1b.pdf"].sha256 == hashlib.sha256(BIG).hexdigest()
        assert rows["9f8e.mp4"].feature == "evaluation" and rows["9f8e.mp4"].mimetype == "video/mp4"
        assert storage.read("0a1b.pdf") == BIG
        db.session.remove()
        for path in folder.rglob("*.*"):
            path.unlink()
        downgrade(revision="0018")
        assert (folder / "notices" / "0a1b.pdf").read_bytes() == BIG
        assert (folder / "evaluation" / "9f8e.mp4").read_bytes() == b"\0\0\0\x18ftypmp42 video"
    create_engine(url).dispose()
