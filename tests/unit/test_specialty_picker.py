"""The specialty picker's grouping (portal.forms_base.specialty_groups): one group per category, in the
choices' order, with the category's label as legend and the ticked ones marked."""
import pytest

from portal.forms_base import specialty_groups

CHOICES = [(1, "A 工程类"), (2, "A01 房屋建筑工程"), (3, "A0101 土建施工"), (4, "B 货物类"), (5, "B01 机电设备"),
           (6, "C01 工程勘察")]


@pytest.mark.parametrize("choices, selected, expected", [
    (CHOICES, [], [("A 工程类", [("A", 1), ("A01", 2), ("A0101", 3)]), ("B 货物类", [("B", 1), ("B01", 2)]),
                   ("C", [("C01", 2)])]),                             # a category not offered: its letter
    ([(3, "　　A0101 土建施工")], [], [("A", [("A0101", 3)])]),          # the catalogue's indented labels
    ([], [], []),
])
def test_choices_are_grouped_by_category_in_order(choices, selected, expected):
    groups = specialty_groups(choices, selected)
    assert [(g.legend, [(i.code, i.level) for i in g.items]) for g in groups] == expected


@pytest.mark.parametrize("selected, ticked", [
    ([2, 5], {"2", "5"}),            # ids as the form holds them
    (["3"], {"3"}),                  # or as typed in a query string
    (None, set()),
    ([99], set()),                   # an id that is not offered ticks nothing
])
def test_the_chosen_specialties_are_ticked(selected, ticked):
    items = [i for g in specialty_groups(CHOICES, selected) for i in g.items]
    assert {i.value for i in items if i.checked} == ticked
    assert next(i for i in items if i.code == "A0101").name == "土建施工"
