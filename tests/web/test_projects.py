"""Projects and sections through the Flask client: registration, bad input, visibility, exemptions."""
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal import storage
from portal.audit.models import AuditEntry
from portal.auth.models import Role
from portal.extensions import db
from portal.projects import services
from portal.projects.models import Exemption, Project, Section, Threshold
from portal.projects.rules import Level, ThresholdCategory
from tests import factories
from tests.conftest import counted_queries

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LATER = (date.today() + timedelta(days=30)).isoformat()


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture(autouse=True)
def thresholds(app):
    factories.load_thresholds()
    db.session.commit()


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


@pytest.fixture
def project(users, orgs):
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    db.session.commit()
    return project


def section_data(orgs, **changes):
    data = {"code": "01", "name": "施工标段", "category": "construction", "contract_estimate_wan": "1200",
            "investment_estimate_wan": "", "budget_wan": "", "main_center_id": str(orgs.center(factories.CHANGCHUN).id),
            "evaluation_date": LATER, "start_time": "09:00"}
    data.update(changes)
    return data


def test_an_agent_registers_a_project_and_a_section(login_as, orgs):
    agent = login_as("agent")
    response = agent.post("/projects/new", data={"code": "jlzb-2026-0158", "name": "长春市某道路工程",
                                                 "tenderee": "长春市城建局", "agency": "",
                                                 "region_id": str(orgs.region("changchun").id)})
    assert response.status_code == 303
    project = db.session.scalars(select(Project)).one()
    assert project.code == "JLZB-2026-0158" and response.headers["Location"].endswith(f"/projects/{project.id}/sections/new")
    response = agent.post(f"/projects/{project.id}/sections/new", data=section_data(orgs))
    assert response.status_code == 303
    section = db.session.scalars(select(Section)).one()
    assert section.remote_level is Level.MUST and section.estimated_price_wan == Decimal(1200)
    page = text_of(agent.get(response.headers["Location"]))
    assert "原则上应采用远程异地评标" in page and "达到工程施工类（含工程总承包）标准 1000 万元" in page
    assert "客场机位申请最迟应于" in page
    actions = db.session.execute(select(AuditEntry.object_type, AuditEntry.action)).all()
    assert ("project", "create") in actions and ("section", "create") in actions


def test_an_epc_section_must_go_remote_when_a_part_reaches_its_threshold(login_as, orgs, project):
    response = login_as("agent").post(f"/projects/{project.id}/sections/new", data=section_data(
        orgs, category="epc", contract_estimate_wan="900", epc_goods_wan="800"))
    assert response.status_code == 303
    assert db.session.scalars(select(Section)).one().remote_level is Level.MUST


