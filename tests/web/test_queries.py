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


@pytest.mark.parametrize("path", PAGES)
def test_query_count_is_the_same_for_10_and_2000_workstations(login_as, orgs, path):
    client = login_as("province")
    grow(orgs, 10, "S")
    with counted_queries() as small:
        assert client.get(path).status_code == 200
    grow(orgs, 2000, "L")
    client = login_as("province")    # a fresh session: no once-a-minute activity write in what is counted
    with counted_queries() as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), (small, large)
    assert len(large) <= 10, large


def test_directory_page_query_budget(login_as, orgs):
    grow(orgs, 300, "B")
    client = login_as("changchun")
    with counted_queries() as full:
        client.get("/workstations/")
    with counted_queries() as fragment:
        client.get("/workstations/?region=2", headers={"HX-Request": "true"})
    # user, rows, count, per-center counts, filter options (2), manageable centers, compliance
    assert len(full) <= 8, full
    assert len(fragment) <= len(full)
