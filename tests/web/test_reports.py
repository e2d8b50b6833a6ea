"""The monthly dispatch report through the Flask client: pre-fill from the month's guest seats (in-province
and cross-province, both sides), corrections, submit/return/resubmit with versions, lateness, the province's
table, the exported workbook read back, import, reminders, query counts."""
import io
from datetime import date, time
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.bookings.rules import Status as SeatStatus
from portal.extensions import db
from portal.notifications.models import Notification
from portal.projects.models import Project, Section
from portal.reports import counting, rules, services
from portal.reports import table as tables
from portal.reports.models import MonthlyReport, ReportVersion
from portal.templating import china_today
from tests import factories

DALIAN = "大连市营商环境建设局（大连市公共资源交易管理办公室）"   # 辽宁省


def month_under_test() -> date:
    return rules.reporting_month(china_today())


@pytest.fixture
def month_data(users, orgs):
    """A hand-computed month. 长春: S1 (P1) guest 大连 3 experts, S2 (P1) guest 吉林市 2, S4 (P3) guest 榆树 2;
    吉林: S3 (P2) guest 长春 2; 省中心: S8 (P5) guest 长春 1. Not counted: S5 rejected, S6 next month."""
    month = month_under_test()
    agent = users["agent"]
    changchun, jilin_city, yushu = (orgs.center(factories.CHANGCHUN), orgs.center(factories.JILIN_CITY),
                                    orgs.center(factories.YUSHU))
    province_center, dalian = orgs.center(factories.PROVINCE_CENTER), orgs.center(DALIAN)
    p1 = factories.make_project(agent, orgs.region("changchun"), code="P1", name="长春一号工程")
    p2 = factories.make_project(agent, orgs.region("jilin"), code="P2", name="吉林二号工程")
    p3 = factories.make_project(agent, orgs.region("changchun"), code="P3", name="长春三号工程")
    p4 = factories.make_project(agent, orgs.region("changchun"), code="P4", name="长春四号工程")
    p5 = factories.make_project(agent, orgs.region("province"), code="P5", name="省级五号工程")

    def section(project, center, code, budget, winning):
        s = factories.make_section(project, center, code=code, budget_wan=Decimal(budget))
        s.winning_bid_wan = Decimal(winning) if winning is not None else None
        return s

    def seats(s, guest, count, day, status=SeatStatus.ACCEPTED, cross=False):
        req = factories.make_seat_request(s, guest, agent, seats=count, day=day, status=status)
        req.seats_accepted = count if status is not SeatStatus.REJECTED else None
        req.cross_province = cross
        return req

    d = lambda n: date(month.year, month.month, n)   # noqa: E731
    s1 = section(p1, changchun, "S1", "1000", "950")
    s2 = section(p1, changchun, "S2", "500", None)
    s3 = section(p2, jilin_city, "S3", "200", "190")
    s4 = section(p3, changchun, "S4", "300", "280")
    s5 = section(p4, changchun, "S5", "70", "60")
    s6 = section(p4, changchun, "S6", "80", "75")
    s8 = section(p5, province_center, "S8", "100", "100")
    seats(s1, dalian, 3, d(5), cross=True)
    seats(s2, jilin_city, 2, d(6))
    seats(s3, changchun, 2, d(12))
    seats(s4, yushu, 2, d(20))
    seats(s5, jilin_city, 2, d(21), status=SeatStatus.REJECTED)
    seats(s6, jilin_city, 2, rules.next_month(month))
    seats(s8, changchun, 1, d(25), status=SeatStatus.COMPLETED)
    db.session.commit()
    return {"month": month, "key": rules.month_key(month), "sections": {
        "S1": s1.id, "S2": s2.id, "S3": s3.id, "S4": s4.id, "S5": s5.id, "S6": s6.id, "S8": s8.id}}


ENTERED = {"all_projects": "10", "all_sections": "15", "all_budget": "5000.5", "all_winning": "4800.25"}


def post_report(client, key, region="changchun", action="save", version=None, **fields):
    data = dict(fields)
    data.setdefault("version", version if version is not None else _version(region, key))
    data["action"] = action
    if action == "submit":
        data.setdefault("confirmed", "1")
    return client.post(f"/reports/monthly/{key}/{region}", data=data)


def _version(region_code, key):
    month = rules.parse_month(key)
    region = counting.region_by_code(region_code)
    report = db.session.scalars(select(MonthlyReport).filter_by(region_id=region.id, month=month)).first()
    return report.version if report else 0


def row_of(code, month):
    db.session.expire_all()
    return counting.region_row(counting.region_by_code(code), month)


# --- pre-fill --------------------------------------------------------------------------------------------

