"""Hostile query strings to every page (issue 27 item 4): every GET route of the access walk, as an account
allowed to open it, with every query argument the portal reads (and the route's own) set to overflowing,
negative, fractional, full-width, control-character, injection and overlong values. Every answer must be
below 500: an argument that cannot be what it names counts as absent, it never reaches the database as an
integer SQLite or PostgreSQL cannot hold."""
import re
from urllib.parse import parse_qsl, urlencode

import pytest

from portal.auth.permissions import PERMISSIONS
from portal.listing import int_arg
from tests.web.test_access import (PUBLIC, ROLE_OF, ROLES, ROUTES, SIGNED_IN, expected_status,  # noqa: F401
                                   records)

# The query arguments read anywhere in portal/ (grep request.args), so that each page meets every one.
ARGUMENTS = ["action", "audience", "capability", "category", "center", "column", "date", "end", "ended",
             "evaluation_date", "exemption", "format", "from", "level", "month", "n", "object_type", "page",
             "project", "province", "q", "region", "role", "scope", "section", "side", "sort", "start", "state",
             "status", "tag", "to", "unfiled", "unread", "v", "venue", "view", "when", "year", "seats",
             "duration_minutes", "start_time", "next", "kind"]
HOSTILE = [
    "99999999999999999999", "-99999999999999999999", "9223372036854775808", "2147483648", "-1", "0", "1.5",
    "1e309", "NaN", "inf", "0x10", "１２３", "١٢٣", "9" * 400, "-" * 50, "2026-02-30", "2026-13-01", "0000-00",
    "9999-12", "99999-01", "2026-1", "-2026-01", "9999-12-31", "0001-01-01", "99:99", "25:00", "１０：００",
    "' OR '1'='1' --", "<script>alert(1)</script>", "{{ 7*7 }}", "%s%n", "../../etc/passwd", "😀" * 40,
    "\u202eevil", "𠀀", "\x01\x1b[31m", "\r\nX-Injected: 1", "a" * 5000, "中" * 2000, "", " ", "-sort", "--",
    "//evil.example", "javascript:alert(1)",
]
# Raw query strings the value table cannot express: broken escapes, repeated and empty keys.
RAW = ["%ff%fe%80=%c0%af", "page=1&page=99999999999999999999&page=-3", "&&&==&=", "region[]=1&region[]=2",
       "year=%2B2026&month=%2B2026-01", "n=1e3&page=1_000", "q=%E4%B8%AD%E6%96%87" * 100]


def _get_routes():
    """(template, account) for every GET route: the table's pages as an account allowed to open them, the
    public pages anonymously, and one's own pages as the agent."""
    routes = []
    for _method, template, permission in ROUTES:
        username = next((u for u in ROLES if expected_status(u, template, PERMISSIONS[permission].get(ROLE_OF[u]))
                         == 200), None)
        routes.append((template, username))
    routes += [(template, None) for template in PUBLIC]
    routes += [(template, "agent") for method, template, _ in SIGNED_IN if method == "get"]
    return routes


def _queries(own: dict) -> list[str]:
    """Every hostile value in every argument at once, the values rotated across arguments, and the raw ones."""
    keys = list(dict.fromkeys([*own, *ARGUMENTS]))
    queries = [urlencode({key: value for key in keys}) for value in HOSTILE]
    queries += [urlencode({key: HOSTILE[(i + j) % len(HOSTILE)] for j, key in enumerate(keys)})
                for i in range(0, len(HOSTILE), 7)]
    return queries + RAW


@pytest.mark.parametrize("template, username", _get_routes())
def test_hostile_query_strings_never_break_a_page(app, login_as, records, template, username):  # noqa: F811
    client = login_as(username) if username else app.test_client()
    path, _, query = template.format(**records).partition("?")
    own = dict(parse_qsl(query))
    for hostile in _queries(own):
        response = client.get(path, query_string=hostile)
        assert response.status_code < 500, (path, hostile[:300], response.get_data(as_text=True)[:300])


@pytest.mark.parametrize("raw, bounds, expected", [
    ("12", {}, 12), (" 12 ", {}, 12), ("0", {}, None), ("-1", {}, None), ("2147483647", {}, 2147483647),
    ("2147483648", {}, None), ("99999999999999999999", {}, None), ("１２", {}, None), ("١٢", {}, None),
    ("1_000", {}, None), ("1.0", {}, None), ("1e3", {}, None), ("", {}, None), ("2026", {"low": 2000, "high": 2099}, 2026),
    ("2100", {"low": 2000, "high": 2099}, None), ("+2026", {"low": 2000, "high": 2099}, 2026),
])
def test_an_integer_argument_counts_only_within_its_bounds(app, raw, bounds, expected):
    with app.test_request_context("/", query_string={"n": raw}):
        assert int_arg("n", **bounds) == expected


def _with_huge_ids(template: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "99999999999999999999", template.replace("{region}", "changchun"))


@pytest.mark.parametrize("template, username", [(t, u) for t, u in _get_routes() if re.search(r"\{[a-z_]+\}", t)])
def test_an_id_too_big_for_any_column_finds_nothing(app, login_as, records, template, username):  # noqa: F811
    client = login_as(username) if username else app.test_client()
    response = client.get(_with_huge_ids(template))
    assert response.status_code < 500, (template, response.status_code)
