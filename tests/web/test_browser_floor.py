"""The browser floor (issue 28, README "Browsers"): what the portal serves works in Chromium 86 (360 安全浏览器 v13).

The full checks need Node.js (tools/check-browser-floor.sh: the build is rebuilt and compared byte for byte,
doiuse and MDN's compat data lint every stylesheet, es-check every script). These are the cheap ones that run
with the suite and cannot be fooled by a stale build:
- no served stylesheet has a construct Chromium 86 drops whole rules for (:is, :where, :has outside its
  @supports guard, :not() lists, ::file-selector-button without its -webkit- copy) or logical properties;
- the built Pico's header records the SHA-256 of the build's inputs (the build script and the npm lock of Pico
  and every tool) and of its own CSS: a changed input or a hand edit without a rebuild fails here;
- every page's stylesheets and scripts are files under static/ that these checks cover.
"""
import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
BUILT = STATIC / "vendor" / "pico" / "pico-2.1.1-chromium86.min.css"
SERVED_CSS = sorted(STATIC.rglob("*.css"))

LOGICAL = re.compile(r"(?<![-\w])(?:margin|padding|inset|border)-(?:block|inline)(?:-start|-end)?(?:-width|-style|-color)?\s*:"
                     r"|(?<![-\w])(?:min-|max-)?(?:block|inline)-size\s*:|(?<![-\w])inset\s*:"
                     r"|(?<![-\w])border-(?:start|end)-(?:start|end)-radius\s*:")
HAS_GUARD = "@supports selector(:has(*))"


def strip_comments(css):
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def outside_has_guard(css):
    """The stylesheet without its @supports selector(:has(*)) { … } blocks (balanced braces)."""
    out, i = [], 0
    while True:
        start = css.find(HAS_GUARD, i)
        if start < 0:
            return "".join(out) + css[i:]
        out.append(css[i:start])
        depth, j = 0, css.index("{", start)
        while True:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
            if depth == 0:
                break
        i = j


def not_arguments(css):
    """The argument of every :not( … ), parentheses balanced."""
    for match in re.finditer(r":not\(", css):
        depth, j = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(css[j], 0)
            j += 1
        yield css[match.end():j - 1]


def test_the_served_stylesheets_are_the_linted_ones():
    assert [p.relative_to(STATIC).as_posix() for p in SERVED_CSS] == [
        "app.css", "print-landscape.css", "vendor/pico/pico-2.1.1-chromium86.min.css"]


@pytest.mark.parametrize("path", SERVED_CSS, ids=lambda p: p.name)
def test_no_served_stylesheet_has_what_chromium_86_drops(path):
    css = strip_comments(path.read_text(encoding="utf-8"))
    plain = outside_has_guard(css)
    for construct in (":is(", ":where(", ":has(", ":matches(", ":-webkit-any(", ":focus-visible-within"):
        assert construct not in plain, f"{path.name}: {construct}"
    for argument in not_arguments(plain):
        # Chromium 86 takes one simple selector in :not(): no list, no compound, no combinator.
        assert not re.search(r"[,\s>+~]|.[.#:\[]", argument.strip()), f"{path.name}: :not({argument})"
    assert not LOGICAL.search(plain), f"{path.name}: logical property {LOGICAL.search(plain).group(0)}"
    # ::file-selector-button (Chrome 89) only as a rule of its own right after its ::-webkit-file-upload-button copy
    for match in re.finditer(r"}([^{}]*::file-selector-button[^{}]*)\{([^{}]*)}", plain):
        selector, body = match.groups()
        twin = selector.replace("::file-selector-button", "::-webkit-file-upload-button")
        assert f"}}{twin}{{{body}}}" in plain, f"{path.name}: {selector} without its -webkit- copy"


def test_the_built_pico_is_built_from_the_committed_inputs():
    text = BUILT.read_text(encoding="utf-8")
    header, body = text.split("*/\n", 1)
    assert header.startswith('@charset "UTF-8";\n/*!\n * Pico CSS ✨ v2.1.1 (https://picocss.com)\n'
                             " * Copyright 2019-2025 - Licensed under MIT\n"), "Pico's licence notice"
    inputs = re.search(r"inputs-sha256: ([0-9a-f]{64}) \(([^)]*)\)", header)
    digest = hashlib.sha256()
    for name in inputs.group(2).split():
        digest.update((ROOT / name).read_bytes())
    assert inputs.group(1) == digest.hexdigest(), "an input changed: npm run build:css --prefix tools"
    assert inputs.group(2).split() == ["tools/build-css.mjs", "tools/package.json", "tools/package-lock.json"]
    recorded = re.search(r"body-sha256: ([0-9a-f]{64})", header).group(1)
    assert recorded == hashlib.sha256(body.encode("utf-8")).hexdigest(), "edited by hand: rebuild it"
    assert "@picocss/pico" in (ROOT / "tools" / "package-lock.json").read_text(encoding="utf-8")


def test_every_page_links_only_checked_assets():
    linked = set()
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        linked.update(re.findall(r"url_for\('static', filename='([^']+)'\)", text))
        assert not re.search(r"""(?:href|src)=["'](?:https?:)?//""", text), f"{template.name}: an outside asset"
    assert {n for n in linked if n.endswith(".css")} == {"vendor/pico/pico-2.1.1-chromium86.min.css", "app.css",
                                                        "print-landscape.css"}
    scripts = {n for n in linked if n.endswith(".js")}
    assert scripts == {"vendor/htmx/htmx-2.0.11.min.js", "app.js"}
    for name in linked:
        assert (STATIC / name).is_file(), name


def test_the_check_is_the_one_the_readme_names():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "tools/check-browser-floor.sh" in readme and "npm run build:css --prefix tools" in readme
    assert (ROOT / "tools" / "check-browser-floor.sh").is_file()