def test_the_remote_columns_are_counted_from_the_months_guest_seats(month_data):
    month = month_data["month"]
    changchun = row_of("changchun", month).values
    assert (changchun["main_projects"], changchun["main_sections"]) == (2, 3)
    assert changchun["main_budget"] == Decimal("1800") and changchun["main_winning"] == Decimal("1230")
    assert changchun["main_places"] == "辽宁省, 专家3人; 长春1次, 专家2人; 吉林1次, 专家2人"
    assert (changchun["sec_projects"], changchun["sec_sections"]) == (2, 2)
    assert changchun["sec_budget"] == Decimal("300") and changchun["sec_winning"] == Decimal("290")
    assert changchun["sec_places"] == "省中心1次; 吉林1次"
    jilin = row_of("jilin", month).values
    assert (jilin["main_sections"], jilin["main_places"]) == (1, "长春1次, 专家2人")
    assert (jilin["sec_sections"], jilin["sec_budget"], jilin["sec_winning"]) == (1, Decimal("500"), Decimal(0))
    assert jilin["sec_places"] == "长春1次"
    province = row_of("province", month).values
    assert (province["main_sections"], province["main_places"]) == (1, "长春1次, 专家1人")
    siping = row_of("siping", month).values
    assert (siping["main_sections"], siping["sec_sections"]) == (0, 0)


def test_the_committees_experts_replace_the_seats_once_fixed(month_data, orgs):
    from portal.bookings.models import SeatRequest
    from portal.evaluations.models import Evaluation, EvaluationVenue

    s1 = db.session.get(Section, month_data["sections"]["S1"])
    req = db.session.scalars(select(SeatRequest).filter_by(section_id=s1.id)).one()
    evaluation = Evaluation(section_id=s1.id, main_center_id=s1.main_center_id, evaluation_date=req.evaluation_date,
                            start_time=time(9, 0), duration_minutes=240, starts_at=req.starts_at, committee_size=5,
                            tenderee_reps=1)
    evaluation.venues = [EvaluationVenue(center_id=s1.main_center_id, is_main=True, experts_needed=2),
                         EvaluationVenue(center_id=req.guest_center_id, seat_request_id=req.id, experts_needed=2)]
    db.session.add(evaluation)
    db.session.commit()
    assert row_of("changchun", month_data["month"]).values["main_places"].startswith("辽宁省, 专家2人; ")


def test_the_sources_list_the_counted_sections_and_nothing_else(login_as, month_data):
    client = login_as("changchun")
    main = client.get(f"/reports/monthly/{month_data['key']}/changchun/sources?side=main").get_data(as_text=True)
    for code in ("S1", "S2", "S4"):
        assert f">{code}<" in main or f"{code} 标段" in main
    for code in ("S3", "S5", "S6", "S8"):
        assert f"{code} 标段" not in main
    assert "未登记" in main            # S2 has no winning bid yet
    secondary = client.get(f"/reports/monthly/{month_data['key']}/changchun/sources?side=sec").get_data(as_text=True)
    assert "S3 标段" in secondary and "S8 标段" in secondary and "S1 标段" not in secondary


def test_the_region_page_shows_the_counted_figures_with_links(login_as, month_data):
    page = login_as("changchun").get(f"/reports/monthly/{month_data['key']}").get_data(as_text=True)
    assert "长春地区" in page and "辽宁省, 专家3人; 长春1次, 专家2人; 吉林1次, 专家2人" in page
    assert f"/reports/monthly/{month_data['key']}/changchun/sources?side=main" in page
    assert "1 个标段尚未登记中标金额" in page


# --- drafts, corrections, submission ------------------------------------------------------------------------

def test_submit_without_the_entered_figures_is_refused_and_changes_nothing(login_as, month_data):
    client = login_as("changchun")
    response = post_report(client, month_data["key"], action="submit", all_projects="10")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请先填写" in page and 'value="10"' in page
    assert db.session.scalar(select(func.count(MonthlyReport.id))) == 0


def test_bad_figures_are_refused_with_chinese_messages_and_kept(login_as, month_data):
    client = login_as("changchun")
    response = post_report(client, month_data["key"], all_projects="-3", all_budget="12.345678",
                           fix_main_sections="abc")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "应为不小于 0 的整数" in page and "最多保留 4 位小数" in page and 'value="-3"' in page
    assert db.session.scalar(select(func.count(MonthlyReport.id))) == 0


