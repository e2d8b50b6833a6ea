"""The calendar page, the deadline fragment, overrides, announced years and the deadline setting."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.calendar.models import AnnouncedYear, CalendarOverride, DeadlineSetting
from portal.calendar.rules import statutory_holidays
from tests.conftest import counted_queries
from tests.unit.test_statutory_holidays import ORACLE


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_month_view_marks_holidays_and_make_up_days(login_as):
    page = text_of(login_as("agent").get("/calendar/?month=2026-10"))
    assert "2026年10月" in page
    assert "放假 · 国庆节" in page and "调休上班 · 国庆节" in page
    assert "内置日历" in page and "暂按周末推算" not in page


def test_an_unannounced_year_shows_its_statutory_holidays_and_warns_that_the_make_up_days_are_not_known(login_as):
    page = text_of(login_as("agent").get("/calendar/?month=2027-02"))
    assert "法定节假日已按放假办法计入，调休安排尚未公布" in page
    assert "2027 年：法定节假日（元旦、春节、清明节、劳动节、端午节、中秋节、国庆节）已按《全国年节及纪念日放假办法》计入" in page
    assert "调休安排（调休上班日和调整的放假日）尚未公布" in page
    assert "放假 · 春节 （法定节假日）" in page   # 2027-02-05 (除夕) to 02-08 (初三)
    assert page.count("放假 · 春节") == 4
    assert "暂按周末推算" not in page


def test_a_year_before_the_revision_is_still_weekends_only(login_as):
    page = text_of(login_as("agent").get("/calendar/?month=2003-10"))
    assert "尚未公布节假日安排，暂按周末推算" in page and "2003 年的节假日安排尚未录入" in page


def test_month_navigation_answers_htmx_with_the_month_only(login_as):
    response = login_as("agent").get("/calendar/?month=2026-11", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and 'id="month"' in body
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("query, expected", [
    ("from=2026-09-30&n=1", "2026年10月8日（星期四）"),
    ("from=2026-10-12&n=-3", "2026年10月8日（星期四）"),
    ("from=2026-11-30&to=2026-12-03", "3 个工作日"),
    ("from=2026-11-30&n=abc", "工作日数应为 -1000 到 1000 之间的整数"),
    ("from=2026-11-30", "请填写工作日数或结束日期"),
])
def test_calculator(login_as, query, expected):
    assert expected in text_of(login_as("agent").get(f"/calendar/?{query}"))


def test_deadline_fragment(login_as):
    response = login_as("agent").get("/bookings/deadline?date=2026-12-03")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert '<output>2026-11-30</output>' in body
    assert "客场机位申请最迟应于 2026年11月30日（星期一） 提交" in text_of(response)
    assert "不含评标当日" in body


def test_deadline_warns_for_a_non_working_day_and_an_unknown_year(login_as):
    client = login_as("agent")
    holiday = text_of(client.get("/bookings/deadline?date=2026-10-05"))
    assert "评标日期不是工作日" in holiday and "2026-09-28" in holiday
    unknown = text_of(client.get("/bookings/deadline?date=2027-01-05"))
    # 2027-01-01 (元旦) is a statutory holiday even before the 2027 notice: the deadline goes back over it
    assert "<output>2026-12-30</output>" in client.get("/bookings/deadline?date=2027-01-05").get_data(as_text=True)
    assert "2027 年已计入法定节假日，调休安排尚未公布" in unknown
    assert "2027 年：法定节假日" in unknown and "调休安排（调休上班日和调整的放假日）尚未公布" in unknown


@pytest.mark.parametrize("query, message", [
    ("", "请填写评标日期"),
    ("?date=", "请填写评标日期"),
    ("?date=2026-13-40", "不是有效的评标日期"),
    ("?date=tomorrow", "不是有效的评标日期"),
    ("?date=1999-01-01", "不是有效的评标日期"),
    ("?date=<script>", "不是有效的评标日期"),
])
def test_deadline_refuses_bad_dates_with_400(login_as, query, message):
    response = login_as("agent").get(f"/bookings/deadline{query}")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body
    assert "<script>" not in body


def test_the_deadline_query_works_without_javascript(login_as):
    page = text_of(login_as("agent").get("/calendar/?date=2026-12-03"))
    assert "2026年11月30日（星期一）" in page
    assert "请按 YYYY-MM-DD" in text_of(login_as("agent").get("/calendar/?date=abc"))


def test_admin_enters_2027_new_year_and_the_deadline_moves(login_as):
    admin = login_as("province")
    response = admin.post("/calendar/overrides?month=2027-01", data={
        "day": "2027-01-01", "working": "off", "note": "元旦", "notice": "国务院办公厅关于2027年部分节假日安排的通知"})
    assert response.status_code == 303
    assert "2026-12-30" in text_of(admin.get("/bookings/deadline?date=2027-01-05"))
    entry = db.session.scalars(select(AuditEntry).filter_by(object_type="calendar_override")).one()
    assert entry.action == "create" and entry.after["day"] == "2027-01-01"
    # Still estimated until the year is marked as entered from its notice
    assert "尚未录入" in text_of(admin.get("/bookings/deadline?date=2027-01-05"))
    assert admin.post("/calendar/years", data={"year": "2027", "notice": "国办发明电〔2026〕X号"}).status_code == 303
    assert "尚未录入" not in text_of(admin.get("/bookings/deadline?date=2027-01-05"))
    assert "管理员依据通知录入" in text_of(admin.get("/calendar/?month=2027-01"))


def test_a_second_override_for_the_same_day_is_refused_and_keeps_what_was_typed(login_as):
    admin = login_as("province")
    data = {"day": "2027-01-01", "working": "off", "notice": "通知甲"}
    admin.post("/calendar/overrides", data=data)
    response = admin.post("/calendar/overrides", data=data | {"notice": "通知乙"})
    assert response.status_code == 422
    assert "2027-01-01 已有调整记录" in text_of(response)
    assert 'value="通知乙"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CalendarOverride)) == 1


@pytest.mark.parametrize("data, message", [
    ({"day": "", "working": "off", "notice": "通知"}, "请填写日期"),
    ({"day": "2027-01-01", "working": "off", "notice": ""}, "请填写依据的通知"),
    ({"day": "2027-01-01", "working": "sometimes", "notice": "通知"}, ""),
])
def test_bad_overrides_change_nothing(login_as, data, message):
    response = login_as("province").post("/calendar/overrides", data=data)
    assert response.status_code == 422 and message in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(CalendarOverride)) == 0


def test_deleting_an_override_restores_the_library_day(login_as):
    admin = login_as("province")
    admin.post("/calendar/overrides", data={"day": "2026-10-10", "working": "off", "notice": "更正"})
    assert not db.session.scalar(select(CalendarOverride.working))
    override_id = db.session.scalar(select(CalendarOverride.id))
    assert admin.post(f"/calendar/overrides/{override_id}/delete").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CalendarOverride)) == 0
    assert admin.post("/calendar/overrides/999/delete").status_code == 404


def test_a_library_year_cannot_be_announced(login_as):
    response = login_as("province").post("/calendar/years", data={"year": "2026", "notice": "通知"})
    assert response.status_code == 422 and "已内置" in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(AnnouncedYear)) == 0


def test_the_deadline_setting(login_as):
    admin = login_as("province")
    assert admin.post("/calendar/settings", data={"lead_working_days": "3", "count_evaluation_day": "y"}).status_code == 303
    assert "<output>2026-12-01</output>" in admin.get("/bookings/deadline?date=2026-12-03").get_data(as_text=True)
    assert "含评标当日" in text_of(admin.get("/bookings/deadline?date=2026-12-03"))
    admin.post("/calendar/settings", data={"lead_working_days": "5"})
    assert "<output>2026-11-26</output>" in admin.get("/bookings/deadline?date=2026-12-03").get_data(as_text=True)
    response = admin.post("/calendar/settings", data={"lead_working_days": "0"})
    assert response.status_code == 422 and "应为 1 到 20 之间的整数" in text_of(response)
    assert db.session.get(DeadlineSetting, 1).lead_working_days == 5


def test_calendar_page_query_count_is_flat(login_as):
    client = login_as("province")
    with counted_queries() as few:
        client.get("/calendar/?month=2027-01")
    db.session.add_all([CalendarOverride(day=date(2027, 1, 1) + timedelta(n), working=False, notice="通知")
                        for n in range(40)])
    db.session.commit()
    with counted_queries() as many:
        client.get("/calendar/?month=2027-01")
    assert len(few) == len(many) <= 8, many


def test_no_deadline_fragment_of_2027_answers_a_statutory_holiday(login_as):
    """Done-when of issue 23: for every date of 2027, the latest filing date is never a 2027 statutory holiday."""
    client = login_as("agent")
    holidays_2027 = statutory_holidays(2027)
    day = date(2027, 1, 1)
    while day.year == 2027:
        body = client.get(f"/bookings/deadline?date={day.isoformat()}").get_data(as_text=True)
        latest = date.fromisoformat(re.search(r'data-latest="([0-9-]+)"', body).group(1))
        assert latest not in holidays_2027 and latest < day, day
        assert latest.year == 2026 or latest.weekday() < 5, day
        day += timedelta(1)


@pytest.mark.parametrize("evaluation, latest", ORACLE)
def test_the_deadline_fragment_gives_the_official_answer_in_2025_and_2026(login_as, evaluation, latest):
    body = login_as("agent").get(f"/bookings/deadline?date={evaluation}").get_data(as_text=True)
    assert f"<output>{latest}</output>" in body
    assert "调休安排" not in body and "推算" not in body


# --- entering a year by pasting its notice ----------------------------------------------------------------

# A made-up 2027 schedule in the real notices' form (the 2027 notice is not published yet): every weekday
# annotation matches its date and every statutory holiday of 2027 is a day off.
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
国办发明电〔2026〕99号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2027年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至11日（农历正月初六、周四）放假调休，共7天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
五、端午节：6月9日（周三）放假1天，不调休。
六、中秋节：9月15日（周三）放假1天，不调休。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
国务院办公厅
2026年11月20日
"""


