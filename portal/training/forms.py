"""Forms of training sessions: the session, enrolment, the organiser's list and attendance."""
from wtforms import (
    DateTimeLocalField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.validators import InputRequired, NumberRange

from .. import richtext
from ..forms_base import (
    CheckboxListField,
    AsciiIntegerField,
    PortalForm,
    VersionForm,
    length,
    no_control_characters,
    optional,
    plain_line,
    plausible_time,
    required,
    strip_filter,
)
from . import rules

AUDIENCE_CHOICES = list(rules.AUDIENCES.items())


def _web_link(form, field):
    value = (field.data or "").strip()
    if value and not (value.lower().startswith("https://") or value.lower().startswith("http://")):
        raise ValidationError("线上链接应以 http:// 或 https:// 开头。")


class SessionForm(VersionForm):
    title = StringField("培训名称", validators=[required("培训名称"), length(200, label="培训名称"), plain_line],
                        filters=[strip_filter])
    region_id = SelectField("举办地区", choices=[], validate_choice=False, validators=[required("举办地区")])
    audiences = CheckboxListField("培训对象", choices=AUDIENCE_CHOICES)
    starts_at = DateTimeLocalField("开始时间", format="%Y-%m-%dT%H:%M",
                                   validators=[required("开始时间"), plausible_time])
    ends_at = DateTimeLocalField("结束时间", format="%Y-%m-%dT%H:%M", validators=[required("结束时间"), plausible_time])
    place = StringField("培训地点", validators=[optional(), length(200, label="培训地点"), plain_line],
                        filters=[strip_filter], description="线下培训的地址和会议室；纯线上培训可留空。")
    online_url = URLField("线上链接", validators=[optional(), length(500, label="线上链接"), _web_link],
                          filters=[strip_filter], description="视频会议或直播地址，以 https:// 开头。")
    capacity = AsciiIntegerField("名额", default=50,
                                 validators=[InputRequired("请填写名额。"), NumberRange(1, rules.MAX_CAPACITY,
                                                                          f"名额应在 1 到 {rules.MAX_CAPACITY} 之间。")])
    body_source = TextAreaField("培训内容", validators=[optional(), length(richtext.MAX_SOURCE, label="培训内容"), no_control_characters],
                                description="支持 Markdown；脚本和事件属性会被删除。")
    files = MultipleFileField("培训资料（PDF、Word、Excel、PowerPoint、图片、MP4，每个不超过 50 MB）")


class EnrolForm(PortalForm):
    audience = SelectField("参训身份", choices=AUDIENCE_CHOICES, validators=[required("参训身份")])


class CancelForm(PortalForm):
    reason = StringField("取消原因", validators=[required("取消原因"), length(200, label="取消原因"), plain_line],
                         filters=[strip_filter])


class PersonForm(PortalForm):
    name = StringField("姓名", validators=[required("姓名"), length(40, label="姓名"), plain_line],
                       filters=[strip_filter])
    organisation = StringField("单位", validators=[optional(), length(80, label="单位"), plain_line],
                               filters=[strip_filter])
    audience = SelectField("参训身份", choices=AUDIENCE_CHOICES, validators=[required("参训身份")])


