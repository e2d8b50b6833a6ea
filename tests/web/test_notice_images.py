"""Notice and training bodies cannot make their readers' browsers fetch anything (issue 27 item 2): an image
shows only one of the record's own saved image files or an embedded data: image; any other address (the
probe's `<img src="/experts/records/export.xlsx">`, a remote tracking pixel) is refused at save with a
message and nothing is changed; the CSP's img-src allows no other host."""
import io
import struct
import zlib

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notices.models import Notice, NoticeAttachment
from portal.security import CSP
from portal.training.models import TrainingMaterial, TrainingSession
from tests.web.test_notices import notice_form, upload_folder  # noqa: F401
from tests.web.test_training import session_form


def _png() -> bytes:
    """A real 1x1 PNG (the upload check reads its signature)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _post(client, url="/notices/new", files=(), **fields):
    data = notice_form(**fields)
    if files:
        data["files"] = [(io.BytesIO(body), name) for name, body in files]
    return client.post(url, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("body", [
    '请查收 <img src="/experts/records/export.xlsx">',                  # what the probe published
    "![](https://tracker.example/pixel.gif?reader=1)",                     # a remote tracking pixel
    "![](http://10.0.0.8/experts/records/export.xlsx)",
    '<img src="//evil.example/x.png" alt="x">',
])
def test_a_body_with_an_image_from_elsewhere_is_refused_and_nothing_is_saved(login_as, body):
    response = _post(login_as("publicity"), body_source=body)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "正文中的图片只能引用本页已保存的图片文件" in text
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.object_type == "notice")) == 0


def test_an_own_image_attachment_and_a_data_image_are_shown(login_as, client, upload_folder):  # noqa: F811
    writer = login_as("publicity")
    assert _post(writer, action="draft", files=[("现场.png", _png())]).status_code == 303
    notice = db.session.scalars(select(Notice)).one()
    image = db.session.scalars(select(NoticeAttachment)).one()
    path = f"/notices/{notice.id}/files/{image.id}"
    editor = writer.get(f"/notices/{notice.id}/edit").get_data(as_text=True)
    assert f"![现场.png]({path})" in editor                     # the address to paste, on the editor
    body = f"现场照片：![现场]({path}) 示意：![点](data:image/png;base64,iVBORw0KGgo=)"
    response = _post(writer, url=f"/notices/{notice.id}/edit", version=str(notice.version), body_source=body)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert f'<img src="{path}" alt="现场">' in page and 'src="data:image/png;base64,iVBORw0KGgo="' in page
    assert client.get(path).mimetype == "image/png"


def test_an_image_whose_file_is_removed_in_the_same_save_is_refused(login_as, upload_folder):  # noqa: F811
    writer = login_as("publicity")
    _post(writer, action="draft", files=[("现场.png", _png())])
    notice = db.session.scalars(select(Notice)).one()
    image = db.session.scalars(select(NoticeAttachment)).one()
    data = notice_form(version=str(notice.version), action="draft",
                       body_source=f"![现场](/notices/{notice.id}/files/{image.id})", remove_file=str(image.id))
    response = writer.post(f"/notices/{notice.id}/edit", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "正文中的图片只能引用" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(NoticeAttachment)) == 1


def test_a_pdf_attachment_is_no_image(login_as, upload_folder):  # noqa: F811
    writer = login_as("publicity")
    _post(writer, action="draft", files=[("通知.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")])
    notice = db.session.scalars(select(Notice)).one()
    pdf = db.session.scalars(select(NoticeAttachment)).one()
    response = _post(writer, url=f"/notices/{notice.id}/edit", version=str(notice.version),
                     body_source=f"![](/notices/{notice.id}/files/{pdf.id})")
    assert response.status_code == 422


def test_a_training_body_keeps_to_its_own_materials_too(login_as, orgs, upload_folder):  # noqa: F811
    organiser = login_as("changchun")
    region = orgs.region("changchun").id
    refused = organiser.post("/training/new", data=session_form(region, body_source="![](https://tracker.example/p.gif)"),
                             content_type="multipart/form-data")
    assert refused.status_code == 422 and "正文中的图片只能引用" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 0
    data = session_form(region, action="draft", files=[(io.BytesIO(_png()), "签到.png")])
    assert organiser.post("/training/new", data=data, content_type="multipart/form-data").status_code == 303
    session = db.session.scalars(select(TrainingSession)).one()
    material = db.session.scalars(select(TrainingMaterial)).one()
    path = f"/training/{session.id}/files/{material.id}"
    assert f"![签到.png]({path})" in organiser.get(f"/training/{session.id}/edit").get_data(as_text=True)
    data = session_form(region, action="draft", version=str(session.version), body_source=f"![签到]({path})")
    response = organiser.post(f"/training/{session.id}/edit", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    db.session.expire_all()
    assert f'src="{path}"' in db.session.get(TrainingSession, session.id).body_html


def test_the_paths_the_rules_build_are_the_routes_addresses(app):
    from portal.notices import rules as notice_rules
    from portal.training import rules as training_rules
    from flask import url_for

    with app.test_request_context("/"):
        assert notice_rules.attachment_path(3, 4) == url_for("notices.attachment", notice_id=3, file_id=4)
        assert training_rules.material_path(3, 4) == url_for("training.material", session_id=3, file_id=4)


def test_the_csp_fetches_images_from_this_site_and_data_urls_only(client):
    policy = client.get("/notices/").headers["Content-Security-Policy"]
    assert policy == CSP
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["img-src"] == "'self' data:"