def overrides_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CalendarOverride))


def test_the_paste_page_is_linked_from_an_unannounced_year(login_as):
    page = login_as("province").get("/calendar/?month=2027-01").get_data(as_text=True)
    assert 'href="/calendar/notice?year=2027"' in page
    form = login_as("province").get("/calendar/notice?year=2027")
    assert form.status_code == 200 and 'name="text"' in form.get_data(as_text=True)
    assert "粘贴通知录入 2027 年节假日安排" in text_of(form)


def test_a_pasted_notice_is_shown_beside_the_computed_year_before_anything_is_saved(login_as):
    response = login_as("province").post("/calendar/notice", data={"year": "2027", "text": NOTICE_2027,
                                                                   "action": "preview"})
    body = response.get_data(as_text=True)
    page = text_of(response)
    assert response.status_code == 200 and overrides_count() == 0
    assert "识别结果：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕99号）" in page
    assert "2027年2月5日（星期五） 至 2027年2月11日（星期四） 7 2027年2月20日（星期六）" in page
    # Beside the statute: 2月9日 (正月初四) is a working day today and a day off after saving; 2月5日 is 春节 both ways
    row = re.search(r"<tr class=\"changed\"><td><time datetime=\"2027-02-09\">.*?</tr>", body, re.S)
    assert row and "放假 · 春节" in row.group(0) and "变化" in row.group(0)
    assert re.search(r"<tr><td><time datetime=\"2027-02-05\">[^<]*</time></td><td>春节</td>", body)
    # The confirm step carries the text without JavaScript: a form with the text and a confirm button
    assert 'name="action" value="confirm"' in body and "国办发明电〔2026〕99号" in body.split('value="confirm"')[0]
    assert db.session.scalar(select(func.count()).select_from(AnnouncedYear)) == 0


