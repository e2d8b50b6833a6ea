"""Training sessions (培训): publishing, the public calendar, enrolment up to capacity, attendance, the record."""
import io
import threading
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models_base import utcnow
from portal.notifications.models import Notification
from portal.templating import to_china
from portal.training.models import Enrolment, TrainingAudience, TrainingSession
from portal.training.rules import EnrolmentStatus, Status
from tests import factories


def session_form(region_id, **overrides):
    start = to_china(utcnow() + timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    data = {"title": "远程异地评标系统操作培训", "region_id": str(region_id), "audiences": ["expert", "agency"],
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "place": "长春市人民大街 1 号", "online_url": "", "capacity": "30", "body_source": "课程安排",
            "action": "publish"}
    data.update(overrides)
    return data


def enrolled(session_id) -> int:
    db.session.expire_all()
    return db.session.get(TrainingSession, session_id).enrolled


def test_an_organiser_publishes_a_session_and_the_public_sees_it_in_the_calendar(login_as, client, orgs):
    response = login_as("changchun").post("/training/new", data=session_form(orgs.region("changchun").id),
                                          content_type="multipart/form-data")
    assert response.status_code == 303
    session = db.session.scalars(select(TrainingSession)).one()
    assert session.status is Status.PUBLISHED
    month = to_china(session.starts_at).strftime("%Y-%m")
    calendar = client.get(f"/training/?month={month}").get_data(as_text=True)
    assert calendar.count("远程异地评标系统操作培训") == 2          # in the month grid and in the list
    page = client.get(f"/training/{session.id}").get_data(as_text=True)
    assert "代理机构、评标专家" in page and "登录</a>后可在线报名" in page


def test_a_draft_session_is_invisible_to_the_public(client, login_as, orgs):
    draft = factories.make_training(orgs.region("changchun"), title="内部筹备中的培训", status="draft")
    db.session.commit()
    assert "内部筹备中的培训" not in client.get("/training/").get_data(as_text=True)
    assert client.get(f"/training/{draft.id}").status_code == 404
    assert login_as("agent").get(f"/training/{draft.id}").status_code == 404
    assert login_as("agent").post(f"/training/{draft.id}/enrol", data={"audience": "agency"}).status_code == 404
    assert login_as("changchun").get(f"/training/{draft.id}").status_code == 200


def test_an_account_enrols_and_cancels(login_as, orgs):
    session = factories.make_training(orgs.region("changchun"), capacity=2, audiences=("agency", "tenderee", "expert"))
    db.session.commit()
    agent = login_as("agent")
    page = agent.get(f"/training/{session.id}").get_data(as_text=True)
    assert 'selected value="agency"' in page                     # an agent is preselected as 代理机构
    assert agent.post(f"/training/{session.id}/enrol", data={"audience": "agency"}).status_code == 303
    assert enrolled(session.id) == 1
    again = agent.post(f"/training/{session.id}/enrol", data={"audience": "agency"})
    assert again.status_code == 422 and "您已报名该培训" in again.get_data(as_text=True)
    assert enrolled(session.id) == 1
    assert "您已报名" in agent.get(f"/training/{session.id}").get_data(as_text=True)
    assert agent.post(f"/training/{session.id}/unenrol", data={}).status_code == 303
    assert enrolled(session.id) == 0
    mine = db.session.scalars(select(Enrolment)).one()
    assert mine.status is EnrolmentStatus.CANCELLED
    # Enrolling again reuses the row (one per account) and takes a seat again; an agent is 招标人 or 代理机构.
    assert agent.post(f"/training/{session.id}/enrol", data={"audience": "tenderee"}).status_code == 303
    assert enrolled(session.id) == 1 and db.session.scalars(select(Enrolment)).one().audience == "tenderee"


@pytest.mark.parametrize("who, audience", [("agent", "expert"), ("staff-changchun", "agency"),
                                           ("supervisor", "staff"), ("publicity", "staff")])
def test_an_account_enrols_only_as_what_it_is(login_as, orgs, who, audience):
    session = factories.make_training(orgs.region("changchun"), audiences=("agency", "expert", "staff"))
    db.session.commit()
    client = login_as(who)
    response = client.post(f"/training/{session.id}/enrol", data={"audience": audience})
    assert response.status_code == 422 and enrolled(session.id) == 0
    if who in ("supervisor", "publicity"):
        page = client.get(f"/training/{session.id}").get_data(as_text=True)
        assert "不能在线报名" in page and "报名参加" not in page


def test_an_audience_the_session_is_not_for_is_refused(login_as, orgs):
    session = factories.make_training(orgs.region("changchun"), audiences=("expert",))
    db.session.commit()
    response = login_as("agent").post(f"/training/{session.id}/enrol", data={"audience": "agency"})
    assert response.status_code == 422 and enrolled(session.id) == 0


def test_a_full_session_refuses_with_a_message(login_as, orgs):
    session = factories.make_training(orgs.region("changchun"), capacity=1, audiences=("agency", "staff"))
    db.session.commit()
    assert login_as("agent").post(f"/training/{session.id}/enrol", data={"audience": "agency"}).status_code == 303
    response = login_as("staff-changchun").post(f"/training/{session.id}/enrol", data={"audience": "staff"})
    assert response.status_code == 422 and "名额已满" in response.get_data(as_text=True)
    assert enrolled(session.id) == 1
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_two_people_taking_the_last_seat_at_once_one_gets_it(app, login_as, orgs):
    session = factories.make_training(orgs.region("changchun"), capacity=1, audiences=("agency", "staff"))
    db.session.commit()
    session_id = session.id
    clients = [(login_as("agent"), "agency"), (login_as("staff-changchun"), "staff")]
    db.session.remove()
    barrier, answers = threading.Barrier(2), []

    def enrol(client, audience):
        barrier.wait()
        response = client.post(f"/training/{session_id}/enrol", data={"audience": audience})
        answers.append((response.status_code, "名额已满" in response.get_data(as_text=True)))

    threads = [threading.Thread(target=enrol, args=pair) for pair in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(answers) == [(303, False), (422, True)]
    assert enrolled(session_id) == 1
    assert db.session.scalar(select(func.count()).select_from(Enrolment)
                             .where(Enrolment.status == EnrolmentStatus.ENROLLED)) == 1


def test_the_database_refuses_more_enrolled_than_capacity(orgs):
    factories.make_training(orgs.region("changchun"), capacity=1)
    db.session.commit()
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.execute(TrainingSession.__table__.update().values(enrolled=2))
        db.session.flush()
    db.session.rollback()


def test_enrolment_closes_when_the_session_starts(login_as, orgs):
    session = factories.make_training(orgs.region("changchun"), days_ahead=-1)
    db.session.commit()
    response = login_as("agent").post(f"/training/{session.id}/enrol", data={"audience": "agency"})
    assert response.status_code == 422 and "报名已截止" in response.get_data(as_text=True)


def test_capacity_cannot_drop_below_those_enrolled(login_as, orgs):
    session = factories.make_training(orgs.region("changchun"), capacity=5, audiences=("agency", "staff"))
    db.session.commit()
    for name, audience in (("agent", "agency"), ("staff-changchun", "staff")):
        login_as(name).post(f"/training/{session.id}/enrol", data={"audience": audience})
    db.session.expire_all()
    data = session_form(orgs.region("changchun").id, capacity="1", version=str(session.version), action="save")
    response = login_as("changchun").post(f"/training/{session.id}/edit", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "名额不能少于 2" in response.get_data(as_text=True)
    assert 'value="远程异地评标系统操作培训"' in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("title", "", "请填写培训名称"),
    ("audiences", [], "请至少选择一类培训对象"),
    ("capacity", "0", "名额应在 1 到 100000 之间"),
    ("capacity", "１０", "请用半角数字"),
    ("place", "", "请填写培训地点或线上链接"),
    ("online_url", "javascript:alert(1)", "线上链接应以 http:// 或 https:// 开头"),
    ("ends_at", "2020-01-01T00:00", "结束时间应晚于开始时间"),
    ("region_id", "999999", "只能为本地区"),
])
def test_bad_session_input_is_refused_and_changes_nothing(login_as, orgs, field, value, message):
    data = session_form(orgs.region("changchun").id)
    data[field] = value
    response = login_as("changchun").post("/training/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == 0


def test_a_region_organises_for_itself_only(login_as, orgs):
    response = login_as("changchun").post("/training/new", data=session_form(orgs.region("jilin").id),
                                          content_type="multipart/form-data")
    assert response.status_code == 422
    jilin_session = factories.make_training(orgs.region("jilin"))
    db.session.commit()
    assert login_as("changchun").get(f"/training/{jilin_session.id}/enrolments").status_code == 404
    assert login_as("publicity").get(f"/training/{jilin_session.id}/enrolments").status_code == 200


def test_materials_are_public_with_the_session_and_an_executable_is_refused(login_as, client, orgs, app, tmp_path,
                                                                           monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    organiser = login_as("changchun")
    data = session_form(orgs.region("changchun").id)
    data["files"] = [(io.BytesIO(b"MZ\x90\x00" + b"\0" * 100), "课件.pdf")]
    refused = organiser.post("/training/new", data=data, content_type="multipart/form-data")
    assert refused.status_code == 422 and "内容不是允许的文件类型" in refused.get_data(as_text=True)
    data = session_form(orgs.region("changchun").id)
    data["files"] = [(io.BytesIO(b"%PDF-1.4 slides"), "课件.pdf")]
    assert organiser.post("/training/new", data=data, content_type="multipart/form-data").status_code == 303
    session = db.session.scalars(select(TrainingSession)).one()
    page = client.get(f"/training/{session.id}").get_data(as_text=True)
    assert "课件.pdf" in page
    material_id = db.session.scalar(select(func.min(TrainingSession.id)))
    from portal.training.models import TrainingMaterial

    material = db.session.scalars(select(TrainingMaterial)).one()
    download = client.get(f"/training/{session.id}/files/{material.id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 slides" and material_id


def test_cancelling_a_session_notifies_those_enrolled(login_as, orgs, users):
    session = factories.make_training(orgs.region("changchun"))
    db.session.commit()
    login_as("agent").post(f"/training/{session.id}/enrol", data={"audience": "agency"})
    response = login_as("changchun").post(f"/training/{session.id}/cancel", data={"reason": "因故延期"})
    assert response.status_code == 303
    note = db.session.scalars(select(Notification).where(Notification.user_id == users["agent"].id)).one()
    assert "因故延期" in note.text and "远程异地评标系统操作培训" in note.text
    assert "已取消" in login_as("agent").get(f"/training/{session.id}").get_data(as_text=True)


# --- the organiser's list, attendance and export ---------------------------------------------------------------------

@pytest.fixture
def held(orgs, users):
    """A 长春 session that began an hour ago, with three people enrolled (one account, two added)."""
    session = factories.make_training(orgs.region("changchun"), days_ahead=0, capacity=10)
    session.starts_at = utcnow() - timedelta(hours=1)
    session.ends_at = utcnow() + timedelta(hours=2)
    people = [Enrolment(session_id=session.id, user_id=users["agent"].id, name="代理张", audience="agency"),
              Enrolment(session_id=session.id, name="专家李", organisation="吉林大学", audience="expert"),
              Enrolment(session_id=session.id, name="=HYPERLINK(\"http://evil\")", audience="expert")]
    db.session.add_all(people)
    session.enrolled = 3
    db.session.commit()
    return session, people


def test_the_organiser_records_attendance_and_walk_ins(login_as, held):
    session, people = held
    organiser = login_as("changchun")
    data = {"listed": [str(p.id) for p in people], "present": [str(people[0].id), str(people[1].id)],
            "walk_in_agency": "0", "walk_in_expert": "25"}
    assert organiser.post(f"/training/{session.id}/attendance", data=data).status_code == 303
    db.session.expire_all()
    assert [db.session.get(Enrolment, p.id).attended for p in people] == [True, True, False]
    walk = db.session.scalars(select(TrainingAudience).where(TrainingAudience.audience == "expert")).one()
    assert walk.walk_ins == 25
    page = organiser.get(f"/training/{session.id}/enrolments").get_data(as_text=True)
    assert "专家李" in page and "<td>26</td>" in page          # 1 attended + 25 not enrolled
    bad = organiser.post(f"/training/{session.id}/attendance", data={**data, "walk_in_expert": "-3"})
    assert bad.status_code == 422 and "未报名参训人数应为" in bad.get_data(as_text=True)


def test_attendance_cannot_be_recorded_before_the_session_starts(login_as, orgs):
    session = factories.make_training(orgs.region("changchun"))
    db.session.commit()
    response = login_as("changchun").post(f"/training/{session.id}/attendance", data={"walk_in_expert": "3"})
    assert response.status_code == 422 and "培训开始后才能登记出勤" in response.get_data(as_text=True)


def test_the_organiser_adds_and_removes_a_person_within_capacity(login_as, held):
    session, people = held
    organiser = login_as("changchun")
    response = organiser.post(f"/training/{session.id}/enrolments",
                              data={"name": "专家王", "organisation": "", "audience": "expert"})
    assert response.status_code == 303 and enrolled(session.id) == 4
    refused = organiser.post(f"/training/{session.id}/enrolments", data={"name": "", "audience": "expert"})
    assert refused.status_code == 422 and enrolled(session.id) == 4
    assert organiser.post(f"/training/{session.id}/enrolments/{people[1].id}/remove", data={}).status_code == 303
    assert enrolled(session.id) == 3
    again = organiser.post(f"/training/{session.id}/enrolments/{people[1].id}/remove", data={})
    assert again.status_code == 303 and enrolled(session.id) == 3        # a second cancel frees nothing


def test_the_attendance_list_exports_to_excel_and_csv_without_formulas(login_as, held):
    session, people = held
    organiser = login_as("changchun")
    response = organiser.get(f"/training/{session.id}/enrolments.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("序号", "姓名", "单位", "参训身份", "报名方式", "报名时间", "出勤")
    assert [r[1] for r in rows[1:]] == ["代理张", "专家李", "=HYPERLINK(\"http://evil\")"]
    assert sheet.cell(row=4, column=2).data_type == "s"          # text, not a formula
    assert rows[1][4] == "本人报名" and rows[2][4] == "组织者登记"
    text = organiser.get(f"/training/{session.id}/enrolments.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "专家李,吉林大学,评标专家" in text


# --- the training record and the monthly report --------------------------------------------------------------------

def test_the_record_counts_attended_people_and_walk_ins_per_region_and_month(login_as, held):
    session, people = held
    organiser = login_as("changchun")
    organiser.post(f"/training/{session.id}/attendance",
                   data={"listed": [str(p.id) for p in people], "present": [str(people[1].id)], "walk_in_expert": "4",
                         "walk_in_agency": "0"})
    year = to_china(session.starts_at).year
    page = login_as("province").get(f"/training/record?year={year}").get_data(as_text=True)
    row = page[page.index('<th scope="row">长春地区'):][:400]
    assert "<td>1</td>" in row and "<td>5</td>" in row           # 1 session; 5 experts (1 attended + 4)
    jilin = login_as("jilin").get(f"/training/record?year={year}&region={session.region_id}").get_data(as_text=True)
    assert "长春地区" not in jilin and "吉林地区" in jilin


def test_the_monthly_report_remarks_are_prefilled_from_the_training_record(login_as, orgs, users):
    from datetime import date

    from portal.templating import china_today

    last_month = (china_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    session = factories.make_training(orgs.region("changchun"))
    start = factories.utcnow() if hasattr(factories, "utcnow") else utcnow()
    from portal.templating import local_midnight_utc

    session.starts_at = local_midnight_utc(last_month) + timedelta(days=2, hours=2)
    session.ends_at = session.starts_at + timedelta(hours=3)
    db.session.add(Enrolment(session_id=session.id, name="专家李", audience="expert", attended=True))
    session.enrolled = 1
    session.audiences[0].walk_ins = 9         # agency
    db.session.commit()
    assert start and isinstance(last_month, date)
    key = last_month.strftime("%Y-%m")
    page = login_as("changchun").get(f"/reports/monthly/{key}/changchun").get_data(as_text=True)
    assert "本月开展远程异地评标培训1期，培训代理机构9人、评标专家1人。" in page


def test_pages_use_few_queries_whatever_the_number_of_sessions(client, login_as, orgs, users, count_queries):
    province = login_as("province")

    def counts():
        out = []
        for who, url in ((client, "/training/"), (client, "/"), (province, "/training/record"),
                         (province, "/training/manage"), (province, "/notices/manage")):
            with count_queries() as statements:
                assert who.get(url).status_code == 200
            out.append(len(statements))
        return out

    def add(n):
        for k in range(n):
            session = factories.make_training(orgs.region("changchun" if k % 2 else "jilin"), title=f"培训{k}",
                                              days_ahead=k % 20 - 2)
            db.session.add(Enrolment(session_id=session.id, name=f"学员{k}", audience="expert", attended=True))
            session.enrolled = 1
            factories.make_notice(title=f"公告{k}", tags=(f"标签{k}",))
        db.session.commit()

    add(4)
    few = counts()
    add(25)
    many = counts()
    assert many == few and max(many) <= 8, (few, many)


def test_a_draft_cannot_be_cancelled_into_the_public_calendar(login_as, client, orgs):
    draft = factories.make_training(orgs.region("changchun"), title="从未发布的培训", status="draft")
    db.session.commit()
    response = login_as("changchun").post(f"/training/{draft.id}/cancel", data={"reason": "不办了"})
    assert response.status_code == 422 and "草稿尚未发布" in response.get_data(as_text=True)
    assert client.get(f"/training/{draft.id}").status_code == 404
    assert "从未发布的培训" not in client.get("/training/").get_data(as_text=True)


def test_a_refused_attendance_save_keeps_the_ticks(login_as, held):
    session, people = held
    response = login_as("changchun").post(
        f"/training/{session.id}/attendance",
        data={"listed": [str(p.id) for p in people], "present": [str(people[2].id)], "walk_in_expert": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'value="{people[2].id}" checked' in page and f'value="{people[0].id}" checked' not in page
    assert "/attendance?page" not in page


def test_a_body_with_control_characters_is_refused(login_as, orgs):
    data = session_form(orgs.region("changchun").id, body_source="第一行\x0b第二行")
    response = login_as("changchun").post("/training/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "不能包含控制字符" in response.get_data(as_text=True)


# --- the shared save skeleton --------------------------------------------------------------------------------------

def test_saving_a_session_is_audited_as_create_publish_and_update(login_as, orgs):
    from portal.audit.models import AuditEntry

    organiser = login_as("changchun")
    region = orgs.region("changchun").id
    assert organiser.post("/training/new", data=session_form(region, action="draft"),
                          content_type="multipart/form-data").status_code == 303
    session = db.session.scalars(select(TrainingSession)).one()
    for action in ("publish", "save"):
        db.session.expire_all()
        data = session_form(region, action=action, version=str(session.version))
        assert organiser.post(f"/training/{session.id}/edit", data=data,
                              content_type="multipart/form-data").status_code == 303
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "training_session")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["create", "publish", "update"]


def test_editing_a_session_with_a_stale_page_is_refused(login_as, orgs):
    session = factories.make_training(orgs.region("changchun"))
    db.session.commit()
    organiser, version = login_as("changchun"), session.version
    first = session_form(orgs.region("changchun").id, title="第一次修改", version=str(version), action="save")
    assert organiser.post(f"/training/{session.id}/edit", data=first,
                          content_type="multipart/form-data").status_code == 303
    second = session_form(orgs.region("changchun").id, title="第二次修改", version=str(version), action="save")
    stale = organiser.post(f"/training/{session.id}/edit", data=second, content_type="multipart/form-data")
    assert stale.status_code == 422 and "这期培训已被他人修改" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TrainingSession, session.id).title == "第一次修改"


def test_a_cancelled_session_cannot_be_edited(login_as, orgs):
    session = factories.make_training(orgs.region("changchun"), status="cancelled")
    db.session.commit()
    data = session_form(orgs.region("changchun").id, version=str(session.version), action="save")
    response = login_as("changchun").post(f"/training/{session.id}/edit", data=data,
                                          content_type="multipart/form-data")
    assert response.status_code == 422 and "已取消的培训不能修改" in response.get_data(as_text=True)


def test_capacity_below_an_enrolment_made_meanwhile_is_refused_by_the_database(orgs, users):
    """The seat count grew after the capacity check read it: the CHECK (enrolled <= capacity) refuses the save."""
    from sqlalchemy import update

    from portal import publishing
    from portal.training import services

    made = factories.make_training(orgs.region("changchun"), capacity=5)
    db.session.commit()
    session = db.session.scalars(select(TrainingSession).where(TrainingSession.id == made.id)
                                 .options(*services.session_options())).one()
    db.session.execute(update(TrainingSession).where(TrainingSession.id == session.id).values(enrolled=2)
                       .execution_options(synchronize_session=False))   # seen by the database, not by `session`
    data = services.SessionData(title=session.title, region_id=session.region_id, body_source="课程安排",
                                starts_at=session.starts_at, ends_at=session.ends_at, place=session.place,
                                online_url=None, capacity=1, audiences=["agency"])
    with pytest.raises(services.TrainingRefused, match="报名人数已超过新的名额"):
        services.save(session, data, publishing.Change(users["changchun"], version=session.version))
    db.session.rollback()
    assert db.session.get(TrainingSession, session.id).capacity == 5
