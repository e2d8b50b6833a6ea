"""Notices (公告专栏): writing and publishing, what the public sees, search, attachments, the feed."""
import io
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.models_base import utcnow
from portal.notices.models import Notice, NoticeAttachment
from portal.notices.rules import Status
from portal.storage import FileContent
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
XSS_BODY = ("正文开头 <script>alert('xss-1')</script> <img src=\"data:image/png;base64,iVBORw0KGgo=\" "
            "onerror=alert('xss-2')> "
            "[点我](javascript:alert('xss-3')) <a href=\"JaVaScRiPt:alert('xss-4')\">链接</a> "
            "<svg onload=alert('xss-5')></svg><iframe src=\"//evil.example\"></iframe>")


def notice_form(**overrides):
    data = {"title": "关于开展远程异地评标培训的通知", "column": "announcement", "region_id": "",
            "body_source": "各单位：定于 12 月开展**远程异地评标**专题培训，请组织评标专家参加。",
            "tags": "培训、评标专家", "publish_at": "", "action": "publish"}
    data.update(overrides)
    return data


def post_notice(client, url="/notices/new", files=(), **overrides):
    data = notice_form(**overrides)
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=data, content_type="multipart/form-data")


@pytest.fixture
def upload_folder(app, tmp_path):
    old = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    yield tmp_path
    app.config["UPLOAD_FOLDER"] = old


def stored_files(folder):
    """The stored notice files (rows of the database since issue 26; none on disk)."""
    db.session.expire_all()
    assert not (folder / "notices").exists()
    return sorted(db.session.scalars(select(FileContent.key).where(FileContent.feature == "notices")))


# --- publishing and reading ---------------------------------------------------------------------------------------

