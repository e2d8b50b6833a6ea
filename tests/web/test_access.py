"""Every route x every role x another region's object: the answer matches the permission table."""
import pytest

from sqlalchemy import select

from portal.auth.models import Role
from portal.demo import load_pairings
from portal.orgs.models import Province
from portal.partners.models import Pairing
from portal.auth.permissions import PERMISSIONS
from portal.extensions import db
from tests import factories

ROLES = ["province", "changchun", "jilin", "staff-changchun", "staff-jilin", "agent", "supervisor", "publicity"]
ROLE_OF = {"province": Role.PROVINCE_ADMIN, "changchun": Role.PREFECTURE_ADMIN, "jilin": Role.PREFECTURE_ADMIN,
           "staff-changchun": Role.CENTER_STAFF, "staff-jilin": Role.CENTER_STAFF, "agent": Role.AGENT,
           "supervisor": Role.SUPERVISOR, "publicity": Role.PUBLICITY}

# (method, path template, permission). {ws}/{venue}/{center}/{user} are the 长春 records below.
ROUTES = [
    ("get", "/workstations/", "workstations.view"),
    ("get", "/workstations/compliance", "workstations.view"),
    ("get", "/workstations/export.xlsx", "workstations.view"),
    ("get", "/workstations/new", "workstations.manage"),
    ("get", "/workstations/{ws}/edit", "workstations.manage"),
    ("get", "/workstations/{ws}/retire", "workstations.manage"),
    ("get", "/workstations/venues/", "workstations.manage"),
    ("get", "/workstations/venues/new", "workstations.manage"),
    ("get", "/workstations/venues/{venue}/edit", "workstations.manage"),
    ("get", "/workstations/venues/{venue}/retire", "workstations.manage"),
    ("get", "/workstations/import", "workstations.manage"),
    ("get", "/workstations/import/template.xlsx", "workstations.manage"),
    ("get", "/workstations/import/template.csv", "workstations.manage"),
    ("get", "/orgs/", "orgs.view"),
    ("get", "/orgs/centers/new", "orgs.manage"),
    ("get", "/orgs/centers/{center}/edit", "orgs.manage"),
    ("get", "/auth/users/", "users.manage"),
    ("get", "/auth/users/new", "users.manage"),
    ("get", "/auth/users/{user}/edit", "users.manage"),
    ("get", "/partners/", "partners.view"),
    ("get", "/partners/export.xlsx", "partners.view"),
    ("get", "/partners/joint-tests/{province}", "partners.view"),
    ("get", "/partners/pairings/new", "partners.manage"),
    ("get", "/partners/pairings/{pairing}/edit", "partners.manage"),
    ("get", "/audit/", "audit.view"),
]


@pytest.fixture
def records(users, orgs):
    venue = factories.make_venue(orgs.center(factories.CHANGCHUN))
    workstation = factories.make_workstation(venue, "CC-A01")
    factories.make_venue(orgs.center(factories.JILIN_CITY))  # so that 吉林 has somewhere to register too
    load_pairings()
    db.session.commit()
    pairing = db.session.scalars(select(Pairing)).first()
    province = db.session.scalars(select(Province).filter_by(name="湖北省")).one()
    return {"ws": workstation.id, "venue": venue.id, "center": orgs.center(factories.CHANGCHUN).id,
            "user": users["agent"].id, "pairing": pairing.id, "province": province.id}


@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize("method, template, permission", ROUTES)
def test_route_answers_by_the_permission_table(login_as, records, username, method, template, permission):
    client = login_as(username)
    path = template.format(**records)
    response = getattr(client, method)(path)
    scope = PERMISSIONS[permission].get(ROLE_OF[username])
    if scope is None:
        expected = 403
    elif "{" in template and scope.value == "region" and username != "changchun":
        expected = 404  # another region's record: not found, never shown
    else:
        expected = 200
    assert response.status_code == expected, (username, path)


@pytest.mark.parametrize("template", [t for _, t, _ in ROUTES])
def test_anonymous_users_are_sent_to_the_login_page(client, records, template):
    response = client.get(template.format(**records))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/auth/login", "/", "/healthz"])
def test_public_pages(client, path):
    assert client.get(path).status_code == 200


def test_a_jilin_admin_sees_404_for_every_changchun_record_and_changchun_sees_200(login_as, records):
    jilin, changchun = login_as("jilin"), login_as("changchun")
    for template in ("/workstations/{ws}/edit", "/workstations/venues/{venue}/edit"):
        path = template.format(**records)
        assert jilin.get(path).status_code == 404
        assert changchun.get(path).status_code == 200
    assert jilin.get("/workstations/999999/edit").status_code == 404


def test_a_404_for_another_regions_record_shows_nothing_of_it(login_as, records):
    page = login_as("jilin").get(f"/workstations/{records['ws']}/edit").get_data(as_text=True)
    assert "CC-A01" not in page and "页面不存在" in page