@pytest.mark.parametrize("changes, field, message", [
    ({"contract_estimate_wan": "１２３４"}, "contract_estimate_wan", "不要使用全角数字"),
    ({"contract_estimate_wan": "1,234"}, "contract_estimate_wan", "千位分隔符"),
    ({"contract_estimate_wan": "-5"}, "contract_estimate_wan", "不能为负数"),
    ({"contract_estimate_wan": "200000000"}, "contract_estimate_wan", "请核对单位是否为万元"),
    ({"budget_wan": "12.345678"}, "budget_wan", "最多 4 位小数"),
    ({"contract_estimate_wan": ""}, "budget_wan", "至少填写一项"),
    ({"evaluation_date": "2020-01-06"}, "evaluation_date", "已经过去"),
    ({"evaluation_date": "2026-02-30"}, "evaluation_date", ""),
    ({"evaluation_date": "0001-01-02"}, "evaluation_date", "2000 年至 2099 年之间"),
    ({"evaluation_date": "2150-01-02"}, "evaluation_date", "2000 年至 2099 年之间"),
    ({"category": "combined", "combined_parts": ["design"]}, "combined_parts", "至少选择两项"),
    ({"local_pool_insufficient": "y"}, "local_pool_insufficient", "请先勾选"),
    ({"main_center_id": ""}, "main_center_id", "请填写主场交易中心"),
    ({"code": ""}, "code", "请填写标段编号"),
    ({"category": "magic"}, "category", ""),
])
def test_bad_section_input_is_refused_keeps_what_was_typed_and_changes_nothing(login_as, orgs, project, changes,
                                                                              field, message):
    data = section_data(orgs, **changes)
    response = login_as("agent").post(f"/projects/{project.id}/sections/new", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body and message in text_of(response)
    if changes.get("contract_estimate_wan"):
        assert f'value="{changes["contract_estimate_wan"]}"' in body
    assert count(Section) == 0


def test_a_partner_province_center_cannot_be_the_main_venue(login_as, orgs, project):
    outside = orgs.center("黄冈市公共资源交易中心")
    response = login_as("agent").post(f"/projects/{project.id}/sections/new",
                                      data=section_data(orgs, main_center_id=str(outside.id)))
    assert response.status_code == 422 and count(Section) == 0


def test_an_afternoon_start_is_allowed_with_a_warning(login_as, orgs, project):
    response = login_as("agent").post(f"/projects/{project.id}/sections/new",
                                      data=section_data(orgs, start_time="14:30"), follow_redirects=True)
    assert response.status_code == 200 and count(Section) == 1
    assert "原则上应安排在工作日上午" in text_of(response)


def test_duplicate_codes_are_refused(login_as, orgs, project):
    agent = login_as("agent")
    response = agent.post("/projects/new", data={"code": project.code.lower(), "name": "另一项目", "tenderee": "某局",
                                                 "region_id": str(orgs.region("changchun").id)})
    assert response.status_code == 422 and "已经登记过" in text_of(response)
    assert count(Project) == 1
    agent.post(f"/projects/{project.id}/sections/new", data=section_data(orgs))
    response = agent.post(f"/projects/{project.id}/sections/new", data=section_data(orgs, name="重复"))
    assert response.status_code == 422 and "本项目已有标段编号 01" in text_of(response)
    assert count(Section) == 1


def test_editing_a_section_with_a_past_date_it_already_had_is_allowed(login_as, orgs, project):
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN))
    section.evaluation_date = date(2026, 1, 6)   # held already
    db.session.commit()
    data = section_data(orgs, evaluation_date="2026-01-06", contract_estimate_wan="300")
    response = login_as("agent").post(f"/projects/sections/{section.id}/edit", data=data)
    assert response.status_code == 303
    db.session.rollback()   # end the test's own read snapshot
    assert db.session.get(Section, section.id).remote_level is Level.NOT_REQUIRED


def test_scope_preview_fragment(login_as, orgs, project):
    data = section_data(orgs, category="epc", contract_estimate_wan="900", epc_services_wan="400",
                        evaluation_date="2026-12-03", start_time="14:00")
    response = login_as("agent").post("/projects/scope-preview", data=data, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert 'data-level="must"' in body and "总承包服务部分估算价 400 万元，达到" in body
    assert "<output>2026-11-30</output>" in body
    assert "原则上应安排在工作日上午" in body
    bad = login_as("agent").post("/projects/scope-preview", data=section_data(orgs, contract_estimate_wan="1,200"),
                                 headers={"HX-Request": "true"})
    assert "千位分隔符" in bad.get_data(as_text=True) and count(Section) == 0


def test_sections_are_seen_by_their_agent_region_and_main_center_only(app, login_as, users, orgs, project):
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), name="秘密标段")
    other_agent = factories.make_user("agent2", Role.AGENT)
    jilin_supervisor = factories.make_user("supervisor-jilin", Role.SUPERVISOR, orgs.region("jilin"))
    db.session.commit()
    for username, sees in [("agent", True), ("supervisor", True), ("changchun", True), ("staff-changchun", True),
                           ("province", True), ("agent2", False), ("supervisor-jilin", False), ("jilin", False),
                           ("staff-jilin", False)]:
        client = login_as(username)
        listing = client.get("/projects/").get_data(as_text=True)
        assert ("秘密标段" in listing) is sees, username
        assert client.get(f"/projects/sections/{section.id}").status_code == (200 if sees else 404), username
        assert client.get(f"/projects/{project.id}").status_code == (200 if sees else 404), username
    assert other_agent and jilin_supervisor


def test_another_agent_cannot_edit_or_add_sections(login_as, users, orgs, project):
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN))
    factories.make_user("agent2", Role.AGENT)
    db.session.commit()
    other = login_as("agent2")
    assert other.get(f"/projects/sections/{section.id}/edit").status_code == 404
    assert other.post(f"/projects/{project.id}/sections/new", data=section_data(orgs, code="02")).status_code == 404
    assert other.post(f"/projects/sections/{section.id}/exemption", data={}).status_code == 404
    assert count(Section) == 1


