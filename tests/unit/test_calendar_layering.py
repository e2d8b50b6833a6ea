"""The calendar is a lower layer: it never imports a feature above it (they subscribe to calendar_changed)."""
import ast
from pathlib import Path

import pytest

CALENDAR = Path(__file__).resolve().parents[2] / "portal" / "calendar"
HIGHER = {"projects", "bookings", "evaluations", "reports", "notices", "training", "notifications"}


@pytest.mark.parametrize("module", sorted(CALENDAR.glob("*.py")), ids=lambda p: p.name)
def test_the_calendar_imports_no_higher_feature(module):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [alias.name for alias in node.names] if node.level else [node.module or ""]
            parts = {part for name in names for part in name.split(".")}
            if node.level == 2 or (node.module or "").startswith("portal."):
                assert not parts & HIGHER, (module.name, ast.unparse(node))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                assert not set(alias.name.split(".")) & HIGHER, (module.name, alias.name)