def test_a_correction_needs_a_reason_and_keeps_the_counted_value_beside_it(login_as, month_data):
    client = login_as("jilin")
    key, month = month_data["key"], month_data["month"]
    refused = post_report(client, key, region="jilin", fix_sec_projects="2", **ENTERED)
    assert refused.status_code == 422 and "须说明原因" in refused.get_data(as_text=True)
    saved = post_report(client, key, region="jilin", fix_sec_projects="2", reason_sec_projects="大连主场的一个项目本系统未记录",
                        fix_sec_places="长春1次; 辽宁省1次", reason_sec_places="同上", **ENTERED)
    assert saved.status_code == 303
    row = row_of("jilin", month)
    assert row.values["sec_projects"] == 2 and row.computed["sec_projects"] == 1
    assert row.values["sec_places"] == "长春1次; 辽宁省1次" and row.computed["sec_places"] == "长春1次"
    assert row.reasons["sec_projects"] == "大连主场的一个项目本系统未记录"
    # A value equal to the counted one is no correction.
    post_report(client, key, region="jilin", fix_sec_projects="1", reason_sec_projects="", **ENTERED)
    assert "sec_projects" not in row_of("jilin", month).reasons


def test_submit_freezes_the_figures_and_locks_the_report(login_as, month_data, orgs, users):
    client = login_as("changchun")
    key, month = month_data["key"], month_data["month"]
    assert post_report(client, key, action="submit", **ENTERED).status_code == 303
    report = db.session.scalars(select(MonthlyReport)).one()
    assert report.status is rules.Status.SUBMITTED and report.submissions == 1
    version = db.session.scalars(select(ReportVersion)).one()
    assert version.figures["values"]["main_sections"] == "3" and version.figures["values"]["all_budget"] == "5000.50"
    # A guest seat accepted afterwards does not change what was submitted...
    extra = factories.make_section(db.session.get(Project, db.session.get(Section, month_data["sections"]["S4"]).project_id),
                                   orgs.center(factories.CHANGCHUN), code="S9", budget_wan=Decimal("10"))
    req = factories.make_seat_request(extra, orgs.center(factories.JILIN_CITY), users["agent"], seats=1,
                                      day=date(month.year, month.month, 28), status=SeatStatus.ACCEPTED)
    req.seats_accepted = 1
    db.session.commit()
    assert row_of("changchun", month).values["main_sections"] == 3
    # ...and the locked report cannot be saved again.
    again = post_report(client, key, all_projects="11", all_sections="15", all_budget="1", all_winning="1")
    assert again.status_code == 422 and "已报送并锁定" in again.get_data(as_text=True)
    # The province was told.
    province_id = users["province"].id
    assert db.session.scalar(select(func.count(Notification.id)).filter_by(user_id=province_id)) == 1


def test_return_and_resubmit_keep_every_version(login_as, month_data, users):
    key = month_data["key"]
    region = login_as("changchun")
    post_report(region, key, action="submit", **ENTERED)
    province = login_as("province")
    empty = province.post(f"/reports/monthly/{key}/changchun/return",
                          data={"comment": " ", "version": _version("changchun", key)})
    assert empty.status_code == 422 and "请填写退回意见" in empty.get_data(as_text=True)
    stale = province.post(f"/reports/monthly/{key}/changchun/return", data={"comment": "预算金额请核对"})
    assert stale.status_code == 422 and "刷新页面" in stale.get_data(as_text=True)
    returned = province.post(f"/reports/monthly/{key}/changchun/return",
                             data={"comment": "预算金额请核对", "version": _version("changchun", key)})
    assert returned.status_code == 303
    db.session.expire_all()
    report = db.session.scalars(select(MonthlyReport)).one()
    assert report.status is rules.Status.RETURNED and report.return_comment == "预算金额请核对"
    assert db.session.scalar(select(func.count(Notification.id)).filter_by(user_id=users["changchun"].id)) == 1
    page = region.get(f"/reports/monthly/{key}").get_data(as_text=True)
    assert "预算金额请核对" in page and "保存并报送" in page
    fixed = dict(ENTERED, all_budget="5100")
    assert post_report(region, key, action="submit", **fixed).status_code == 303
    versions = db.session.scalars(select(ReportVersion).order_by(ReportVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].figures["values"]["all_budget"] == "5000.50" and versions[1].figures["values"]["all_budget"] == "5100.00"
    assert versions[0].return_comment == "预算金额请核对" and versions[1].return_comment is None
    history = province.get(f"/reports/monthly/{key}/changchun").get_data(as_text=True)
    assert "第 2 次" in history and "第 1 次" in history and "预算金额请核对" in history


def test_the_province_approves_a_submitted_report_and_it_is_final(login_as, month_data, users):
    key = month_data["key"]
    region = login_as("changchun")
    post_report(region, key, action="submit", **ENTERED)
    province = login_as("province")
    stale = province.post(f"/reports/monthly/{key}/changchun/approve", data={"version": "999"})
    assert stale.status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(MonthlyReport)).one().status is rules.Status.SUBMITTED   # stale: nothing
    approved = province.post(f"/reports/monthly/{key}/changchun/approve",
                             data={"version": _version("changchun", key)})
    assert approved.status_code == 303
    db.session.expire_all()
    report = db.session.scalars(select(MonthlyReport)).one()
    assert report.status is rules.Status.APPROVED and report.approved_by_id == users["province"].id
    version = db.session.scalars(select(ReportVersion)).one()
    assert version.approved_at is not None
    told = db.session.scalars(select(Notification).filter_by(user_id=users["changchun"].id)).all()
    assert [n.text for n in told] == [f"{rules.month_label(month_data['month'])}月调度情况表已审核通过。"]
    # Final: the region has no form, cannot save or resubmit, and the province cannot simply return it.
    page = region.get(f"/reports/monthly/{key}/changchun").get_data(as_text=True)
    assert "已审核通过" in page and "保存并报送" not in page
    again = post_report(region, key, action="submit", version=_version("changchun", key), **ENTERED)
    assert again.status_code == 422
    back = province.post(f"/reports/monthly/{key}/changchun/return",
                         data={"comment": "请核对", "version": _version("changchun", key)})
    assert back.status_code == 422 and "重新打开" in back.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(MonthlyReport)).one().status is rules.Status.APPROVED
    table = province.get(f"/reports/monthly/{key}").get_data(as_text=True)
    assert "已审核通过" in table


