"""Where a login sends the browser, and which host names the portal answers to (issue 27 item 5): `next`
only as a path of this site (a line break in it was a 500 after logging the person in); a Host header outside
TRUSTED_HOSTS (or SERVER_NAME) is a 400 before any page or link is built from it."""
import pytest

from tests import factories
from tests.conftest import make_app


def _login(client, next_url, **extra):
    return client.post("/auth/login", query_string={"next": next_url},
                       data={"username": "agent", "password": factories.PASSWORD}, **extra)


@pytest.mark.parametrize("next_url", ["/\r\nX", "/\r\nSet-Cookie: planted=1", "/\t/evil.example",
                                      "//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_a_hostile_next_logs_in_and_goes_home(client, users, next_url):
    response = _login(client, next_url)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "planted" not in response.headers.get("Set-Cookie", "")
    assert client.get("/auth/password").status_code == 200          # logged in, and told so


def test_a_local_next_is_followed(client, users):
    response = _login(client, "/notices/?q=中")
    assert response.status_code == 303 and response.headers["Location"].startswith("/notices/?q=")


def test_the_login_page_does_not_carry_a_hostile_next_into_its_form(client):
    page = client.get("/auth/login", query_string={"next": "//evil.example/"}).get_data(as_text=True)
    assert "evil.example" not in page


@pytest.fixture
def hosted(database_url):
    return make_app(database_url, TRUSTED_HOSTS=["pbjy.jl.gov.cn", ".intranet.jl"])


@pytest.mark.parametrize("host, status", [
    ("pbjy.jl.gov.cn", 200), ("pbjy.jl.gov.cn:8443", 200), ("portal.intranet.jl", 200),
    ("evil.example", 400), ("pbjy.jl.gov.cn.evil.example", 400), ("10.0.0.8", 400), ("bad host<>", 400),
])
def test_only_trusted_host_names_are_answered(hosted, host, status):
    response = hosted.test_client().get("/auth/login", headers={"Host": host})
    assert response.status_code == status, host
    if status == 400:
        text = response.get_data(as_text=True)
        assert "本系统不接受以该主机名发来的请求" in text and host not in text
        assert response.headers["Content-Security-Policy"]


def test_an_untrusted_host_is_not_echoed_into_a_redirect_or_a_feed(hosted):
    client = hosted.test_client()
    assert client.get("/workstations/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/notices/feed.atom", headers={"Host": "evil.example"}).status_code == 400
    feed = client.get("/notices/feed.atom", headers={"Host": "pbjy.jl.gov.cn"}).get_data(as_text=True)
    assert "http://pbjy.jl.gov.cn/notices/" in feed


def test_trusted_hosts_come_from_a_comma_list_or_from_server_name(database_url):
    listed = make_app(database_url, TRUSTED_HOSTS="a.example, b.example").test_client()
    assert listed.get("/healthz", headers={"Host": "b.example"}).status_code == 200
    assert listed.get("/healthz", headers={"Host": "c.example"}).status_code == 400
    named = make_app(database_url, SERVER_NAME="pbjy.jl.gov.cn").test_client()
    assert named.get("/healthz", base_url="http://pbjy.jl.gov.cn").status_code == 200
    assert named.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


def test_without_a_list_any_well_formed_host_is_answered_and_a_malformed_one_is_a_400(client):
    assert client.get("/healthz", headers={"Host": "10.0.0.8"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "portal.example"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "bad host<>"}).status_code == 400


def test_a_production_app_without_trusted_hosts_says_so(database_url, caplog):
    with caplog.at_level("WARNING"):
        make_app(database_url, TESTING=False)
    assert any("TRUSTED_HOSTS is not set" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING"):
        make_app(database_url, TESTING=False, TRUSTED_HOSTS=["pbjy.jl.gov.cn"])
    assert not any("TRUSTED_HOSTS" in r.getMessage() for r in caplog.records)
