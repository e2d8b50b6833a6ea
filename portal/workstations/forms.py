"""Forms of the workstation registry: input shape and Chinese messages only."""
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from ..forms_base import PortalForm, int_or_none, length, optional, required, strip_filter


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


