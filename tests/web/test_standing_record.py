"""The standing secondary venues' record (issue 24 item 4) on the compliance panel and the partners page, the
joint-test form's participating centers, and the Hubei plan's name of 吉林市 beside the center (item 5)."""
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.bookings.rules import Status as RequestStatus
from portal.clock import china_today
from portal.demo import load_joint_tests, load_pairings
from portal.evaluations.models import Evaluation, EvaluationVenue
from portal.extensions import db
from portal.orgs.models import Province
from portal.partners.models import JointTestCenter, JointTestEvent
from portal.workstations import rules as ws_rules
from tests import factories

JILIN_CITY_LISTED = "吉林市公共资源交易中心（湖北文件称“吉林市公共资源交易服务中心”）"
HUANGGANG = "黄冈市公共资源交易中心"


def record_of(page: str, center_id: int) -> str:
    """The HTML of one standing venue's record on a page."""
    match = re.search(rf'<article id="standing-record-{center_id}".*?</article>', page, re.S)
    assert match, f"no record of center {center_id}"
    return match.group(0)


def month_figures(record: str, month: date) -> tuple[int, int, int]:
    """(evaluations, seats, experts) of a month's row of a record."""
    row = re.search(rf"<th scope=\"row\">{month.year}年{month.month}月</th>(.*?)</tr>", record, re.S).group(1)
    return tuple(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row))


def total_figures(record: str) -> tuple[int, int, int]:
    row = re.search(r"<tfoot>.*?合计</th>(.*?)</tr>", record, re.S).group(1)
    return tuple(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row))