def test_list_filters_and_sorts(login_as, orgs, project):
    center = orgs.center(factories.CHANGCHUN)
    factories.make_section(project, center, code="01", contract="1500")
    # A services section: two construction sections of one project would be added up (合并计算) and both be must
    factories.make_section(project, center, code="02", contract="100", name="小标段", category="services")
    db.session.commit()
    agent = login_as("agent")
    must = agent.get("/projects/?level=must").get_data(as_text=True)
    assert "01 标段" in must and "小标段" not in must
    found = agent.get("/projects/?q=小标段", headers={"HX-Request": "true"})
    assert "小标段" in found.get_data(as_text=True) and "<html" not in found.get_data(as_text=True)
    by_price = text_of(agent.get("/projects/?sort=price"))
    assert by_price.index("小标段") < by_price.index("01 标段")
    assert agent.get("/projects/?level=nonsense&sort=bogus&page=x").status_code == 200


def test_project_list_query_count_is_flat(login_as, users, orgs):
    center = orgs.center(factories.CHANGCHUN)

    def grow(prefix, n):
        for i in range(n):
            project = factories.make_project(users["agent"], orgs.region("changchun"), code=f"{prefix}-{i}")
            factories.make_section(project, center, contract=str(300 + i * 100))
        db.session.commit()

    grow("A", 2)
    counts = {}
    for username in ("agent", "supervisor", "province"):
        client = login_as(username)
        client.get("/projects/")    # warm: the calendar is kept while its tables are unchanged (dataversions)
        with counted_queries() as small:
            client.get("/projects/")
        counts[username] = small
    grow("B", 30)
    for username in ("agent", "supervisor", "province"):
        client = login_as(username)
        client.get("/projects/")
        with counted_queries() as large:
            assert client.get("/projects/").status_code == 200
        assert len(large) == len(counts[username]) <= 8, large


# --- exemptions ---------------------------------------------------------------------------------------------

@pytest.fixture
def must_section(orgs, project):
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), contract="1500")
    db.session.commit()
    return section


def post_exemption(client, section, pdf=PDF, name="说明.pdf", **fields):
    data = {"reason": "secret", "explanation": "涉及国家秘密，不宜远程异地评标。"} | fields
    if pdf is not None:
        data["pdf"] = (io.BytesIO(pdf), name)
    return client.post(f"/projects/sections/{section.id}/exemption", data=data, content_type="multipart/form-data")


def test_an_exemption_with_its_pdf_is_recorded_filed_and_listed(login_as, uploads, must_section):
    agent = login_as("agent")
    assert post_exemption(agent, must_section).status_code == 303
    exemption = db.session.scalars(select(Exemption)).one()
    assert exemption.reason_label == "涉及国家秘密" and exemption.pdf_size == len(PDF) and not exemption.filed
    assert storage.read(exemption.pdf_key) == PDF and not (uploads / "exemptions").exists()
    supervisor = login_as("supervisor")
    listing = text_of(supervisor.get("/projects/exemptions?unfiled=1"))
    assert "涉及国家秘密" in listing and "未备案" in listing
    download = supervisor.get(f"/projects/sections/{must_section.id}/exemption.pdf")
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    today = date.today().isoformat()
    response = agent.post(f"/projects/sections/{must_section.id}/exemption/filed",
                          data={"winner_determined_on": today, "filed_on": today, "filed_with": "长春市住建局"})
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Exemption, exemption.id).filed
    assert "没有尚未备案的书面说明" in text_of(supervisor.get("/projects/exemptions?unfiled=1"))
    assert "已备案" in text_of(supervisor.get("/projects/exemptions"))
    # Once filed, the explanation no longer changes
    assert post_exemption(agent, must_section, explanation="改写").status_code == 422
    db.session.rollback()
    assert db.session.get(Exemption, exemption.id).explanation.startswith("涉及国家秘密")


