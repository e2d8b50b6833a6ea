"""Formatted text (格式文本): Markdown in, sanitised HTML out — known XSS payloads leave nothing executable;
Markdown still renders; plain text, search terms, LIKE patterns and excerpts."""
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from portal import richtext

# OWASP XSS filter evasion cheat sheet style payloads, as a writer might type or paste them.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>",
    "<script\n>alert(1)</script\n>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img src=\"x\" onerror=\"alert(1)\" />",
    "<img src=javascript:alert(1)>",
    "<img src=\"x\" style=\"width:expression(alert(1))\">",
    "<img src=\"x`\" `<script>alert(1)</script>\"` `>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<link rel=\"stylesheet\" href=\"javascript:alert(1)\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<form action=\"javascript:alert(1)\"><input type=submit></form>",
    "<form><button formaction=\"javascript:alert(1)\">x</button></form>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "[x]: javascript:alert(1)\n\n[link][x]",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)\">x</a>",
    "<a href=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099"
    "&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\"jav\tascript:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"\x01javascript:alert(1)\">x</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">x</a>",
    "<a href=\"https://ok.example\" onmouseover=alert(1)>x</a>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><mtext><table><mglyph><style><!--</style><img title=\"--&gt;&lt;img src=1 onerror=alert(1)&gt;\">",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<video><source onerror=\"alert(1)\">",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p style=\"x:expression(alert(1))\">x</p>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<!--<script>alert(1)</script>-->",
    "<!-- --><script>alert(1)</script><!-- -->",
    "<template><script>alert(1)</script></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
    "<td background=\"javascript:alert(1)\">",
    "<img dynsrc=\"javascript:alert(1)\">",
    "<img lowsrc=\"javascript:alert(1)\">",
    "<bgsound src=\"javascript:alert(1)\">",
    "<br size=\"&{alert(1)}\">",
    "<xss style=\"behavior:url(xss.htc)\">",
    "<a href=\"#\" xlink:href=\"javascript:alert(1)\">x</a>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"20\" y=\"20\">x</text></a></svg>",
    "<isindex action=\"javascript:alert(1)\" type=submit>",
    "<frameset><frame src=\"javascript:alert(1)\"></frameset>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<a href=\"https://ok.example\"target=_blank onfocus=alert(1) autofocus>x</a>",
    "**bold** <img src=x onerror=alert(1)> [ok](https://ok.example)",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "- <script>alert(1)</script>\n- [x](javascript:alert(1))",
    "```\n<script>alert(1)</script>\n```",
]

FORBIDDEN_TAGS = ("script", "iframe", "object", "embed", "style", "link", "meta", "base", "form", "svg", "math",
                  "input", "button", "frame", "frameset", "template", "noscript", "body", "details", "video",
                  "audio", "source", "textarea", "select", "marquee", "isindex", "bgsound", "xss", "div")
FORBIDDEN_ATTRIBUTES = {"style", "srcdoc", "formaction", "background", "dynsrc", "lowsrc", "xlink:href", "action"}
URL_ATTRIBUTES = {"href", "src"}
SAFE_SCHEMES = {"http", "https", "mailto", ""}


