"""Formatted text (格式文本) of notices and training sessions: Markdown in, sanitised HTML out.

Writers type Markdown (or paste simple HTML); markdown-it renders it and nh3 (the Rust `ammonia`
sanitiser) keeps only an allow-list of tags, attributes and URL schemes, so no script, event handler,
style or frame survives, whatever was typed. The plain text of the result feeds search and excerpts.
Pure: no Flask, no database.

Images (issue 27 item 2): a body is read by people signed in to the portal, and an image is fetched by their
browser without a click, so an `<img src="/experts/records/export.xlsx">` made its reader export experts and
a remote image told a tracker who read what. An image may only show one of the record's own image files
(the addresses the feature passes as `images`) or be embedded as a `data:image/...` URL; any other `src` is
refused at save (foreign_images) and dropped from the HTML, and the CSP's img-src allows no other host.
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
URL_SCHEMES = {"http", "https", "mailto", "data"}   # data: for embedded images only (_keep_attribute)
DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z", re.I)

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


def image_allowed(src: str, images: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether an image may show this address: one of the record's own files, or an embedded data: image."""
    return src in images or bool(DATA_IMAGE.match(src))


def render(source: str, images: frozenset[str] | set[str] = frozenset()) -> tuple[str, list[str]]:
    """(safe HTML, the image addresses dropped from it) for a Markdown (or simple HTML) source: everything
    outside the allow-list is removed, and an image whose address is not allowed (image_allowed) loses it."""
    dropped: list[str] = []

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            if image_allowed(value.strip(), images):
                return value.strip()
            if value not in dropped:
                dropped.append(value)
            return None
        if attribute == "href" and value.strip().lower().startswith("data:"):
            return None             # data: only for images: a link to one is no document of this site
        return value

    rendered = _markdown.render(_strip_markup(source or ""))
    cleaned = nh3.clean(rendered, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                        link_rel="noopener noreferrer nofollow", strip_comments=True, attribute_filter=keep)
    return cleaned, dropped


def to_html(source: str, images: frozenset[str] | set[str] = frozenset()) -> str:
    """Safe HTML for a Markdown (or simple HTML) source (render without the dropped images)."""
    return render(source, images)[0]


def foreign_images(source: str, images: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The image addresses of a source that are neither the record's own files nor data: images."""
    return render(source, images)[1]


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