@pytest.mark.parametrize("pdf, name, message", [
    (b"GIF89a not a pdf", "说明.pdf", "不是 PDF"),
    (b"", "说明.pdf", "是空的"),
    (b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "big.pdf", "不能超过 20 MB"),
    (None, "", "请上传书面说明的 PDF 文件"),
])
def test_bad_pdfs_are_refused(login_as, uploads, must_section, pdf, name, message):
    response = post_exemption(login_as("agent"), must_section, pdf=pdf, name=name)
    assert response.status_code == 422 and message in text_of(response)
    assert '涉及国家秘密，不宜远程异地评标。' in response.get_data(as_text=True)   # what was typed stays
    assert count(Exemption) == 0


def test_a_request_far_over_the_limit_gets_the_chinese_413_page(login_as, uploads, must_section):
    response = post_exemption(login_as("agent"), must_section, pdf=b"%PDF-" + b"0" * (23 * 1024 * 1024))
    assert response.status_code == 413 and "文件过大" in text_of(response)
    assert count(Exemption) == 0


@pytest.mark.parametrize("data, message", [
    ({"winner_determined_on": "2026-11-10", "filed_on": "2026-11-09", "filed_with": "住建局"}, "不能早于确定中标人"),
    ({"winner_determined_on": "2026-11-10", "filed_on": (date.today() + timedelta(3)).isoformat(),
      "filed_with": "住建局"}, "不能晚于今天"),
    ({"winner_determined_on": "", "filed_on": "2026-11-09", "filed_with": "住建局"}, "请填写确定中标人日期"),
])
def test_bad_filings_are_refused(login_as, uploads, must_section, data, message):
    agent = login_as("agent")
    post_exemption(agent, must_section)
    response = agent.post(f"/projects/sections/{must_section.id}/exemption/filed", data=data)
    assert response.status_code == 422 and message in text_of(response)
    assert not db.session.scalars(select(Exemption)).one().filed


def test_a_section_that_need_not_go_remote_takes_no_exemption(login_as, uploads, orgs, project):
    small = factories.make_section(project, orgs.center(factories.CHANGCHUN), contract="100")
    db.session.commit()
    response = post_exemption(login_as("agent"), small)
    assert response.status_code == 422 and "无需书面说明" in text_of(response)
    assert count(Exemption) == 0


def test_the_pdf_is_not_served_outside_the_scope(login_as, uploads, must_section):
    post_exemption(login_as("agent"), must_section)
    assert login_as("jilin").get(f"/projects/sections/{must_section.id}/exemption.pdf").status_code == 404
    assert login_as("publicity").get(f"/projects/sections/{must_section.id}/exemption.pdf").status_code == 403


# --- thresholds ---------------------------------------------------------------------------------------------

def test_thresholds_have_history_and_an_effective_date(login_as):
    admin = login_as("province")
    future = (date.today() + timedelta(days=10)).isoformat()
    response = admin.post("/projects/thresholds", data={"category": "construction", "amount": "1200",
                                                        "effective_from": future, "notice": "新通知"})
    assert response.status_code == 303
    assert count(Threshold) == 4
    assert services.thresholds_on(date.today())[ThresholdCategory.CONSTRUCTION] == 1000
    assert services.thresholds_on(date.today() + timedelta(days=10))[ThresholdCategory.CONSTRUCTION] == 1200
    assert services.thresholds_on(date(2026, 1, 1)) == {}
    page = text_of(admin.get("/projects/thresholds"))
    assert "新通知" in page and "吉发改法规联〔2026〕146号" in page
    again = admin.post("/projects/thresholds", data={"category": "construction", "amount": "1300",
                                                     "effective_from": future, "notice": "重复"})
    assert again.status_code == 422 and "已有一条标准" in text_of(again)
    for amount, message in [("0", "大于 0"), ("１０００", "全角"), ("", "请填写限额")]:
        response = admin.post("/projects/thresholds", data={"category": "goods", "amount": amount,
                                                            "effective_from": future, "notice": "通知"})
        assert response.status_code == 422 and message in text_of(response), amount
    assert count(Threshold) == 4
    entry = db.session.scalars(select(AuditEntry).filter_by(object_type="threshold")).one()
    assert entry.after["amount_wan"] == "1200"