def test_confirming_saves_every_day_marks_the_year_and_audits_in_one_go(login_as):
    from portal.calendar.services import calendar_changed

    admin = login_as("province")
    seen = []

    def listener(sender, **kwargs):
        seen.append((kwargs, db.session.scalar(select(func.count()).select_from(CalendarOverride))))

    calendar_changed.connect(listener)
    try:
        response = admin.post("/calendar/notice", data={"year": "2027", "text": NOTICE_2027, "action": "confirm"})
    finally:
        calendar_changed.disconnect(listener)
    assert response.status_code == 303 and response.headers["Location"].endswith("/calendar/?month=2027-01#overrides")
    rows = {o.day: o for o in db.session.scalars(select(CalendarOverride))}
    assert len(rows) == 3 + 7 + 3 + 5 + 1 + 1 + 7 + 5
    assert rows[date(2027, 2, 20)].working and not rows[date(2027, 2, 9)].working
    assert rows[date(2027, 10, 1)].note == "国庆节" and "国办发明电〔2026〕99号" in rows[date(2027, 10, 1)].notice
    announced = db.session.get(AnnouncedYear, 2027)
    assert announced is not None and "2027年部分节假日安排" in announced.notice
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type.in_(
        ["calendar_override", "announced_year"]))).all()
    assert len(entries) == len(rows) + 1
    # One signal, inside the transaction (the overrides were visible to the subscriber), over the year
    assert len(seen) == 1
    kwargs, visible = seen[0]
    assert visible == len(rows)
    assert (kwargs["first"], kwargs["last"], kwargs["reason"]) == (date(2027, 1, 1), date(2027, 12, 31), "notice_saved")
    assert re.fullmatch(r"[0-9a-f]{12}", kwargs["version"])
    # The calendar and the deadlines follow: no more 调休 warning, 2月20日 (Saturday) is a working day
    page = text_of(admin.get("/calendar/?month=2027-02"))
    assert "管理员依据通知录入" in page and "调休安排尚未公布" not in page
    fragment = admin.get("/bookings/deadline?date=2027-02-22").get_data(as_text=True)
    assert "<output>2027-02-18</output>" in fragment and "调休" not in text_of(admin.get("/bookings/deadline?date=2027-02-22"))


