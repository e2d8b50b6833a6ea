"""The guest venue's eligible experts before the draw (可抽取专家数) and the shortage that refuses a request."""
from datetime import date

import pytest

from portal.evaluations.rules import normalise_org as draw_normalise_org
from portal.experts.rules import (
    PoolAsk,
    PoolRow,
    ShareScope,
    Shortage,
    eligible_count,
    expert_shortages,
    normalise_org,
)

DAY = date(2027, 1, 12)
L, P, X = ShareScope.LOCAL, ShareScope.PROVINCE, ShareScope.CROSS_PROVINCE
ROWS = [
    PoolRow("A0101", 2, P, "吉林某设计院", None, 3),
    PoolRow("A0101", 2, X, "吉林某监理公司", None, 1),
    PoolRow("A0101", 2, L, "吉林某施工公司", None, 2),
    PoolRow("A0101", 2, P, "（吉林）市政 集团", None, 4),              # the tenderee's staff, typed loosely
    PoolRow("A0101", 2, P, "吉林某大学", date(2027, 1, 11), 5),         # suspended until the day before
    PoolRow("A0101", 2, P, "吉林某大学", DAY, 6),                       # suspended through the day itself
    PoolRow("A0101", 3, P, "四平某设计院", None, 7),                    # another region
    PoolRow("A01", 2, P, "吉林某设计院", None, 8),                      # another code
]


@pytest.mark.parametrize("ask, code, expected", [
    (PoolAsk(2, False, DAY), "A0101", 3 + 1 + 2 + 4 + 5),
    (PoolAsk(2, True, DAY), "A0101", 3 + 1 + 4 + 5),                     # another region's evaluation: shared only
    (PoolAsk(2, False, DAY, ("吉林市政集团",)), "A0101", 3 + 1 + 2 + 5),  # the tenderee's employees avoided
    (PoolAsk(2, True, DAY, ("吉林市政集团", "")), "A0101", 3 + 1 + 5),
    (PoolAsk(2, False, date(2027, 1, 11)), "A0101", 3 + 1 + 2 + 4),      # both suspensions run that day
    (PoolAsk(2, False, date(2027, 1, 13)), "A0101", 3 + 1 + 2 + 4 + 5 + 6),
    (PoolAsk(3, True, DAY), "A0101", 7),
    (PoolAsk(2, False, DAY), "A01", 8),
    (PoolAsk(4, False, DAY), "A0101", 0),                                # a region with no pool rows
    (PoolAsk(2, False, DAY), "B01", 0),
])
def test_eligible_experts_are_counted_as_the_draw_will_count_them(ask, code, expected):
    assert eligible_count(ROWS, ask, code) == expected


@pytest.mark.parametrize("counts, seats, expected", [
    ({"A0101": 0}, 2, [Shortage("A0101", 0, 2)]),          # the dead end of the issue: 0 people for 2 seats
    ({"A0101": 1}, 2, [Shortage("A0101", 1, 2)]),
    ({"A0101": 2}, 2, []),                                  # exactly enough is enough
    ({"A0101": 5, "A0102": 1}, 2, [Shortage("A0102", 1, 2)]),
    ({"A0101": 0, "A0102": 1}, 1, [Shortage("A0101", 0, 1)]),
    ({"": 3}, 3, []),                                       # no specialty asked: the whole pool counts
    ({"": 2}, 3, [Shortage("", 2, 3)]),
    ({}, 3, []),
])
def test_a_specialty_with_fewer_eligible_experts_than_guest_seats_is_a_shortage(counts, seats, expected):
    assert expert_shortages(counts, seats) == expected


@pytest.mark.parametrize("name", ["吉林市政集团", "（吉林）市政 集团", "ＡＢＣ公司", "abc 公司", "", None, "某·院。"])
def test_the_count_compares_employers_exactly_as_the_draw_does(name):
    assert normalise_org(name) == draw_normalise_org(name)