def test_exemption_list_query_count_is_flat(login_as, users, orgs):
    center = orgs.center(factories.CHANGCHUN)

    def grow(prefix, n):
        for i in range(n):
            project = factories.make_project(users["agent"], orgs.region("changchun"), code=f"{prefix}-{i}")
            section = factories.make_section(project, center, contract="2000")
            db.session.add(Exemption(section_id=section.id, reason="complex", explanation="技术复杂"))
        db.session.commit()

    client = login_as("supervisor")
    grow("A", 2)
    with counted_queries() as small:
        assert client.get("/projects/exemptions").status_code == 200
    grow("B", 25)
    with counted_queries() as large:
        assert "技术复杂" in client.get("/projects/exemptions").get_data(as_text=True)
    assert len(large) == len(small) <= 6, large


def test_the_pdf_limit_is_raised_before_csrf_reads_the_form(database_url):
    """With CSRF on (as in production) a 12 MB upload reaches the CSRF check, not the 10 MB app-wide limit."""
    from tests.conftest import make_app

    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    body = {"pdf": (io.BytesIO(b"%PDF-" + b"0" * (12 * 1024 * 1024)), "a.pdf")}
    response = client.post("/projects/sections/1/exemption", data=body, content_type="multipart/form-data")
    assert response.status_code == 400 and "CSRF" in text_of(response)
    other = client.post("/workstations/import", data={"file": (io.BytesIO(b"0" * (12 * 1024 * 1024)), "a.csv")},
                        content_type="multipart/form-data")
    assert other.status_code == 413


def test_the_explanation_is_for_the_agent_and_supervisors_only(login_as, uploads, must_section):
    post_exemption(login_as("agent"), must_section, explanation="涉及国家秘密的具体理由")
    for username, sees in [("agent", True), ("supervisor", True), ("province", True), ("changchun", False),
                           ("staff-changchun", False)]:
        client = login_as(username)
        page = client.get(f"/projects/sections/{must_section.id}").get_data(as_text=True)
        assert ("涉及国家秘密的具体理由" in page) is sees, username
        pdf = client.get(f"/projects/sections/{must_section.id}/exemption.pdf")
        assert pdf.status_code == (200 if sees else 404), username


# --- the scope rule as the notice reads (issue 23) ----------------------------------------------------------

def test_two_supervision_sections_of_one_project_are_added_up_and_both_must(login_as, orgs, project):
    agent = login_as("agent")
    first = agent.post(f"/projects/{project.id}/sections/new", data=section_data(
        orgs, code="JL1", name="监理一标段", category="services", contract_estimate_wan="250"))
    assert first.status_code == 303
    one = db.session.scalars(select(Section)).one()
    assert one.remote_level is Level.NOT_REQUIRED
    second = agent.post(f"/projects/{project.id}/sections/new", data=section_data(
        orgs, code="JL2", name="监理二标段", category="services", contract_estimate_wan="200"))
    assert second.status_code == 303
    db.session.expire_all()
    levels = dict(db.session.execute(select(Section.code, Section.remote_level)).all())
    assert levels == {"JL1": Level.MUST, "JL2": Level.MUST}
    page = text_of(agent.get(f"/projects/sections/{one.id}"))
    assert "合并计算：同一项目服务类标段 本标段 250 万元 + JL2 200 万元 = 450 万元，达到勘察、设计、监理等服务类标准 400 万元" in page
    assert "不得化整为零" in page and "保存时的判定为" not in page
    # The first section's new decision is audited as a consequence of the second
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "section",
                                                        AuditEntry.object_id == one.id,
                                                        AuditEntry.action == "update")).one()
    assert "合并计算" in entry.summary and entry.after == {"remote_level": "原则上应采用远程异地评标"}


def test_lowering_one_section_moves_its_sibling_back(login_as, orgs, project):
    agent = login_as("agent")
    agent.post(f"/projects/{project.id}/sections/new", data=section_data(
        orgs, code="JL1", category="services", contract_estimate_wan="250"))
    agent.post(f"/projects/{project.id}/sections/new", data=section_data(
        orgs, code="JL2", category="services", contract_estimate_wan="200"))
    second = db.session.scalars(select(Section).filter_by(code="JL2")).one()
    assert agent.post(f"/projects/sections/{second.id}/edit", data=section_data(
        orgs, code="JL2", category="services", contract_estimate_wan="100")).status_code == 303
    db.session.expire_all()
    assert dict(db.session.execute(select(Section.code, Section.remote_level)).all()) == {
        "JL1": Level.NOT_REQUIRED, "JL2": Level.NOT_REQUIRED}