@pytest.fixture
def hosted(orgs, users):
    """Inbound cross-province requests at 吉林市 (main venue 黄冈, another province): this month one accepted for 3
    seats whose committee placed 2 experts there, one completed for 1 seat (no committee yet: its seat counts),
    last month one partly accepted for 2 seats; and requests the record must not count: rejected, accepted with
    no seat, within the province, older than 12 months, and one at 四平 (that venue's own figure)."""
    factories.load_thresholds()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    main = orgs.center(factories.CHANGCHUN)
    huanggang = orgs.center(HUANGGANG)
    jilin_city, siping = orgs.center(factories.JILIN_CITY), orgs.center("四平市公共资源交易中心")
    today = china_today()
    this_month = date(today.year, today.month, 1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    long_ago = this_month - timedelta(days=400)
    made = []

    def inbound(code, guest, day, status, seats, cross=True, experts=None):
        section = factories.make_section(project, main, code=code)
        req = factories.make_seat_request(section, guest, users["agent"], seats=max(seats, 1), day=day,
                                          status=status)
        req.seats_accepted = seats
        if cross:
            req.cross_province, req.main_center_id = True, huanggang.id
        if experts is not None:
            evaluation = Evaluation(section_id=section.id, main_center_id=section.main_center_id,
                                    evaluation_date=day, start_time=req.start_time, duration_minutes=240,
                                    starts_at=req.starts_at, committee_size=5)
            db.session.add(evaluation)
            db.session.flush()
            db.session.add(EvaluationVenue(evaluation_id=evaluation.id, center_id=guest.id, seat_request_id=req.id,
                                           experts_needed=experts))
        db.session.flush()
        made.append(req)

    inbound("01", jilin_city, this_month, RequestStatus.ACCEPTED, 3, experts=2)
    inbound("02", jilin_city, this_month, RequestStatus.COMPLETED, 1)
    inbound("03", jilin_city, last_month + timedelta(days=5), RequestStatus.PARTLY_ACCEPTED, 2)
    inbound("04", jilin_city, this_month, RequestStatus.REJECTED, 4)
    inbound("05", jilin_city, this_month, RequestStatus.ACCEPTED, 0)
    inbound("06", jilin_city, this_month, RequestStatus.ACCEPTED, 5, cross=False)
    inbound("07", jilin_city, long_ago, RequestStatus.COMPLETED, 6)
    inbound("08", siping, this_month, RequestStatus.ACCEPTED, 7)
    db.session.commit()
    return {"jilin_city": jilin_city, "siping": siping, "this_month": this_month, "last_month": last_month}


def test_compliance_panel_shows_the_cross_province_work_each_standing_venue_hosted(login_as, hosted):
    page = login_as("agent").get("/workstations/compliance").get_data(as_text=True)
    jilin = record_of(page, hosted["jilin_city"].id)
    assert month_figures(jilin, hosted["this_month"]) == (2, 4, 3)       # 3 seats (2 experts) + 1 seat
    assert month_figures(jilin, hosted["last_month"]) == (1, 2, 2)
    assert total_figures(jilin) == (3, 6, 5)
    assert jilin.count('<th scope="row">') == 13                           # 12 months and the total
    assert month_figures(record_of(page, hosted["siping"].id), hosted["this_month"]) == (1, 7, 7)
    assert "尚未参与联调联试" in jilin
    assert "差 10 个" in jilin                                             # no cross-province workstation yet


def test_the_record_says_when_the_required_workstations_are_there(login_as, hosted):
    venue = factories.make_venue(hosted["jilin_city"])
    factories.bulk_workstations(venue, 10, cross_every=1)
    db.session.commit()
    jilin = record_of(login_as("agent").get("/workstations/compliance").get_data(as_text=True),
                      hosted["jilin_city"].id)
    assert "已达标" in jilin and "其中当前可用 10 个" in jilin


def test_the_compliance_fragment_carries_the_record_and_the_directory_does_not(login_as, hosted):
    client = login_as("agent")
    fragment = client.get("/workstations/compliance", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "常态化跨省副场工作记录" in fragment
    assert "常态化跨省副场工作记录" not in client.get("/workstations/").get_data(as_text=True)


def test_partners_page_shows_the_same_record(login_as, hosted):
    page = login_as("agent").get("/partners/").get_data(as_text=True)
    jilin = record_of(page, hosted["jilin_city"].id)
    assert month_figures(jilin, hosted["this_month"]) == (2, 4, 3)
    assert JILIN_CITY_LISTED in jilin


def joint_test(orgs, **values):
    data = {"status": "passed", "event_date": "2026-11-20", "workstations": "JLS-A01", "result": "音视频、身份核验正常",
            "center_ids": [orgs.center(factories.JILIN_CITY).id, orgs.center(factories.CHANGCHUN).id], "notes": ""}
    data.update(values)
    return data


def test_a_joint_test_with_participating_centers_is_on_their_records(login_as, orgs):
    liaoning = db.session.scalars(select(Province).filter_by(name="辽宁省")).one()
    client = login_as("province")
    response = client.post(f"/partners/joint-tests/{liaoning.id}", data=joint_test(orgs))
    assert response.status_code == 303
    event = db.session.scalars(select(JointTestEvent)).one()
    jilin_city, changchun = orgs.center(factories.JILIN_CITY), orgs.center(factories.CHANGCHUN)
    assert set(db.session.scalars(select(JointTestCenter.center_id))) == {jilin_city.id, changchun.id}
    entry = db.session.scalars(select(AuditEntry).filter_by(object_type="joint_test")).one()
    assert entry.object_id == event.id and sorted(entry.after["center_ids"]) == sorted([jilin_city.id,
                                                                                            changchun.id])
    timeline = client.get(f"/partners/joint-tests/{liaoning.id}").get_data(as_text=True)
    assert "参与的本省交易中心：" in timeline and "长春市公共资源交易中心" in timeline
    for path in ("/workstations/compliance", "/partners/"):
        page = client.get(path).get_data(as_text=True)
        for center in (jilin_city, changchun):
            record = record_of(page, center.id)
            assert "2026-11-20" in record and "辽宁省" in record and "测试通过" in record
        assert "尚未参与联调联试" in record_of(page, orgs.center("四平市公共资源交易中心").id)


@pytest.mark.parametrize("centers, event_date, message", [
    ("HUBEI", "2026-11-20", "请只勾选列出的本省交易中心"),   # another province's center is no choice of the form
    (["x"], "2026-11-20", "请只勾选列出的本省交易中心"),
    ("JILIN", "", "请填写日期"),
])
def test_a_refused_joint_test_keeps_the_form(login_as, orgs, centers, event_date, message):
    liaoning = db.session.scalars(select(Province).filter_by(name="辽宁省")).one()
    jilin_city = orgs.center(factories.JILIN_CITY)
    if isinstance(centers, str):
        centers = {"HUBEI": [orgs.center(HUANGGANG).id], "JILIN": [jilin_city.id]}[centers]
    response = login_as("province").post(f"/partners/joint-tests/{liaoning.id}", data=joint_test(
        orgs, center_ids=centers, result="保留的结果", event_date=event_date))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and 'value="保留的结果"' in page and 'value="JLS-A01"' in page
    if centers == [jilin_city.id]:    # the ticked center stays ticked
        assert re.search(rf'<input checked id="center_ids-\d+" name="center_ids" type="checkbox" value="{jilin_city.id}">',
                         page)
    assert db.session.scalar(select(func.count()).select_from(JointTestEvent)) == 0


def test_the_service_refuses_a_center_of_another_province(app, orgs, users):
    from portal.partners import services

    liaoning = db.session.scalars(select(Province).filter_by(name="辽宁省")).one()
    with pytest.raises(services.PartnerError, match="本省交易中心"):
        services.add_joint_test_event(liaoning, {"status": "planned", "event_date": date(2026, 12, 1),
                                                 "center_ids": [orgs.center(HUANGGANG).id]})


def test_partners_page_names_jilin_city_as_the_hubei_plan_does(login_as, orgs):
    load_pairings()
    load_joint_tests()
    db.session.commit()
    client = login_as("agent")
    page = client.get("/partners/").get_data(as_text=True)
    pairings = page.split('id="pairing-results"')[1].split("</section>")[0]
    assert JILIN_CITY_LISTED in pairings                                   # 黄冈's partner list
    jilin = record_of(page, orgs.center(factories.JILIN_CITY).id)
    assert JILIN_CITY_LISTED in jilin
    assert "2026-06-12" in jilin and "湖北省" in jilin and "测试通过" in jilin   # the demo's joint tests
    rows = list(load_workbook(io.BytesIO(client.get("/partners/export.xlsx").data)).active.iter_rows(values_only=True))
    assert [r[3] for r in rows if r[0] == HUANGGANG][2] == JILIN_CITY_LISTED


def test_record_pages_send_as_many_queries_with_more_work_and_tests(login_as, orgs, users, count_queries):
    client = login_as("province")
    client.get("/workstations/compliance")
    client.get("/partners/")
    with count_queries() as few_compliance:
        client.get("/workstations/compliance")
    with count_queries() as few_partners:
        client.get("/partners/")
    liaoning = db.session.scalars(select(Province).filter_by(name="辽宁省")).one()
    for day in ("2026-10-01", "2026-10-15", "2026-11-01"):
        client.post(f"/partners/joint-tests/{liaoning.id}", data=joint_test(orgs, event_date=day))
    factories.load_thresholds()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    for n, month in enumerate(ws_rules.record_months(china_today())[-3:]):
        section = factories.make_section(project, orgs.center(factories.CHANGCHUN), code=f"{n:02d}")
        req = factories.make_seat_request(section, orgs.center(factories.JILIN_CITY), users["agent"], day=month,
                                          status=RequestStatus.ACCEPTED)
        req.seats_accepted, req.cross_province, req.main_center_id = 2, True, orgs.center(HUANGGANG).id
    db.session.commit()
    with count_queries() as more_compliance:
        client.get("/workstations/compliance")
    with count_queries() as more_partners:
        client.get("/partners/")
    assert len(few_compliance) == len(more_compliance) <= 4, more_compliance
    assert len(few_partners) == len(more_partners) <= 8, more_partners
