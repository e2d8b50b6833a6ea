"""Forms of notices: writing one (with attachments), withdrawing it."""
from wtforms import BooleanField, DateTimeLocalField, HiddenField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms import ValidationError

from .. import richtext
from ..forms_base import PortalForm, VersionForm, length, no_control_characters, optional, plain_line, plausible_time, required, strip_filter
from . import rules


def _tags(form, field):
    try:
        rules.parse_tags(field.data)
    except rules.TagError as error:
        raise ValidationError(str(error)) from None


class NoticeForm(VersionForm):
    title = StringField("标题", validators=[required("标题"), length(200, label="标题"), plain_line],
                        filters=[strip_filter])
    column = SelectField("栏目", choices=list(rules.COLUMNS.items()), validators=[required("栏目")])
    region_id = SelectField("发布地区", choices=[], validate_choice=False)
    body_source = TextAreaField(
        "正文", validators=[required("正文"), length(richtext.MAX_SOURCE, label="正文"), no_control_characters],
        description="支持 Markdown：**加粗**、# 标题、- 列表、[链接文字](https://…)、表格；脚本和事件属性会被删除。")
    tags = StringField("标签", validators=[optional(), length(200, label="标签"), _tags], filters=[strip_filter],
                       description="用逗号或顿号分隔，如：培训、评标专家。最多 8 个。")
    pinned = BooleanField("置顶")
    publish_at = DateTimeLocalField("发布时间", format="%Y-%m-%dT%H:%M", validators=[optional(), plausible_time],
                                    description="留空则点“发布”时立即发布；填写将来的时间则到时自动公开（定时发布）。")
    files = MultipleFileField("附件（PDF、Word、Excel、PowerPoint、图片，每个不超过 20 MB，每条最多 10 个）")
    remove = HiddenField()   # the ids of attachments to remove come as checkboxes named remove_file


class WithdrawForm(PortalForm):
    reason = StringField("撤回原因", validators=[required("撤回原因"), length(200, label="撤回原因"), plain_line],
                         filters=[strip_filter])