def test_a_voluntary_tender_is_not_required_and_says_why(login_as, orgs, project):
    agent = login_as("agent")
    form = text_of(agent.get(f"/projects/{project.id}/sections/new"))
    assert "是否依法必须招标" in form and "否，自愿招标" in form
    response = agent.post(f"/projects/{project.id}/sections/new", data=section_data(
        orgs, contract_estimate_wan="1200", mandatory_tender="no"))
    assert response.status_code == 303
    section = db.session.scalars(select(Section)).one()
    assert section.mandatory_tender is False and section.remote_level is Level.NOT_REQUIRED
    page = text_of(agent.get(response.headers["Location"]))
    assert "不属于依法必须招标的项目（自愿招标）" in page and "依法必须招标 否（自愿招标）" in page
    edit = agent.get(f"/projects/sections/{section.id}/edit").get_data(as_text=True)
    assert re.search(r'value="no"[^>]*checked|checked[^>]*value="no"', edit)


def test_a_section_saved_without_the_field_is_a_mandatory_tender(login_as, orgs, project):
    assert login_as("agent").post(f"/projects/{project.id}/sections/new",
                                  data=section_data(orgs)).status_code == 303
    section = db.session.scalars(select(Section)).one()
    assert section.mandatory_tender is True and section.remote_level is Level.MUST
    response = login_as("agent").post(f"/projects/{project.id}/sections/new", data=section_data(
        orgs, code="02", mandatory_tender="perhaps"))
    assert response.status_code == 422 and count(Section) == 1


def test_a_combined_procurement_compares_each_part_with_its_own_threshold(login_as, orgs, project):
    agent = login_as("agent")
    response = agent.post(f"/projects/{project.id}/sections/new", data=section_data(
        orgs, category="combined", combined_parts=["construction", "goods"], contract_estimate_wan="850",
        epc_construction_wan="500", epc_goods_wan="350", epc_services_wan="99"))
    assert response.status_code == 303
    section = db.session.scalars(select(Section)).one()
    assert section.remote_level is Level.NOT_REQUIRED
    assert (section.epc_construction_wan, section.epc_goods_wan, section.epc_services_wan) == (500, 350, None)
    page = text_of(agent.get(response.headers["Location"]))
    assert "合并采购施工部分估算价 500 万元，未达到工程施工类" in page
    assert "合并采购货物部分估算价 350 万元，未达到设备、材料等货物采购类标准 800 万元" in page
    preview = agent.post(f"/projects/scope-preview?project={project.id}", data=section_data(
        orgs, code="02", category="combined", combined_parts=["construction", "goods"], contract_estimate_wan="850",
        epc_goods_wan="800"), headers={"HX-Request": "true"})
    assert "原则上应采用远程异地评标" in text_of(preview)
    assert "合并采购货物部分估算价 800 万元，达到" in text_of(preview)


def test_the_preview_adds_the_projects_other_sections(login_as, orgs, project):
    agent = login_as("agent")
    agent.post(f"/projects/{project.id}/sections/new", data=section_data(
        orgs, code="JL1", category="services", contract_estimate_wan="250"))
    preview = text_of(agent.post(f"/projects/scope-preview?project={project.id}", data=section_data(
        orgs, code="JL2", category="services", contract_estimate_wan="150"), headers={"HX-Request": "true"}))
    assert "原则上应采用远程异地评标" in preview and "本标段 150 万元 + JL1 250 万元 = 400 万元，达到" in preview
    assert agent.post(f"/projects/scope-preview?project={project.id + 999}", data=section_data(orgs)).status_code == 404


def test_the_exemption_form_is_folded_until_wanted_and_open_when_refused(login_as, uploads, must_section):
    agent = login_as("agent")
    page = agent.get(f"/projects/sections/{must_section.id}").get_data(as_text=True)
    assert '<details class="exemption-form">' in page and "<summary>填写书面说明</summary>" in page
    refused = agent.post(f"/projects/sections/{must_section.id}/exemption",
                         data={"reason": "", "explanation": "太短"}, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert '<details class="exemption-form" open>' in refused.get_data(as_text=True)