def test_an_unreadable_notice_is_refused_line_by_line_keeps_the_text_and_saves_nothing(login_as):
    broken = NOTICE_2027.replace("（周六）至5日（周一）放假", "（周日）至5日（周一）放假").replace(
        "五、端午节：6月9日（周三）放假1天，不调休。", "五、端午节：端午当天放假。")
    for action in ("preview", "confirm"):
        response = login_as("province").post("/calendar/notice", data={"year": "2027", "text": broken,
                                                                       "action": action})
        page = text_of(response)
        assert response.status_code == 422
        assert "第 7 行“三、清明节：4月3日（周日）至5日（周一）放假，共3天。”：4月3日是星期六" in page
        assert "第 9 行“五、端午节：端午当天放假。”：没有读到放假日期" in page
        assert "法定节假日，通知中没有" not in page   # the unreadable lines' days are not reported twice
        assert "未能录入，没有保存任何内容" in page
        assert "五、端午节：端午当天放假。" in response.get_data(as_text=True).split('name="text"')[1]
        assert 'value="confirm"' not in response.get_data(as_text=True)
    assert overrides_count() == 0 and db.session.get(AnnouncedYear, 2027) is None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type.in_(["calendar_override", "announced_year"]))) == 0


@pytest.mark.parametrize("year, text, message", [
    ("2028", NOTICE_2027, "粘贴的是 2027 年的通知，当前录入的是 2028 年"),
    ("2027", NOTICE_2027.replace("（周五）至7日（周四）", "（周六）至7日（周四）"), "10月1日是星期五"),
    ("2027", "", "请填写通知全文"),
    ("2027", "随便写的几行字\n没有年份", "没有找到年份"),
    ("2026", NOTICE_2027.replace("2027", "2026"), "星期与日期不符"),
])
def test_a_notice_for_another_year_or_with_a_wrong_weekday_is_refused(login_as, year, text, message):
    response = login_as("province").post("/calendar/notice", data={"year": year, "text": text, "action": "confirm"})
    assert response.status_code == 422 and message in text_of(response)
    assert overrides_count() == 0


def test_a_library_year_and_an_announced_year_are_not_entered_again(login_as):
    from tests.unit.test_holiday_notice import NOTICE_2026

    admin = login_as("province")
    response = admin.post("/calendar/notice", data={"year": "2026", "text": NOTICE_2026, "action": "confirm"})
    assert response.status_code == 422 and "2026 年的节假日安排已内置" in text_of(response)
    assert admin.post("/calendar/notice", data={"year": "2027", "text": NOTICE_2027,
                                                "action": "confirm"}).status_code == 303
    again = admin.post("/calendar/notice", data={"year": "2027", "text": NOTICE_2027, "action": "confirm"})
    assert again.status_code == 422 and "已标记为按通知录入完毕" in text_of(again)