def test_publicity_publishes_a_notice_with_an_attachment_and_anyone_reads_and_downloads_it(
        login_as, client, upload_folder):
    response = post_notice(login_as("publicity"), files=[("培训通知.pdf", PDF)])
    assert response.status_code == 303
    notice = db.session.scalars(select(Notice)).one()
    assert notice.status is Status.PUBLISHED and notice.region_id is None
    page = client.get("/notices/").get_data(as_text=True)
    assert "关于开展远程异地评标培训的通知" in page and "全省" in page
    detail = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "<strong>远程异地评标</strong>" in detail and "培训通知.pdf" in detail
    attachment = db.session.scalars(select(NoticeAttachment)).one()
    download = client.get(f"/notices/{notice.id}/files/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]
    assert stored_files(upload_folder) == [attachment.key]   # a random name, not the uploaded one
    assert attachment.name == "培训通知.pdf" and attachment.key.endswith(".pdf") and "培训" not in attachment.key


class Tags(HTMLParser):
    """Every tag and attribute of a page, to check that no active content came through."""

    def __init__(self, page):
        super().__init__()
        self.found = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_script_and_event_handlers_are_removed_from_a_body(login_as, client):
    assert post_notice(login_as("publicity"), body_source=XSS_BODY).status_code == 303
    notice = db.session.scalars(select(Notice)).one()
    pages = [notice.body_html, client.get(f"/notices/{notice.id}").get_data(as_text=True),
             client.get("/notices/").get_data(as_text=True)]
    for page in pages:
        for n in (1, 2, 4, 5):      # removed with their tag (xss-3 stays as the text of a refused Markdown link)
            assert f"xss-{n}" not in page
        assert "onerror" not in page.lower() and "onload" not in page.lower() and "<iframe" not in page
        for tag, attrs in Tags(page).found:
            assert tag not in ("iframe", "svg", "object", "embed")
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            assert not (attrs.get("href") or "").strip().lower().startswith(("javascript", "data", "vbscript"))
            assert not (attrs.get("src") or "").strip().lower().startswith(("javascript", "vbscript", "data:text"))
    feed = client.get("/notices/feed.atom").get_data(as_text=True)
    assert "xss-1" not in feed and "onerror" not in feed
    assert "正文开头" in notice.body_html and notice.body_source == XSS_BODY   # what was typed is kept for editing


def test_a_draft_is_invisible_to_the_public_everywhere(login_as, client, upload_folder):
    response = post_notice(login_as("publicity"), action="draft", title="内部草稿：培训安排",
                           files=[("草稿附件.pdf", PDF)])
    assert response.status_code == 303
    notice = db.session.scalars(select(Notice)).one()
    attachment = db.session.scalars(select(NoticeAttachment)).one()
    assert notice.status is Status.DRAFT
    assert "内部草稿" not in client.get("/notices/").get_data(as_text=True)
    assert "内部草稿" not in client.get("/notices/?q=培训").get_data(as_text=True)
    assert "内部草稿" not in client.get("/notices/feed.atom").get_data(as_text=True)
    assert client.get(f"/notices/{notice.id}").status_code == 404
    assert client.get(f"/notices/{notice.id}/files/{attachment.id}").status_code == 404
    # Logged-in accounts who do not manage it do not see it either; its writer does.
    assert login_as("agent").get(f"/notices/{notice.id}").status_code == 404
    assert login_as("jilin").get(f"/notices/{notice.id}").status_code == 404
    assert "草稿" in login_as("publicity").get(f"/notices/{notice.id}").get_data(as_text=True)


def test_a_scheduled_notice_appears_when_its_time_comes(client, users):
    future = factories.make_notice(title="下周公开的通知", publish_at=utcnow() + timedelta(days=2))
    past = factories.make_notice(title="已经公开的通知")
    db.session.commit()
    page = client.get("/notices/").get_data(as_text=True)
    assert "已经公开的通知" in page and "下周公开的通知" not in page
    assert client.get(f"/notices/{future.id}").status_code == 404
    db.session.execute(Notice.__table__.update().where(Notice.id == future.id)
                       .values(publish_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert "下周公开的通知" in client.get("/notices/").get_data(as_text=True)
    assert client.get(f"/notices/{past.id}").status_code == 200


def test_scheduling_from_the_form_keeps_it_private_until_then(login_as, client):
    writer = login_as("publicity")
    response = post_notice(writer, publish_at="2099-01-01T09:00")
    assert response.status_code == 303
    notice = db.session.scalars(select(Notice)).one()
    assert notice.status is Status.PUBLISHED
    assert client.get(f"/notices/{notice.id}").status_code == 404
    assert "定时发布" in writer.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "定时发布" in writer.get("/notices/manage?state=scheduled").get_data(as_text=True)


def test_withdrawing_takes_a_notice_off_the_public_pages(login_as, client):
    notice = factories.make_notice()
    db.session.commit()
    writer = login_as("publicity")
    refused = writer.post(f"/notices/{notice.id}/withdraw", data={"reason": ""})
    assert refused.status_code == 422 and "请填写撤回原因" in refused.get_data(as_text=True)
    assert writer.post(f"/notices/{notice.id}/withdraw", data={"reason": "内容有误"}).status_code == 303
    assert client.get(f"/notices/{notice.id}").status_code == 404
    assert "内容有误" in writer.get(f"/notices/{notice.id}").get_data(as_text=True)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "notice")).all()
    assert actions == ["withdraw"]


# --- search and filters -------------------------------------------------------------------------------------------

@pytest.fixture
def corpus(orgs):
    factories.make_notice(title="关于开展远程异地评标培训的通知", body="请各单位组织参加。", tags=("培训",))
    factories.make_notice(title="评标专家库共享目录发布", body="全省评标专家可跨地区抽取。", region=orgs.region("changchun"),
                          column="news", tags=("专家",))
    factories.make_notice(title="长春地区工作动态", body="本月完成远程异地评标 12 次，组织培训一期。",
                          region=orgs.region("changchun"), column="news")
    factories.make_notice(title="吉林地区经验做法", body="副场工位保障 100% 到位。", region=orgs.region("jilin"),
                          column="practice", tags=("经验",))
    factories.make_notice(title="未发布的培训草稿", body="培训", status="draft")
    db.session.commit()


def titles(client, query):
    page = client.get("/notices/" + query).get_data(as_text=True)
    return {t for t in ("关于开展远程异地评标培训的通知", "评标专家库共享目录发布", "长春地区工作动态", "吉林地区经验做法",
                        "未发布的培训草稿") if t in page}


@pytest.mark.parametrize("query, expected", [
    ("?q=培训", {"关于开展远程异地评标培训的通知", "长春地区工作动态"}),           # title and body; two characters
    ("?q=专家", {"评标专家库共享目录发布"}),
    ("?q=培训 一期", {"长春地区工作动态"}),                                         # every word must occur
    ("?q=ＰＤＦ", set()),
    ("?q=１２", {"长春地区工作动态"}),                                               # full-width digits
    ("?q=100%", {"吉林地区经验做法"}),                                               # % is a character, not a wildcard
    ("?q=%", {"吉林地区经验做法"}),
    ("?q=_", set()),
    ("?q=经验", {"吉林地区经验做法"}),                                                # a tag is searched too
    ("?column=news", {"评标专家库共享目录发布", "长春地区工作动态"}),
    ("?region=province", {"关于开展远程异地评标培训的通知"}),
    ("?tag=专家", {"评标专家库共享目录发布"}),
    ("?column=news&q=培训", {"长春地区工作动态"}),
    ("?column=nonsense&region=abc&sort=evil", {"关于开展远程异地评标培训的通知", "评标专家库共享目录发布",
                                               "长春地区工作动态", "吉林地区经验做法"}),
])
def test_the_public_list_searches_and_filters(client, corpus, query, expected):
    assert titles(client, query) == expected


def test_region_filter_by_id(client, orgs, corpus):
    assert titles(client, f"?region={orgs.region('jilin').id}") == {"吉林地区经验做法"}


def test_search_marks_the_words_found(client, corpus):
    page = client.get("/notices/?q=培训").get_data(as_text=True)
    assert "<mark>培训</mark>" in page and "找到 2 条" in page


def test_pinned_notices_come_first(client, users):
    factories.make_notice(title="普通通知", publish_at=utcnow() - timedelta(minutes=5))
    factories.make_notice(title="置顶的旧通知", pinned=True, publish_at=utcnow() - timedelta(days=30))
    db.session.commit()
    page = client.get("/notices/").get_data(as_text=True)
    assert page.index("置顶的旧通知") < page.index("普通通知")


def test_the_atom_feed_lists_published_notices(client, corpus):
    response = client.get("/notices/feed.atom")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles_ = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert len(titles_) == 4 and "未发布的培训草稿" not in titles_
    link = root.find("a:entry/a:link", ns).get("href")
    assert link.startswith("http://localhost/notices/")


def test_feed_ids_do_not_depend_on_the_host_name(client, corpus):
    """A reader subscribed under two names of the portal must not see every notice twice."""
    ns = {"a": "http://www.w3.org/2005/Atom"}

    def ids(host):
        root = ET.fromstring(client.get("/notices/feed.atom", headers={"Host": host}).data)
        return [root.findtext("a:id", namespaces=ns)] + [e.findtext("a:id", namespaces=ns)
                                                         for e in root.findall("a:entry", ns)]

    by_name, by_address = ids("portal.example"), ids("10.0.0.8")
    assert by_name == by_address and all(i.startswith("urn:uuid:") for i in by_name)
    assert len(set(by_name)) == len(by_name)


def test_the_public_list_uses_few_queries_whatever_the_number_of_notices(client, count_queries, users):
    def render():
        with count_queries() as statements:
            assert client.get("/notices/?q=通知").status_code == 200
        return len(statements)

    for n in range(3):
        factories.make_notice(title=f"通知{n}", tags=("培训", f"标签{n}"))
    db.session.commit()
    few = render()
    for n in range(30):
        factories.make_notice(title=f"更多通知{n}", tags=("培训", f"更多{n}"))
    db.session.commit()
    assert render() == few <= 8


# --- who may write what -------------------------------------------------------------------------------------------

def test_a_prefecture_admin_writes_for_its_own_region_only(login_as, orgs):
    changchun = login_as("changchun")
    form = changchun.get("/notices/new").get_data(as_text=True)
    assert "长春地区" in form and "吉林地区" not in form and ">全省<" not in form
    refused = post_notice(changchun, region_id=str(orgs.region("jilin").id), title="越权发布")
    assert refused.status_code == 422 and "只能为本地区" in refused.get_data(as_text=True)
    refused = post_notice(changchun, region_id="", title="越权发布")
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
    assert post_notice(changchun, region_id=str(orgs.region("changchun").id)).status_code == 303


def test_another_regions_notice_cannot_be_edited_or_withdrawn(login_as, orgs):
    notice = factories.make_notice(region=orgs.region("jilin"))
    db.session.commit()
    changchun = login_as("changchun")
    assert changchun.get(f"/notices/{notice.id}/edit").status_code == 404
    assert post_notice(changchun, url=f"/notices/{notice.id}/edit").status_code == 404
    assert changchun.post(f"/notices/{notice.id}/withdraw", data={"reason": "x"}).status_code == 404
    assert login_as("jilin").get(f"/notices/{notice.id}/edit").status_code == 200
    assert login_as("publicity").get(f"/notices/{notice.id}/edit").status_code == 200


def test_editing_with_a_stale_page_is_refused(login_as, users):
    notice = factories.make_notice()
    db.session.commit()
    writer = login_as("publicity")
    version = notice.version
    assert post_notice(writer, url=f"/notices/{notice.id}/edit", version=str(version), title="第一次修改").status_code == 303
    stale = post_notice(writer, url=f"/notices/{notice.id}/edit", version=str(version), title="第二次修改")
    assert stale.status_code == 422 and "已被他人修改" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).title == "第一次修改"