def test_the_province_reopens_an_approved_report_with_a_reason(login_as, month_data, users):
    key = month_data["key"]
    region = login_as("changchun")
    post_report(region, key, action="submit", **ENTERED)
    province = login_as("province")
    province.post(f"/reports/monthly/{key}/changchun/approve", data={"version": _version("changchun", key)})
    no_reason = province.post(f"/reports/monthly/{key}/changchun/reopen",
                              data={"comment": "", "version": _version("changchun", key)})
    assert no_reason.status_code == 422 and "请填写重新打开的原因" in no_reason.get_data(as_text=True)
    reopened = province.post(f"/reports/monthly/{key}/changchun/reopen",
                             data={"comment": "漏报一个标段", "version": _version("changchun", key)})
    assert reopened.status_code == 303
    db.session.expire_all()
    report = db.session.scalars(select(MonthlyReport)).one()
    assert report.status is rules.Status.RETURNED and report.return_comment == "漏报一个标段"
    assert report.approved_at is None
    from portal.audit.models import AuditEntry

    actions = [e.action for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "monthly_report").order_by(AuditEntry.id))]
    assert actions[-2:] == ["approve", "reopen"]
    assert "保存并报送" in region.get(f"/reports/monthly/{key}/changchun").get_data(as_text=True)
    assert post_report(region, key, action="submit", version=_version("changchun", key), **ENTERED).status_code == 303


@pytest.mark.parametrize("who", ["changchun", "supervisor", "staff-changchun"])
def test_only_the_province_reviews(login_as, month_data, who):
    key = month_data["key"]
    post_report(login_as("changchun"), key, action="submit", **ENTERED)
    client = login_as(who)
    for action in ("approve", "reopen"):
        answer = client.post(f"/reports/monthly/{key}/changchun/{action}",
                             data={"version": _version("changchun", key), "comment": "x"})
        assert answer.status_code == 403
    db.session.expire_all()
    assert db.session.scalars(select(MonthlyReport)).one().status is rules.Status.SUBMITTED


def test_a_stale_form_cannot_overwrite_a_newer_save(login_as, month_data):
    client = login_as("changchun")
    key = month_data["key"]
    post_report(client, key, version=0, **ENTERED)
    stale = post_report(client, key, version=0, **dict(ENTERED, all_projects="99"))
    assert stale.status_code == 422 and "刷新页面" in stale.get_data(as_text=True)
    without = post_report(client, key, version="", **dict(ENTERED, all_projects="98"))
    assert without.status_code == 422
    assert db.session.scalars(select(MonthlyReport)).one().all_projects == 10


def second_day_after(month: date) -> date:
    """The 2nd of the month after `month`: due day 1 has passed (the 1st itself is on time), 28 has not."""
    following = rules.next_month(month)
    return date(following.year, following.month, 2)


