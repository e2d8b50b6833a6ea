"""The README stands on its own in a clone (issue 28): no link leaves the repository, every relative link
resolves, and the commands of its entry-point table run from the checkout after `make run` (the venv's own
`flask`, or make, npm, bash) without activating anything."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_stays_in_the_repository_and_resolves(doc):
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (doc.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), (doc.name, target)      # e.g. ../shared/… is not in a clone
        assert path.exists(), (doc.name, target)


def _entry_point_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("## Entry points"):text.index("\n## ", text.index("## Entry points") + 5)]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    return [c for row in rows for c in re.findall(r"`([^`]+)`", row.split(" | ", 1)[1])]


def test_the_entry_point_commands_run_from_the_checkout_without_activating_the_venv():
    commands = _entry_point_commands()
    assert len(commands) > 10
    for command in commands:
        program = command.split()[0]
        if program in ("flask", "gunicorn", "python", "pytest"):   # (pip: "in an environment of your own")
            pytest.fail(f"{command!r} needs the venv activated: write .venv/bin/{program}")
    assert any(c.startswith(".venv/bin/flask --app portal db upgrade") for c in commands)