class _Tags(HTMLParser):
    """Every tag of an HTML string, with its attributes (entity references already decoded)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def _parse(safe_html: str) -> _Tags:
    parser = _Tags()
    parser.feed(safe_html)
    parser.close()
    return parser


def _scheme(url: str) -> str:
    # Browsers drop ASCII whitespace and control characters before reading a scheme.
    squeezed = re.sub(r"[\x00-\x20]", "", url)
    return urlsplit(squeezed).scheme.lower()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_leave_no_script_tag(payload):
    assert "<script" not in richtext.to_html(payload).lower()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_leave_no_event_handler_attribute_in_any_tag(payload):
    output = richtext.to_html(payload)
    for tag in re.findall(r"<[^>]*>", output):
        assert not re.search(r"\bon\w+\s*=", tag, re.IGNORECASE), (tag, output)
    for tag, attrs in _parse(output).tags:
        for name, _ in attrs:
            assert not name.lower().startswith("on"), (tag, name, output)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_leave_no_style_srcdoc_or_formaction_attribute(payload):
    output = richtext.to_html(payload)
    for tag, attrs in _parse(output).tags:
        for name, _ in attrs:
            assert name.lower() not in FORBIDDEN_ATTRIBUTES, (tag, name, output)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_leave_only_http_https_mailto_or_relative_urls(payload):
    output = richtext.to_html(payload)
    for tag, attrs in _parse(output).tags:
        for name, value in attrs:
            if name.lower() in URL_ATTRIBUTES:
                assert _scheme(value or "") in SAFE_SCHEMES, (tag, name, value, output)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_leave_no_javascript_or_vbscript_in_any_tag(payload):
    """`javascript:` may survive as inert, escaped paragraph text (`[x](javascript:…)` that Markdown refused
    to make a link), but never inside a tag, raw or entity-encoded."""
    output = richtext.to_html(payload)
    for tag in re.findall(r"<[^>]*>", output):
        assert not re.search(r"(java|vb)script\s*:", tag, re.IGNORECASE), (tag, output)
    for tag, attrs in _parse(output).tags:
        for name, value in attrs:
            squeezed = re.sub(r"[\x00-\x20]", "", value or "").lower()
            assert "javascript:" not in squeezed and "vbscript:" not in squeezed, (tag, name, value, output)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_leave_no_frame_object_style_or_foreign_tags(payload):
    output = richtext.to_html(payload)
    lowered = output.lower()
    for tag in FORBIDDEN_TAGS:
        assert f"<{tag}" not in lowered, (tag, output)
    for tag, _ in _parse(output).tags:
        assert tag in richtext.TAGS, (tag, output)


# nh3 (ammonia) also allows its generic attributes `title` and `lang` on every tag; both are inert.
GENERIC_ATTRIBUTES = {"rel", "title", "lang"}


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_leave_only_allow_listed_attributes(payload):
    output = richtext.to_html(payload)
    for tag, attrs in _parse(output).tags:
        for name, _ in attrs:
            assert name in richtext.ATTRIBUTES.get(tag, set()) | GENERIC_ATTRIBUTES, (tag, name, output)


def test_there_are_at_least_thirty_xss_payloads():
    assert len(XSS_PAYLOADS) >= 30


# --- Markdown still renders ------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, fragment", [
    ("**粗体**", "<strong>粗体</strong>"),
    ("*斜体*", "<em>斜体</em>"),
    ("~~删除~~", "<s>删除</s>"),
    ("# 一级标题", "<h1>一级标题</h1>"),
    ("## 二级标题", "<h2>二级标题</h2>"),
    ("### 三级标题", "<h3>三级标题</h3>"),
    ("- 甲\n- 乙", "<ul>\n<li>甲</li>\n<li>乙</li>\n</ul>"),
    ("1. 甲\n2. 乙", "<ol>\n<li>甲</li>\n<li>乙</li>\n</ol>"),
    ("3. 丙\n4. 丁", '<ol start="3">'),
    ("> 引用", "<blockquote>"),
    ("`代码`", "<code>代码</code>"),
    ("---", "<hr>"),
    ("| 地区 | 人数 |\n|---|---|\n| 长春 | 10 |", "<table>"),
    ("| 地区 | 人数 |\n|---|---|\n| 长春 | 10 |", "<th>地区</th>"),
    ("| 地区 | 人数 |\n|---|---|\n| 长春 | 10 |", "<td>长春</td>"),
    ("![图](data:image/png;base64,iVBORw0KGgo=)", '<img src="data:image/png;base64,iVBORw0KGgo=" alt="图">'),
    ("![图](/notices/1/files/2)", '<img alt="图">'),     # not one of the record's own images: no address
    ("H<sub>2</sub>O x<sup>2</sup>", "H<sub>2</sub>O x<sup>2</sup>"),
])
def test_markdown_renders_its_allowed_formatting(source, fragment):
    assert fragment in richtext.to_html(source)


@pytest.mark.parametrize("source, href", [
    ("[省中心](https://example.com/a?b=1)", "https://example.com/a?b=1"),
    ("[省中心](http://example.com/)", "http://example.com/"),
    ("[邮件](mailto:office@example.com)", "mailto:office@example.com"),
    ('<a href="https://example.com/">省中心</a>', "https://example.com/"),
    ("[相对](/notices/1)", "/notices/1"),
])
def test_links_keep_safe_urls_and_get_rel_noopener_noreferrer_nofollow(source, href):
    tags = [(tag, dict(attrs)) for tag, attrs in _parse(richtext.to_html(source)).tags if tag == "a"]
    assert len(tags) == 1
    assert tags[0][1]["href"] == href
    assert tags[0][1]["rel"] == "noopener noreferrer nofollow"


def test_a_rel_typed_by_the_writer_is_replaced():
    output = richtext.to_html('<a href="https://example.com/" rel="opener">x</a>')
    assert 'rel="noopener noreferrer nofollow"' in output
    assert 'rel="opener"' not in output


def test_plain_chinese_text_survives():
    text = "关于开展远程异地评标宣贯培训的通知：请各地区于10日前报送。"
    assert richtext.to_html(text) == f"<p>{text}</p>\n"


def test_html_special_characters_in_text_are_escaped():
    assert richtext.to_html("a < b & c > d") == "<p>a &lt; b &amp; c &gt; d</p>\n"


@pytest.mark.parametrize("source", ["", None])
def test_empty_source_gives_empty_html(source):
    assert richtext.to_html(source) == ""


def test_script_tags_are_removed_with_their_content():
    output = richtext.to_html("前<script>alert(1)</script>后")
    assert "alert" not in output
    assert "前" in output and "后" in output


# --- to_text -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, text", [
    ("# 标题\n\n第一段 **粗体**\n\n- 甲\n- 乙", "标题 第一段 粗体 甲 乙"),
    ("| 地区 | 人数 |\n|---|---|\n| 长春 | 10 |", "地区 人数 长春 10"),
    ("a &amp; b < c", "a & b < c"),
    ("[省中心](https://example.com/)", "省中心"),
    ("第一行  \n第二行", "第一行 第二行"),
    ("> 引用\n\n正文", "引用 正文"),
    ("", ""),
])
def test_to_text_gives_readable_text_without_tags(source, text):
    assert richtext.to_text(richtext.to_html(source)) == text


def test_to_text_has_no_tags_left():
    source = "# 标题\n\n<img src=x onerror=alert(1)> **粗** [链](https://e.com)\n\n| a |\n|---|\n| b |"
    text = richtext.to_text(richtext.to_html(source))
    assert "<" not in text and ">" not in text
    assert "  " not in text and text == text.strip()


# --- normalise, search_terms, like_pattern -----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("ＡＢＣ１２３", "abc123"),
    ("ＡＢＣ", "abc"),
    ("Ｈｅｌｌｏ　Ｗｏｒｌｄ", "hello world"),     # full-width space too
    ("MiXeD Case", "mixed case"),
    ("  培训   专家 \n\t 政策 ", "培训 专家 政策"),
    ("培训班", "培训班"),
    ("", ""),
    (None, ""),
])
def test_normalise_folds_full_width_lowercases_and_collapses_spaces(text, expected):
    assert richtext.normalise(text) == expected


@pytest.mark.parametrize("query, terms", [
    ("培训 专家", ["培训", "专家"]),
    ("培训", ["培训"]),
    ("  培训   培训  专家 ", ["培训", "专家"]),
    ("ＡＢＣ abc", ["abc"]),
    ("Policy POLICY policy", ["policy"]),
    ("一 二 三 四 五 六 七", ["一", "二", "三", "四", "五"]),
    ("培训\t专家\n政策", ["培训", "专家", "政策"]),
    ("", []),
    ("   ", []),
])
def test_search_terms_split_on_whitespace_dedupe_and_limit_to_five(query, terms):
    assert richtext.search_terms(query) == terms


def test_search_terms_limit_is_a_parameter():
    assert richtext.search_terms("a b c d", limit=2) == ["a", "b"]


def test_search_terms_are_cut_at_forty_characters():
    assert richtext.search_terms("x" * 50) == ["x" * 40]


@pytest.mark.parametrize("term, pattern", [
    ("培训", "%培训%"),
    ("100%", "%100\\%%"),
    ("a_b", "%a\\_b%"),
    ("a\\b", "%a\\\\b%"),
    ("\\%_", "%\\\\\\%\\_%"),
    ("", "%%"),
])
def test_like_pattern_escapes_percent_underscore_and_backslash(term, pattern):
    assert richtext.like_pattern(term) == pattern


# --- excerpt -----------------------------------------------------------------------------------------------------

def _joined(segments):
    return "".join(s for s, _ in segments)


def _without_ellipses(segments):
    pieces = [s for s, _ in segments]
    if pieces and pieces[0] == "…":
        pieces = pieces[1:]
    if pieces and pieces[-1] == "…":
        pieces = pieces[:-1]
    return "".join(pieces)


def test_excerpt_marks_every_occurrence_of_the_term():
    text = "本期培训面向评标专家，培训内容为远程异地评标，培训后登记出勤。"
    segments = richtext.excerpt(text, ["培训"])
    assert [s for s, hit in segments if hit] == ["培训", "培训", "培训"]
    assert all(s != "培训" for s, hit in segments if not hit)
    assert _joined(segments) == text


def test_excerpt_marks_several_terms():
    text = "培训面向评标专家"
    segments = richtext.excerpt(text, ["培训", "专家"])
    assert segments == [("培训", True), ("面向评标", False), ("专家", True)]


def test_excerpt_marks_full_width_text_matched_by_its_normalised_term():
    segments = richtext.excerpt("关于ＡＢＣ系统的说明", ["abc"])
    assert ("ＡＢＣ", True) in segments
    assert _joined(segments) == "关于ＡＢＣ系统的说明"


def test_excerpt_starts_with_an_ellipsis_when_the_first_hit_is_far_into_a_long_text():
    text = "甲" * 200 + "培训" + "乙" * 200
    segments = richtext.excerpt(text, ["培训"])
    assert segments[0] == ("…", False)
    assert segments[-1] == ("…", False)
    assert ("培训", True) in segments
    assert _without_ellipses(segments) in text
    assert len(_without_ellipses(segments)) == 120


def test_excerpt_segments_join_back_to_a_piece_of_the_text():
    text = "前言" * 30 + "培训" + "中段" * 10 + "培训" + "结尾" * 60
    segments = richtext.excerpt(text, ["培训"])
    assert _without_ellipses(segments) in text
    assert sum(1 for _, hit in segments if hit) == 2


def test_excerpt_of_a_short_text_has_no_ellipsis():
    segments = richtext.excerpt("培训通知", ["培训"])
    assert segments == [("培训", True), ("通知", False)]


def test_excerpt_without_a_hit_starts_at_the_beginning():
    text = "甲" * 300
    segments = richtext.excerpt(text, ["培训"])
    assert segments == [("甲" * 120, False), ("…", False)]


def test_excerpt_without_terms_is_the_beginning_of_the_text():
    assert richtext.excerpt("培训 通知", []) == [("培训 通知", False)]


@pytest.mark.parametrize("text", ["", None])
def test_excerpt_of_no_text_is_empty(text):
    assert richtext.excerpt(text, ["培训"]) == []


def test_excerpt_collapses_whitespace():
    assert richtext.excerpt("培训\n\n  通知", ["通知"]) == [("培训 ", False), ("通知", True)]


def test_excerpt_does_not_mark_when_normalising_changes_the_length():
    # "ﬁ" (one character) folds to "fi" (two): positions no longer line up, so nothing is marked.
    segments = richtext.excerpt("ﬁle 培训", ["培训"])
    assert not any(hit for _, hit in segments)
    assert _joined(segments) == "ﬁle 培训"


OWN = {"/notices/7/files/3"}


@pytest.mark.parametrize("source, foreign", [
    ("![图](/notices/7/files/3)", []),                                  # the record's own image file
    ("![图](data:image/png;base64,iVBORw0KGgo=)", []),
    ("![图](data:image/jpeg;base64,/9j/4AAQ)", []),
    ('<img src="/experts/records/export.xlsx">', ["/experts/records/export.xlsx"]),   # the probe's export
    ("![跟踪](https://tracker.example/p.gif?u=1)", ["https://tracker.example/p.gif?u=1"]),
    ("![](http://10.0.0.8/x.png)", ["http://10.0.0.8/x.png"]),
    ("![](//evil.example/x.png)", ["//evil.example/x.png"]),
    ("![](/notices/7/files/4)", ["/notices/7/files/4"]),                # another file (not an image of this one)
    ("![](/notices/7/files/3?x=1)", ["/notices/7/files/3?x=1"]),
    ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', ["data:image/svg+xml;base64,PHN2Zz4="]),
    ('<img src="data:text/html;base64,PHNjcmlwdD4=">', ["data:text/html;base64,PHNjcmlwdD4="]),
    ("![](data:text/html;base64,PHNjcmlwdD4=)", []),          # Markdown itself makes no image of it
    ("<img src=x onerror=alert(1)>", ["x"]),
    ("[链接](https://example.com/a.png)", []),                           # a link is followed only when clicked
])
def test_images_show_only_the_records_own_files_or_data_urls(source, foreign):
    assert richtext.foreign_images(source, OWN) == foreign
    rendered = richtext.to_html(source, OWN)
    for src in foreign:
        assert f'src="{src}"' not in rendered


def test_a_data_url_is_no_link():
    assert "href" not in richtext.to_html('<a href="data:image/png;base64,iVBORw0KGgo=">点</a>')