def test_a_day_already_entered_the_same_way_is_kept_and_a_different_one_refuses(login_as):
    admin = login_as("province")
    admin.post("/calendar/overrides", data={"day": "2027-01-01", "working": "off", "notice": "手工", "note": "元旦"})
    assert admin.post("/calendar/notice", data={"year": "2027", "text": NOTICE_2027,
                                                "action": "confirm"}).status_code == 303
    assert db.session.scalar(select(CalendarOverride.notice).where(CalendarOverride.day == date(2027, 1, 1))) == "手工"
    db.session.delete(db.session.get(AnnouncedYear, 2027))
    db.session.execute(CalendarOverride.__table__.delete().where(CalendarOverride.day != date(2027, 1, 1)))
    db.session.execute(CalendarOverride.__table__.update().values(working=True))
    db.session.commit()
    response = admin.post("/calendar/notice", data={"year": "2027", "text": NOTICE_2027, "action": "confirm"})
    assert response.status_code == 422 and "2027-01-01（已录入为上班）" in text_of(response)
    assert overrides_count() == 1


@pytest.mark.parametrize("role", ["agent", "changchun", "staff-changchun", "supervisor", "publicity"])
def test_only_the_provincial_admin_enters_a_notice(login_as, role):
    client = login_as(role)
    assert client.get("/calendar/notice?year=2027").status_code == 403
    assert client.post("/calendar/notice", data={"year": "2027", "text": NOTICE_2027,
                                                 "action": "confirm"}).status_code == 403
    assert overrides_count() == 0


@pytest.mark.parametrize("change, reason, first, last", [
    (lambda admin: admin.post("/calendar/overrides", data={"day": "2027-05-06", "working": "off", "notice": "通知"}),
     "override_added", date(2027, 5, 6), date(2027, 5, 6)),
    (lambda admin: admin.post("/calendar/years", data={"year": "2027", "notice": "通知"}),
     "year_announced", date(2027, 1, 1), date(2027, 12, 31)),
])
def test_every_calendar_change_sends_the_signal_with_its_dates(login_as, change, reason, first, last):
    from portal.calendar.services import calendar_changed

    admin = login_as("province")
    seen = []
    with calendar_changed.connected_to(lambda sender, **kw: seen.append(kw)):
        assert change(admin).status_code == 303
    assert [(k["reason"], k["first"], k["last"]) for k in seen] == [(reason, first, last)]


def test_removing_an_override_and_withdrawing_a_year_send_the_signal_too(login_as):
    from portal.calendar.services import calendar_changed

    admin = login_as("province")
    admin.post("/calendar/overrides", data={"day": "2027-05-06", "working": "off", "notice": "通知"})
    admin.post("/calendar/years", data={"year": "2027", "notice": "通知"})
    override_id = db.session.scalar(select(CalendarOverride.id))
    seen = []
    with calendar_changed.connected_to(lambda sender, **kw: seen.append(kw)):
        admin.post(f"/calendar/overrides/{override_id}/delete")
        admin.post("/calendar/years/2027/delete")
    assert [k["reason"] for k in seen] == ["override_removed", "year_withdrawn"]
    assert seen[0]["version"] != seen[1]["version"]


def _duplicate_ids(body: str) -> list[str]:
    ids = re.findall(r'\sid="([^"]+)"', body)
    return sorted({i for i in ids if ids.count(i) > 1})


def test_no_id_appears_twice_on_the_calendar_pages(login_as):
    """Each form's CSRF token is a hidden field without an id: the page and the notice page hold several forms
    (an id="csrf_token" twice was one of the Nu HTML checker's errors)."""
    client = login_as("province")
    pages = [client.get("/calendar/?month=2027-01"), client.get("/calendar/notice?year=2027"),
             client.post("/calendar/notice", data={"year": "2027", "text": NOTICE_2027, "action": "preview"})]
    for response in pages:
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and 'name="csrf_token"' in body
        assert _duplicate_ids(body) == [] and 'id="csrf_token"' not in body