# --- bad input ----------------------------------------------------------------------------------------------------

def test_an_executable_renamed_pdf_is_refused_by_its_content(login_as, upload_folder):
    response = post_notice(login_as("publicity"), title="带附件的通知", files=[("通知.pdf", b"MZ\x90\x00" + b"\x00" * 400)])
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "内容不是允许的文件类型" in page
    assert 'value="带附件的通知"' in page                  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
    assert stored_files(upload_folder) == []


def test_a_200_mb_upload_is_refused_before_it_is_read(app, login_as, upload_folder):
    client = login_as("publicity")
    sent = {"bytes": 0}

    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            sent["bytes"] += len(buffer)
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    response = client.post("/notices/new", content_type="multipart/form-data; boundary=x",
                           environ_overrides={"wsgi.input": Endless(), "CONTENT_LENGTH": str(200 * 1024 * 1024)})
    assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)
    assert sent["bytes"] < 2 * 1024 * 1024
    assert stored_files(upload_folder) == [] and db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_a_file_over_20_mb_is_refused_and_nothing_is_stored(login_as, upload_folder):
    big = b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024 + 10)
    response = post_notice(login_as("publicity"), files=[("大文件.pdf", big)])
    assert response.status_code == 422 and "超过 20 MB" in response.get_data(as_text=True)
    assert stored_files(upload_folder) == []


