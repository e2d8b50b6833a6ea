"""Error pages in Chinese, never a trace; the demo data command."""
import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import Region, TradingCenter
from portal.workstations.models import Workstation
from tests.conftest import make_app


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_wrong_method_is_a_chinese_405(login_as):
    response = login_as("agent").delete("/workstations/")
    assert response.status_code == 405 and "请求方式不正确" in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_chinese_500_without_a_trace(database_url):
    app = make_app(database_url, TESTING=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail 13812345678")

    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "系统内部错误" in page
    assert "Traceback" not in page and "secret internal detail" not in page and "13812345678" not in page


def test_seed_demo_loads_the_spec_accounts_and_a_second_run_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = lambda: (db.session.scalar(select(func.count()).select_from(User)),  # noqa: E731
                      db.session.scalar(select(func.count()).select_from(TradingCenter)),
                      db.session.scalar(select(func.count()).select_from(Workstation)))
    before = counts()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "accounts 0" in second.output and "workstations 0" in second.output
    assert counts() == before
    usernames = set(db.session.scalars(select(User.username)))
    assert usernames == {"province", "changchun", "jilin", "staff-changchun", "staff-jilin", "agent",
                         "supervisor", "publicity", "sysadmin", "secadmin", "auditor"}
    regions = db.session.scalars(select(Region.name).order_by(Region.sort_order)).all()
    assert regions == ["省公共资源交易中心", "长春地区", "吉林地区", "四平地区", "辽源地区", "通化地区", "白山地区",
                       "松原地区", "白城地区", "延边州", "长白山开发区", "梅河口市"]
    client = app.test_client()
    assert client.post("/auth/login", data={"username": "staff-jilin", "password": "demo-pass-2026"}).status_code == 303


def test_the_demo_training_session_starts_at_nine_china_time(app):
    """Stored as UTC like every time: SQLite keeps no offset, and an aware China time read back as UTC showed 17:00."""
    from portal.clock import to_china
    from portal.training.models import TrainingSession

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    session = db.session.scalars(select(TrainingSession)).one()
    assert to_china(session.starts_at).strftime("%H:%M") == "09:00"
    page = app.test_client().get(f"/training/{session.id}").get_data(as_text=True)
    assert "09:00" in page and "17:00" not in page


def test_the_demo_gives_last_months_report_figures_on_both_sides(app):
    """Last month's report is not all zeros: 长春's main side names 辽宁省 and 吉林, 吉林's secondary side counts
    长春 and an evaluation of 湖北省 it hosted; 四平's main side names 长春."""
    from portal.reports import counting
    from portal.reports.rules import previous_month
    from portal.templating import china_today

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    month = previous_month(china_today().replace(day=1))
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    changchun = counting.region_row(regions["changchun"], month, live=True).values
    assert (changchun["main_projects"], changchun["main_sections"]) == (2, 2)
    assert changchun["main_places"] == "辽宁省, 专家3人; 吉林1次, 专家2人"
    assert changchun["sec_places"] == "四平1次"
    jilin = counting.region_row(regions["jilin"], month, live=True).values
    assert jilin["sec_places"] == "湖北省; 长春1次" and jilin["sec_sections"] == 2
    assert counting.region_row(regions["siping"], month, live=True).values["main_places"] == "长春1次, 专家2人"
    assert app.test_cli_runner().invoke(args=["seed-demo"]).output.count("last_month 0") == 1


@pytest.mark.parametrize("action, page", [
    ("/reports/monthly/2026-11/changchun/approve", "/reports/monthly/2026-11/changchun"),
    ("/calendar/overrides/999/delete", "/calendar/"),
    ("/auth/logout", "/"),
    ("/evaluations/1/venues/1/draw", "/evaluations/1"),
    ("/evaluations/1/handover", "/evaluations/1"),          # a refused hand-over
    ("/evaluations/1/winner", "/evaluations/1"),            # a refused winner
    ("/evaluations/1/end", "/evaluations/1"),
    ("/evaluations/1/members/1/paid", "/evaluations/1"),
])
def test_an_actions_address_opened_again_leads_back_to_its_page(login_as, action, page):
    """A refused post leaves its address in the address bar; opening it again (Enter, a bookmark, F5 after
    the browser asked) is a GET of an action: it goes back to the page the action belongs to, not to a 405."""
    response = login_as("changchun").get(action)
    assert response.status_code == 303 and response.headers["Location"] == page


def test_an_htmx_get_of_an_action_stays_a_405(login_as):
    response = login_as("changchun").get("/auth/logout", headers={"HX-Request": "true"})
    assert response.status_code == 405
