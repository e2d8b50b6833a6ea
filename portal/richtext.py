"""Formatted text (格式文本) of notices and training sessions: Markdown in, sanitised HTML out.

Writers type Markdown (or paste simple HTML); markdown-it renders it and nh3 (the Rust `ammonia`
sanitiser) keeps only an allow-list of tags, attributes and URL schemes, so no script, event handler,
style or frame survives, whatever was typed. The plain text of the result feeds search and excerpts.
Pure: no Flask, no database.
"""
import html
import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

MAX_SOURCE = 50_000   # characters of Markdown a body may have

TAGS = {"p", "br", "h1", "h2", "h3", "h4", "strong", "b", "em", "i", "del", "s", "u", "ul", "ol", "li", "blockquote",
        "code", "pre", "hr", "a", "table", "thead", "tbody", "tr", "th", "td", "img", "sup", "sub"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
              "ol": {"start"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"},
              "*": set()}   # no attribute on every tag (ammonia would otherwise allow lang and title)
URL_SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])


def _strip_markup(source: str) -> str:
    """The source with every HTML tag outside the allow-list removed, as a browser would parse it.

    Markdown would otherwise show a tag it cannot parse (`<img src=x onerror=alert(1)>`) as literal
    text: harmless, but the reader would see the attack. The text's own `<`, `>` and `&` are given back
    (block quotes, code) — whatever they form is cleaned again after rendering.
    """
    parts = _CODE.split(source)   # code spans and fenced blocks show markup as text: left as typed
    return "".join(part if n % 2 else _clean_text(part) for n, part in enumerate(parts))


def _clean_text(text: str) -> str:
    cleaned = nh3.clean(text, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, strip_comments=True)
    return _ESCAPED.sub(lambda m: _UNESCAPE[m.group(0)], cleaned)


_CODE = re.compile(r"(```.*?(?:```|$)|~~~.*?(?:~~~|$)|`[^`\n]+`)", re.S)


_UNESCAPE = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#39;": "'"}
_ESCAPED = re.compile("|".join(_UNESCAPE))


def to_html(source: str) -> str:
    """Safe HTML for a Markdown (or simple HTML) source; everything outside the allow-list is removed."""
    rendered = _markdown.render(_strip_markup(source or ""))
    return nh3.clean(rendered, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True)


_SPACES = re.compile(r"\s+")


def to_text(safe_html: str) -> str:
    """The readable text of sanitised HTML, whitespace collapsed (for excerpts and the search column)."""
    text = nh3.clean(re.sub(r"<(/p|br|/li|/h\d|/tr|/td|/th|/blockquote|/pre)>", r" <\1>", safe_html), tags=set())
    return _SPACES.sub(" ", html.unescape(text)).strip()


def normalise(text: str) -> str:
    """What search compares: NFKC (full-width letters and digits become half-width), lower case, one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "").lower()).strip()


def search_terms(query: str, limit: int = 5) -> list[str]:
    """The words of a search box, normalised; every one must occur (substring, so 培训 finds 培训班)."""
    words = []
    for word in normalise(query).split(" "):
        if word and word not in words:
            words.append(word[:40])
    return words[:limit]


def like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, with LIKE's wildcards in the term escaped (ESCAPE '\\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def excerpt(text: str, terms: list[str], width: int = 120) -> list[tuple[str, bool]]:
    """A piece of `text` around the first search term, as (segment, is_match) pairs for <mark>.

    Matching is on the normalised text, whose positions equal the original's when NFKC keeps lengths
    (true for Chinese, ASCII and full-width forms); otherwise the excerpt starts at the beginning.
    """
    text = text or ""
    folded = normalise(text)
    if len(folded) != len(_SPACES.sub(" ", text).strip()):
        terms = []
    text = _SPACES.sub(" ", text).strip()
    start = 0
    positions = [folded.find(t) for t in terms if t and folded.find(t) >= 0]
    if positions:
        start = max(0, min(positions) - width // 4)
    piece, piece_folded = text[start:start + width], folded[start:start + width]
    segments: list[tuple[str, bool]] = [("…", False)] if start else []
    i = 0
    while i < len(piece):
        hit = next((t for t in terms if t and piece_folded.startswith(t, i)), None)
        if hit:
            segments.append((piece[i:i + len(hit)], True))
            i += len(hit)
            continue
        if segments and not segments[-1][1] and segments[-1][0] != "…":
            segments[-1] = (segments[-1][0] + piece[i], False)
        else:
            segments.append((piece[i], False))
        i += 1
    if start + width < len(text):
        segments.append(("…", False))
    return segments
