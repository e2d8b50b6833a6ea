"""Notices (公告): the state a reader sees, tags typed by the writer, the attachment limit."""
from datetime import datetime, timedelta, UTC

import pytest

from portal.notices import rules
from portal.notices.rules import AttachmentCount, State, Status, TagError

NOW = datetime(2026, 10, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("status, publish_at, expected", [
    (Status.DRAFT, None, State.DRAFT),
    (Status.DRAFT, NOW - timedelta(days=1), State.DRAFT),                  # a draft stays a draft, whatever its time
    (Status.PUBLISHED, NOW - timedelta(days=1), State.PUBLISHED),
    (Status.PUBLISHED, NOW, State.PUBLISHED),                              # its time has come
    (Status.PUBLISHED, NOW + timedelta(seconds=1), State.SCHEDULED),       # 定时发布
    (Status.PUBLISHED, NOW + timedelta(days=30), State.SCHEDULED),
    (Status.PUBLISHED, None, State.SCHEDULED),                             # published without a time: not public
    (Status.WITHDRAWN, NOW - timedelta(days=1), State.WITHDRAWN),
    (Status.WITHDRAWN, None, State.WITHDRAWN),
    (Status.WITHDRAWN, NOW + timedelta(days=1), State.WITHDRAWN),
])
def test_state_a_published_notice_is_scheduled_until_its_time(status, publish_at, expected):
    assert rules.state(status, publish_at, NOW) is expected


def test_state_labels_are_chinese():
    assert [s.value for s in State] == ["草稿", "定时发布", "已发布", "已撤回"]


@pytest.mark.parametrize("text, tags", [
    ("培训, 专家；政策", ["培训", "专家", "政策"]),
    ("培训,专家", ["培训", "专家"]),
    ("培训，专家", ["培训", "专家"]),                     # full-width comma
    ("培训、专家", ["培训", "专家"]),                     # 顿号
    ("培训；专家", ["培训", "专家"]),                     # full-width semicolon
    ("培训;专家", ["培训", "专家"]),
    ("培训 专家", ["培训", "专家"]),
    ("培训　专家", ["培训", "专家"]),                     # full-width space
    ("培训\t专家\n政策", ["培训", "专家", "政策"]),
    ("  ,，、;； 培训 ,, 专家 ;; ", ["培训", "专家"]),    # runs of separators, leading and trailing
    ("#培训 #专家", ["培训", "专家"]),                    # '#' prefix stripped
    ("##培训", ["培训"]),
    ("#", []),
    ("C#", ["C#"]),                                       # only a leading '#' is stripped
    ("培训, 专家, 培训", ["培训", "专家"]),                # duplicates removed
    ("#培训 培训", ["培训"]),                              # a duplicate once the '#' is gone
    ("政策, 培训, 专家", ["政策", "培训", "专家"]),          # order kept
    ("Policy policy", ["Policy", "policy"]),              # case is kept, so these differ
    ("一" * 20, ["一" * 20]),                              # 20 characters is allowed
    (", ".join(str(i) for i in range(8)), [str(i) for i in range(8)]),           # 8 tags is allowed
    (", ".join(["a"] * 12 + ["b"] * 3), ["a", "b"]),                             # counted after dedupe
    ("", []),
    ("   ", []),
    (None, []),
])
def test_parse_tags_splits_strips_dedupes_and_keeps_order(text, tags):
    assert rules.parse_tags(text) == tags


@pytest.mark.parametrize("text, message", [
    ("一" * 21, "超过 20 个字"),                            # over 20 characters
    ("培训, " + "x" * 25, "超过 20 个字"),
    ("#" + "一" * 21, "超过 20 个字"),
    (", ".join(str(i) for i in range(9)), "标签最多 8 个，现有 9 个"),   # over 8 tags
    ("a b c d e f g h i j", "现有 10 个"),
    ("培\x00训", "控制字符"),
    ("培\x07训", "控制字符"),
    ("培\x1b训", "控制字符"),
    ("培训, 专\x01家", "控制字符"),
])
def test_parse_tags_refuses_long_tags_too_many_tags_and_control_characters(text, message):
    with pytest.raises(TagError) as refused:
        rules.parse_tags(text)
    assert message in str(refused.value)


@pytest.mark.parametrize("text", ["培\x7f训", "培\x80训", "培\x9b训"])
def test_delete_and_c1_control_characters_are_refused_too(text):
    # DEL (U+007F) and the C1 controls (U+0080–U+009F) are control characters (Unicode category Cc).
    with pytest.raises(TagError, match="控制字符"):
        rules.parse_tags(text)


@pytest.mark.parametrize("separator", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f"])
def test_control_characters_that_count_as_whitespace_separate_tags_instead_of_being_refused(separator):
    # Python's \s includes VT, FF and the information separators, so they split like a space.
    assert rules.parse_tags(f"专{separator}家") == ["专", "家"]


def test_tag_error_is_a_value_error():
    assert issubclass(TagError, ValueError)


def test_a_too_long_tag_is_quoted_cut_to_twenty_characters():
    with pytest.raises(TagError, match="标签“" + "一" * 20 + "…”"):
        rules.parse_tags("一" * 30)


@pytest.mark.parametrize("kept, added, problem", [
    (0, 0, None),
    (10, 0, None),
    (0, 10, None),
    (4, 6, None),                                                     # exactly 10: allowed
    (10, 1, "每条公告最多 10 个附件，保存后将有 11 个。"),              # 11: refused
    (5, 6, "每条公告最多 10 个附件，保存后将有 11 个。"),
    (0, 11, "每条公告最多 10 个附件，保存后将有 11 个。"),
    (8, 8, "每条公告最多 10 个附件，保存后将有 16 个。"),
])
def test_a_notice_has_at_most_ten_attachments(kept, added, problem):
    assert rules.attachments_problem(AttachmentCount(kept=kept, added=added)) == problem


def test_every_column_has_a_chinese_name():
    assert rules.COLUMNS["announcement"] == "通知公告"
    assert all(name for name in rules.COLUMNS.values())