@pytest.mark.parametrize("due_day, late", [(1, True), (28, False)])
def test_lateness_follows_the_due_day_setting(app, login_as, month_data, due_day, late, monkeypatch):
    # The due day is on time ("10 日前" includes the 10th), so the submission is dated the 2nd of the following
    # month: due day 1 has passed, due day 28 has not.
    monkeypatch.setattr(services, "china_today", lambda: second_day_after(month_data["month"]))
    app.config["MONTHLY_REPORT_DUE_DAY"] = due_day
    try:
        post_report(login_as("changchun"), month_data["key"], action="submit", **ENTERED)
    finally:
        app.config.pop("MONTHLY_REPORT_DUE_DAY")
    report = db.session.scalars(select(MonthlyReport)).one()
    assert report.late is late and db.session.scalars(select(ReportVersion)).one().late is late


def test_the_current_month_cannot_be_filed_yet(login_as, month_data):
    key = rules.month_key(rules.next_month(month_data["month"]))
    client = login_as("changchun")
    page = client.get(f"/reports/monthly/{key}").get_data(as_text=True)
    assert "保存并报送" not in page and "次月 1 日起填报" in page
    response = post_report(client, key, **ENTERED)
    assert response.status_code == 422 and "尚未结束" in response.get_data(as_text=True)


def test_a_supervisor_reads_the_region_report_without_a_form(login_as, month_data):
    page = login_as("supervisor").get(f"/reports/monthly/{month_data['key']}").get_data(as_text=True)
    assert "长春地区" in page and "保存并报送" not in page and "主场统计依据的标段" in page


# --- the province's table and the export --------------------------------------------------------------------

def submit_as(client, region, key, entered):
    return post_report(client, key, region=region, action="submit", **entered)


def test_the_province_table_orders_rows_marks_missing_and_totals(login_as, month_data):
    key = month_data["key"]
    submit_as(login_as("changchun"), "changchun", key, ENTERED)
    page = login_as("province").get(f"/reports/monthly/{key}").get_data(as_text=True)
    names = ["省公共资源交易中心", "长春地区", "吉林地区", "四平地区", "辽源地区", "通化地区", "白山地区", "松原地区",
             "白城地区", "延边州", "长白山开发区", "梅河口市"]
    table = page[page.index('id="report-table"'):page.index("</table>", page.index('id="report-table"'))]
    positions = [table.index(f">{name}</a>") for name in names]
    assert positions == sorted(positions)
    assert "已报送 1 个" in page and "未报送 11 个" in page
    missing = page[page.index('id="missing"'):]
    assert "吉林地区" in missing and "长春地区" not in missing[:missing.index("</ul>")]
    assert "<svg" in page and "各地区远程异地评标占比" in page


