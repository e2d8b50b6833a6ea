"""Query counts of the main pages stay flat as the data grows."""
import pytest

from portal.extensions import db
from tests import factories
from tests.conftest import counted_queries

PAGES = ["/workstations/", "/workstations/?capability=cross&sort=code", "/workstations/venues/", "/orgs/",
         "/audit/", "/workstations/compliance", "/auth/users/"]


def grow(orgs, size: int, prefix: str):
    """Spread `size` workstations over a venue in each of three centers of two regions."""
    for name in (factories.CHANGCHUN, factories.YUSHU, factories.JILIN_CITY):
        venue = factories.make_venue(orgs.center(name), f"{prefix}{name[:2]}")
        factories.bulk_workstations(venue, size // 3, prefix=prefix)
    db.session.commit()


READER = {"/audit/": "auditor", "/auth/users/": "sysadmin"}   # 三员分立: the log and the accounts


@pytest.mark.parametrize("path", PAGES)
def test_query_count_is_the_same_for_10_and_2000_workstations(login_as, orgs, path):
    client = login_as(READER.get(path, "province"))
    grow(orgs, 10, "S")
    assert client.get(path).status_code == 200      # warm: counts kept per state of the workstations (dataversions)
    with counted_queries() as small:
        assert client.get(path).status_code == 200
    grow(orgs, 2000, "L")
    client = login_as(READER.get(path, "province"))    # a fresh session: no once-a-minute activity write in what is counted
    assert client.get(path).status_code == 200
    with counted_queries() as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), (small, large)
    assert len(large) <= 10, large


def test_directory_page_query_budget(login_as, orgs):
    grow(orgs, 300, "B")
    client = login_as("changchun")
    with counted_queries() as cold:
        client.get("/workstations/")
    with counted_queries() as full:
        client.get("/workstations/")
    with counted_queries() as fragment:
        client.get("/workstations/?region=2", headers={"HX-Request": "true"})
    # user, data versions, centers with their holds, rows, manageable centers; the first request after a change
    # of the workstations or centers also reads the per-center counts, the filter options (2) and the
    # standing venues (portal.dataversions)
    assert len(full) <= 5, full
    assert len(cold) <= len(full) + 4, cold
    assert len(fragment) <= len(full)


WORKBENCH_ROLES = ["province", "changchun", "staff-jilin", "staff-changchun", "agent", "supervisor", "publicity"]


@pytest.mark.parametrize("username", WORKBENCH_ROLES)
def test_the_workbench_sends_as_many_queries_for_one_item_of_each_kind_as_for_five(login_as, orgs, users, username):
    from tests.web.test_workbench import cards, grow_work

    grow_work(orgs, users, 1, "S", 100)
    client = login_as(username)
    client.get("/")     # warm: what is kept per state of its tables (portal.dataversions) is read once
    with counted_queries() as small:
        page = client.get("/").get_data(as_text=True)
    assert sum(card["count"] for card in cards(page).values()) >= 1
    grow_work(orgs, users, 4, "L", 200)
    client = login_as(username)    # a fresh session: no once-a-minute activity write in what is counted
    client.get("/")
    with counted_queries() as large:
        page = client.get("/").get_data(as_text=True)
    assert len(large) == len(small), (small, large)
    with counted_queries() as polled:
        client.get("/", headers={"HX-Request": "true"})
    assert len(polled) <= len(large)
    assert len(large) <= 25, large