@pytest.mark.parametrize("field, value, message", [
    ("title", "", "请填写标题"),
    ("title", "标" * 201, "标题最多 200 个字符"),
    ("title", "换行\n标题", "不能包含控制字符"),
    ("body_source", "", "请填写正文"),
    ("column", "evil", "不是有效的选择"),
    ("tags", "、".join(f"标签{n}" for n in range(9)), "标签最多 8 个"),
    ("tags", "超" * 21, "超过 20 个字"),
    ("publish_at", "1999-01-01T00:00", "2000 年至 2099 年"),
    ("publish_at", "明天", "不是有效的日期与时间值"),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(login_as, users, field, value, message):
    response = post_notice(login_as("publicity"), **{field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:300]
    assert message in page, page[page.find("field-error"):][:300]
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_removing_an_attachment_deletes_its_file(login_as, upload_folder):
    writer = login_as("publicity")
    post_notice(writer, files=[("一.pdf", PDF), ("二.pdf", PDF)])
    notice = db.session.scalars(select(Notice)).one()
    first, second = db.session.scalars(select(NoticeAttachment).order_by(NoticeAttachment.id)).all()
    data = notice_form(version=str(notice.version), remove_file=str(first.id))
    assert writer.post(f"/notices/{notice.id}/edit", data=data, content_type="multipart/form-data").status_code == 303
    db.session.expire_all()
    assert [a.name for a in db.session.scalars(select(NoticeAttachment))] == ["二.pdf"]
    assert stored_files(upload_folder) == [second.key]


@pytest.mark.parametrize("path", ["/notices/?q=%00", "/notices/?tag=a%00b", "/training/?audience=%00"])
def test_a_nul_byte_in_the_address_is_a_400_not_a_500(client, path):
    response = client.get(path)
    assert response.status_code == 400 and "空字符" in response.get_data(as_text=True)


def test_a_nul_byte_or_control_character_in_a_body_changes_nothing(login_as, users):
    writer = login_as("publicity")
    assert post_notice(writer, body_source="正文\x00").status_code == 400
    refused = post_notice(writer, body_source="正文\x01结束")
    assert refused.status_code == 422 and "不能包含控制字符" in refused.get_data(as_text=True)
    assert post_notice(writer, body_source="第一行\r\n\t第二行").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 1


def test_an_installer_in_the_office_97_format_is_refused_and_a_doc_is_accepted(login_as, upload_folder):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    writer = login_as("publicity")
    refused = post_notice(writer, files=[("setup.msi", ole)])
    assert refused.status_code == 422 and stored_files(upload_folder) == []
    assert post_notice(writer, files=[("旧版通知.doc", ole)]).status_code == 303


def test_an_edit_without_its_version_is_treated_as_stale(login_as, users):
    notice = factories.make_notice()
    db.session.commit()
    response = post_notice(login_as("publicity"), url=f"/notices/{notice.id}/edit", title="无版本号的修改")
    assert response.status_code == 422 and "已被他人修改" in response.get_data(as_text=True)


# --- the shared save skeleton and the home page --------------------------------------------------------------------

def test_saving_is_audited_as_create_publish_update_and_publish_again_after_withdrawing(login_as, users):
    writer = login_as("publicity")
    assert post_notice(writer, action="draft").status_code == 303
    notice = db.session.scalars(select(Notice)).one()
    edit = f"/notices/{notice.id}/edit"
    assert post_notice(writer, url=edit, version=str(notice.version)).status_code == 303
    db.session.expire_all()
    assert post_notice(writer, url=edit, version=str(notice.version), title="改过的标题").status_code == 303
    assert writer.post(f"/notices/{notice.id}/withdraw", data={"reason": "内容有误"}).status_code == 303
    db.session.expire_all()
    assert post_notice(writer, url=edit, version=str(notice.version)).status_code == 303
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "notice")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["create", "publish", "update", "withdraw", "publish"]


def test_the_home_page_reads_the_latest_titles_not_the_bodies(client, count_queries, users):
    for n in range(7):
        factories.make_notice(title=f"首页公告{n}", body=f"正文{n}", publish_at=utcnow() - timedelta(hours=n + 1))
    factories.make_notice(title="置顶的旧公告", pinned=True, publish_at=utcnow() - timedelta(days=30))
    factories.make_notice(title="首页草稿", status="draft")
    db.session.commit()
    with count_queries() as statements:
        page = client.get("/").get_data(as_text=True)
    shown = [t for t in ["置顶的旧公告", *(f"首页公告{n}" for n in range(7)), "首页草稿"] if t in page]
    assert shown == ["置顶的旧公告", "首页公告0", "首页公告1", "首页公告2", "首页公告3"]
    assert page.index("置顶的旧公告") < page.index("首页公告0")
    reads = [s for s in statements if "FROM notices" in s]
    assert len(reads) == 1 and "LIMIT" in reads[0].upper()
    assert not any(column in reads[0] for column in ("body_html", "body_source", "search_text"))