def test_the_exported_workbook_matches_the_hand_computed_month(login_as, month_data):
    key, month = month_data["key"], month_data["month"]
    submit_as(login_as("changchun"), "changchun", key, ENTERED)
    submit_as(login_as("jilin"), "jilin", key, {"all_projects": "4", "all_sections": "6", "all_budget": "900",
                                                 "all_winning": "850.125"})
    response = login_as("province").get(f"/reports/monthly/{key}.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert sheet.title == f"{month.year}年{month.month}月"
    assert sheet["A1"].value == "远程异地评标月调度情况表"
    assert rules.month_label(month) in sheet["A2"].value and "万元" in sheet["A2"].value
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:O1", "A2:O2", "A3:A4", "B3:E3", "F3:J3", "K3:O3"} <= merged
    assert [sheet.cell(3, c).value for c in (1, 2, 6, 11)] == [
        "地区", "工程建设项目评标情况", "远程异地评标情况（主场）", "远程异地评标情况（副场）"]
    assert [sheet.cell(4, c).value for c in range(2, 6)] == ["项目数量", "标段数量", "预算金额（万元）", "中标金额（万元）"]
    assert sheet.cell(4, 10).value.startswith("副场地区（省份）及抽取专家数量") and sheet.cell(4, 15).value == "主场地区（省份）"
    names = [sheet.cell(r, 1).value for r in range(5, 18)]
    assert names == ["省公共资源交易中心", "长春地区", "吉林地区", "四平地区", "辽源地区", "通化地区", "白山地区",
                     "松原地区", "白城地区", "延边州", "长白山开发区", "梅河口市", "合计"]
    row = lambda r: [sheet.cell(r, c).value for c in range(2, 16)]   # noqa: E731
    assert row(5) == [None, None, None, None, 1, 1, 100, 100, "长春1次, 专家1人", 0, 0, 0, 0, None]
    assert row(6) == [10, 15, 5000.5, 4800.25, 2, 3, 1800, 1230, "辽宁省, 专家3人; 长春1次, 专家2人; 吉林1次, 专家2人",
                      2, 2, 300, 290, "省中心1次; 吉林1次"]
    assert row(7) == [4, 6, 900, 850.125, 1, 1, 200, 190, "长春1次, 专家2人", 1, 1, 500, 0, "长春1次"]
    assert row(8) == [None, None, None, None, 0, 0, 0, 0, None, 0, 0, 0, 0, None]
    assert row(17) == [14, 21, 5900.5, 5650.375, 4, 5, 2100, 1520, None, 3, 3, 800, 290, None]
    assert sheet.cell(6, 4).number_format == "#,##0.00##"
    year = book.worksheets[1]
    assert "累计" in year.title and year.cell(17, 1).value == "合计" and year.cell(17, 8).value == 2100 and year.cell(17, 7).value == 5
    status = book.worksheets[2]
    assert status.cell(3, 1).value == "长春地区" and status.cell(3, 2).value == "已报送"
    assert status.cell(5, 2).value == "未填报"


def test_the_csv_has_the_same_rows(login_as, month_data):
    response = login_as("province").get(f"/reports/monthly/{month_data['key']}.csv")
    text = response.data.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("地区,工程建设项目评标情况·项目数量") and len(lines) == 14
    assert lines[2].startswith("长春地区,,,,,2,3,1800.00,1230.00,")
    assert lines[-1].startswith("合计,")


def test_a_region_exports_its_own_row_only(login_as, month_data):
    book = load_workbook(io.BytesIO(login_as("changchun").get(f"/reports/monthly/{month_data['key']}.xlsx").data))
    names = [book.worksheets[0].cell(r, 1).value for r in range(5, 7)]
    assert names == ["长春地区", "合计"]


def test_typed_text_that_looks_like_a_formula_is_not_a_formula(login_as, month_data):
    client = login_as("changchun")
    post_report(client, month_data["key"], action="submit", fix_sec_places='=HYPERLINK("http://x","y")',
                reason_sec_places="测试", **ENTERED)
    book = load_workbook(io.BytesIO(login_as("province").get(f"/reports/monthly/{month_data['key']}.xlsx").data))
    cell = book.worksheets[0].cell(6, 15)
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"
    csv_text = login_as("province").get(f"/reports/monthly/{month_data['key']}.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text


# --- import, reminders, the winning bid ------------------------------------------------------------------------

def sheet_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_reads_the_regions_row_into_the_form_without_saving(login_as, month_data):
    client = login_as("changchun")
    data = sheet_bytes([["远程异地评标月调度情况表"], ["地区", "工程建设项目评标情况"], ["省公共资源交易中心", 1, 2, 3, 4],
                        ["长春地区", 21, 34, 12345.6789, 12000]])
    response = client.post(f"/reports/monthly/{month_data['key']}/changchun/import",
                           data={"file": (io.BytesIO(data), "长春.xlsx")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="21"' in page and 'value="12345.6789"' in page
    assert db.session.scalar(select(func.count(MonthlyReport.id))) == 0


@pytest.mark.parametrize("name, data, message", [
    ("其他.xlsx", sheet_bytes([["吉林地区", 1, 2, 3, 4]]), "没有找到“长春地区”"),
    ("长春.xlsx", sheet_bytes([["长春", "十", 2, 3, 4]]), "整数"),
    ("病毒.xlsx", b"MZ\x90\x00" + b"\x00" * 100, "不是有效的 .xlsx"),
    ("表.pdf", b"%PDF-1.4", "只支持"),
])
def test_import_refusals(login_as, month_data, name, data, message):
    response = login_as("changchun").post(f"/reports/monthly/{month_data['key']}/changchun/import",
                                          data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_reminders_reach_the_missing_regions_once_a_day(login_as, month_data, users):
    submit_as(login_as("changchun"), "changchun", month_data["key"], ENTERED)
    province = login_as("province")
    assert province.post(f"/reports/monthly/{month_data['key']}/remind").status_code == 303
    notes = db.session.scalars(select(Notification).where(Notification.text.contains("尚未报送"))).all()
    recipients = {n.user_id for n in notes}
    assert users["jilin"].id in recipients and users["changchun"].id not in recipients
    province.post(f"/reports/monthly/{month_data['key']}/remind")
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.text.contains("尚未报送"))) == len(notes)


def test_the_home_page_banner_until_submitted(login_as, month_data):
    client = login_as("jilin")
    assert "本地区尚未报送" in client.get("/").get_data(as_text=True)
    submit_as(client, "jilin", month_data["key"], ENTERED)
    assert "本地区尚未报送" not in client.get("/").get_data(as_text=True)
    assert "个地区尚未报送" in login_as("province").get("/").get_data(as_text=True)
    assert "report-banner" not in login_as("agent").get("/").get_data(as_text=True)


def test_the_agent_records_the_winning_bid_and_the_report_sums_it(login_as, month_data, users, orgs):
    section_id = month_data["sections"]["S2"]
    section = db.session.get(Section, section_id)
    section.evaluation_date = month_data["month"]
    db.session.commit()
    client = login_as("agent")
    bad = client.post(f"/projects/sections/{section_id}/winning", data={"winning_bid_wan": "abc"})
    assert bad.status_code == 422
    assert client.post(f"/projects/sections/{section_id}/winning", data={"winning_bid_wan": "480.5"}).status_code == 303
    assert row_of("changchun", month_data["month"]).values["main_winning"] == Decimal("1710.5")
    future = factories.make_section(db.session.get(Project, section.project_id), orgs.center(factories.CHANGCHUN), code="F1")
    db.session.commit()
    refused = client.post(f"/projects/sections/{future.id}/winning", data={"winning_bid_wan": "1"})
    assert refused.status_code == 422 and "评标结束" in refused.get_data(as_text=True)


# --- speed ---------------------------------------------------------------------------------------------------

def test_query_counts_stay_flat_as_the_month_grows(login_as, month_data, users, orgs, count_queries):
    key, month = month_data["key"], month_data["month"]
    province, region = login_as("province"), login_as("changchun")
    submit_as(region, "changchun", key, ENTERED)

    def counts():
        out = []
        for client, url in ((province, f"/reports/monthly/{key}"), (region, f"/reports/monthly/{key}"),
                            (province, f"/reports/monthly/{key}.xlsx"),
                            (region, f"/reports/monthly/{key}/changchun/sources?side=sec")):
            with count_queries() as statements:
                assert client.get(url).status_code == 200
            out.append(len(statements))
        return out

    before = counts()
    project = factories.make_project(users["agent"], orgs.region("jilin"), code="PX")
    for n in range(12):
        s = factories.make_section(project, orgs.center(factories.JILIN_CITY), code=f"X{n}", budget_wan=Decimal(n + 1))
        req = factories.make_seat_request(s, orgs.center(factories.CHANGCHUN), users["agent"], seats=1,
                                          day=date(month.year, month.month, 1 + n), status=SeatStatus.ACCEPTED)
        req.seats_accepted = 1
    db.session.commit()
    after = counts()
    assert after == before and max(after) <= 8, (before, after)


def test_the_reminder_command_for_cron(app, month_data, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["remind-reports", "--month", month_data["key"]])
    assert result.exit_code == 0 and "已发送催报通知" in result.output
    assert db.session.scalar(select(func.count(Notification.id)).filter_by(user_id=users["changchun"].id)) == 1
    assert runner.invoke(args=["remind-reports", "--month", "2026-13"]).exit_code != 0


def test_remote_share_ignores_regions_without_a_total(login_as, month_data):
    submit_as(login_as("changchun"), "changchun", month_data["key"], ENTERED)
    table = tables.province_table(month_data["month"])
    # Only 长春 entered its total (15 sections, 3 remote): 20%, not (3 + 1 + 1) / 15.
    assert table.month_share_total == Decimal("20.0") and table.year_share_total == Decimal("20.0")
    assert table.year_shares[counting.region_by_code("jilin").id] is None


def test_a_returned_report_not_resubmitted_after_the_due_date_is_late(app, login_as, month_data, monkeypatch):
    client = login_as("changchun")
    monkeypatch.setattr(services, "china_today", lambda: second_day_after(month_data["month"]))
    app.config["MONTHLY_REPORT_DUE_DAY"] = 28
    try:
        submit_as(client, "changchun", month_data["key"], ENTERED)
        login_as("province").post(f"/reports/monthly/{month_data['key']}/changchun/return",
                                  data={"comment": "请核对", "version": _version("changchun", month_data["key"])})
        db.session.expire_all()
        row = tables.province_table(month_data["month"]).rows[1]
        assert tables.province_table(month_data["month"]).is_late(row) is False
        app.config["MONTHLY_REPORT_DUE_DAY"] = 1
        table = tables.province_table(month_data["month"])
        assert table.is_late(table.rows[1]) is True
    finally:
        app.config.pop("MONTHLY_REPORT_DUE_DAY")


def test_an_excel_computed_amount_is_read_at_four_decimals(login_as, month_data):
    data = sheet_bytes([["长春地区", 3, 5, 0.1 + 0.2, 1234.5678]])
    response = login_as("changchun").post(f"/reports/monthly/{month_data['key']}/changchun/import",
                                          data={"file": (io.BytesIO(data), "长春.xlsx")},
                                          content_type="multipart/form-data")
    assert response.status_code == 200 and 'value="0.30"' in response.get_data(as_text=True)


def test_the_sources_show_only_guest_seats_the_viewer_may_see(login_as, month_data, users, orgs):
    from portal.bookings.models import SeatRequest

    s3 = db.session.get(Section, month_data["sections"]["S3"])
    other = factories.make_seat_request(s3, orgs.center("四平市公共资源交易中心"), users["agent"], seats=1,
                                        day=db.session.scalars(select(SeatRequest.evaluation_date)
                                                               .filter_by(section_id=s3.id)).first(),
                                        status=SeatStatus.ACCEPTED)
    other.seats_accepted = 1
    db.session.commit()
    page = login_as("changchun").get(f"/reports/monthly/{month_data['key']}/changchun/sources?side=sec")
    text = page.get_data(as_text=True)
    assert "S3 标段" in text and "四平市公共资源交易中心" not in text
    province = login_as("province").get(f"/reports/monthly/{month_data['key']}/changchun/sources?side=sec")
    assert "四平市公共资源交易中心" in province.get_data(as_text=True)


def test_two_saves_at_once_one_wins_and_the_other_is_told(app, login_as, month_data):
    import threading

    key = month_data["key"]
    first = login_as("changchun")
    post_report(first, key, **ENTERED)
    version = _version("changchun", key)
    db.session.remove()     # the threads use their own sessions
    clients = [login_as("changchun"), login_as("changchun")]
    barrier, answers = threading.Barrier(2), []

    def save(client, projects):
        barrier.wait()
        answers.append(post_report(client, key, version=version, **dict(ENTERED, all_projects=projects)).status_code)

    threads = [threading.Thread(target=save, args=(c, str(11 + n))) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(answers) == [303, 422]
    report = db.session.scalars(select(MonthlyReport)).one()
    assert report.version == version + 1 and report.all_projects in (11, 12)


def test_the_due_date_has_one_wording_and_the_tenth_is_on_time(login_as, month_data):
    """"每月 10 日前" includes the 10th (issue 23): the region's page and the province's say the same."""
    due = rules.due_date(month_data["month"])
    wording = f"{due.year}年{due.month}月10日前（含当日）"
    region = login_as("changchun").get(f"/reports/monthly/{month_data['key']}").get_data(as_text=True)
    province = login_as("province").get(f"/reports/monthly/{month_data['key']}").get_data(as_text=True)
    for page in (region, province):
        assert wording in page
        assert "当天即为逾期" not in page and "（含）前" not in page
    assert "10 日当天报送为按时" in province


def test_the_monthly_workbook_prints_one_a4_landscape_page_per_sheet(login_as, month_data, tmp_path):
    from tests.office import landscape_a4, office_pdf, page_text

    response = login_as("province").get(f"/reports/monthly/{month_data['key']}.xlsx")
    pdf = office_pdf(response.data, tmp_path, "monthly")
    assert len(pdf.pages) == 3 and all(landscape_a4(page) for page in pdf.pages)
    month, year, status = (page_text(page) for page in pdf.pages)
    assert "远程异地评标月调度情况表" in month and "合计" in month and "长春地区" in month
    assert "年度累计" in year
    assert "首次报送时间" in status and "备注" in status and "长春地区" in status


def test_submitting_without_the_confirmation_changes_nothing_and_shows_the_confirmation_box(login_as, month_data):
    client = login_as("changchun")
    key = month_data["key"]
    response = post_report(client, key, action="submit", confirmed="", **ENTERED)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "确认报送长春地区" in page and "报送后本地区不能再修改" in page
    box = page[page.index('class="confirmation"'):page.index("</section>", page.index('class="confirmation"'))]
    assert 'name="confirmed" value="1"' in box and 'name="all_budget" value="5000.5"' in box   # the same fields
    assert 'name="action" value="submit"' in box and f'href="/reports/monthly/{key}/changchun"' in box   # 返回
    assert 'value="5000.5"' in page[page.index('id="report-form"'):]           # what was typed is kept on the form
    assert db.session.scalars(select(MonthlyReport)).first() is None          # nothing saved, nothing sent
    assert post_report(client, key, action="save", **ENTERED).status_code == 303   # a draft needs no confirmation
    assert db.session.scalars(select(MonthlyReport)).one().status is rules.Status.DRAFT
    assert post_report(client, key, action="submit", **ENTERED).status_code == 303   # confirmed: submitted
    db.session.expire_all()
    assert db.session.scalars(select(MonthlyReport)).one().status is rules.Status.SUBMITTED
