"""Forms of the workstation registry: input shape and Chinese messages only."""
from datetime import time

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField, TimeField, ValidationError

from ..forms_base import (
    CheckboxListField,
    PortalForm,
    id_coerce,
    int_or_none,
    length,
    optional,
    plain_line,
    required,
    strip_filter,
)
from .rules import WEEKDAYS


class VenueForm(PortalForm):
    center_id = SelectField("交易中心", coerce=int_or_none, validators=[required("交易中心")])
    name = StringField("场所名称", validators=[required("场所名称"), length(80, label="场所名称")],
                       filters=[strip_filter])
    address = StringField("地址", validators=[optional(), length(200, label="地址")],
                          filters=[strip_filter])
    notes = TextAreaField("备注", validators=[optional(), length(500, label="备注")],
                          filters=[strip_filter])


class WorkstationForm(PortalForm):
    venue_id = SelectField("评标场所", coerce=int_or_none, validators=[required("评标场所")])
    code = StringField("工位编号", validators=[required("工位编号"), length(32, label="工位编号")],
                       filters=[strip_filter],
                       description="在本交易中心内唯一；字母、数字、横线、下划线或点，不含空格，保存为大写。")
    cross_province = BooleanField("支持跨省远程异地评标")
    has_av = BooleanField("音视频设备", default=True)
    has_id_reader = BooleanField("身份证读卡器")
    has_signature_pad = BooleanField("电子签名板")
    status = SelectField("状态", choices=[("available", "可用"), ("maintenance", "维护中")],
                         validators=[required("状态")])
    notes = StringField("备注", validators=[optional(), length(200, label="备注")],
                        filters=[strip_filter])


class RetireForm(PortalForm):
    reason = StringField("停用原因", validators=[required("停用原因"), length(200, label="停用原因")],
                         filters=[strip_filter])


class ImportForm(PortalForm):
    file = FileField("工位登记表（.xlsx 或 .csv）", validators=[
        FileRequired("请选择要导入的文件。"),
        FileAllowed(["xlsx", "csv"], "只支持 .xlsx 或 .csv 文件。"),
    ])
    dry_run = BooleanField("仅校验，不导入")




def _year_in_range(form, field):
    if field.data and not 2000 <= field.data.year <= 2099:
        raise ValidationError("日期应在 2000 年至 2099 年之间。")


def _weekday_or_none(value):
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


class LocalUseForm(PortalForm):
    purpose = SelectField("用途", choices=[("local_evaluation", "本地评标"), ("maintenance", "维护")],
                          validators=[required("用途")])
    section_id = SelectField("本中心的标段", coerce=int_or_none, validate_choice=False,
                             description="本地评标可选择本中心作为主场的标段，或不选、填写本地项目名称。")
    title = StringField("项目名称或维护原因", validators=[optional(), length(200, label="项目名称或维护原因"),
                                                    plain_line], filters=[strip_filter])
    first_date = DateField("开始日期", validators=[required("开始日期"), _year_in_range])
    last_date = DateField("结束日期", validators=[optional(), _year_in_range],
                          description="只占用一天时可不填。")
    weekday = SelectField("每周重复", coerce=_weekday_or_none,
                          choices=[("", "不重复（日期范围内每天）")] + [(str(i), f"每{d}") for i, d in enumerate(WEEKDAYS)],
                          description="如“每周二上午维护”：选择周二，并填写开始、结束日期和上午的时间。")
    start_time = TimeField("开始时间", validators=[required("开始时间")], default=time(8, 30))
    end_time = TimeField("结束时间", validators=[required("结束时间")], default=time(12, 0))
    workstation_ids = CheckboxListField("占用工位", coerce=id_coerce, validate_choice=False)


class CancelLocalUseForm(PortalForm):
    reason = StringField("取消原因", validators=[required("取消原因"), length(200, label="取消原因"), plain_line],
                         filters=[strip_filter])
