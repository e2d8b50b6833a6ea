"""Forms for pairings and joint testing."""
from wtforms import DateField, SelectField, StringField, TextAreaField, ValidationError

from ..forms_base import CheckboxListField, PortalForm, int_or_none, length, optional, required, strip_filter
from .models import JOINT_TEST_LABELS


class PairingForm(PortalForm):
    implementing_center_id = SelectField("实施单位（主场）", coerce=int_or_none, validators=[required("实施单位")])
    partner_center_ids = CheckboxListField("合作援助单位（客场）", coerce=int)
    start_date = DateField("开始日期", validators=[required("开始日期")])
    end_date = DateField("结束日期", validators=[optional()], description="最后一个有效日；不填表示长期有效。")
    basis = StringField("依据", validators=[optional(), length(200, label="依据")], filters=[strip_filter],
                        description="如：关于积极应对疫情开展跨省远程异地分散评标实施方案")
    notes = TextAreaField("备注", validators=[optional(), length(2000, label="备注")], filters=[strip_filter])

    def validate_partner_center_ids(self, field):
        if not field.data:
            raise ValidationError("请至少选择一个合作援助单位。")


class EndPairingForm(PortalForm):
    end_date = DateField("结束日期", validators=[required("结束日期")])


class HomeCentersField(CheckboxListField):
    """Home-province centers by id: anything but the listed ones is refused with one plain message (the default
    ones quote the raw id)."""

    message = "请只勾选列出的本省交易中心。"

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = []
            raise ValueError(self.message) from error

    def pre_validate(self, form):
        listed = {value for value, _ in self.choices or []}
        if any(value not in listed for value in self.data or []):
            raise ValidationError(self.message)


class JointTestForm(PortalForm):
    status = SelectField("进展", choices=[(s.value, label) for s, label in JOINT_TEST_LABELS.items()],
                         validators=[required("进展")])
    event_date = DateField("日期", validators=[required("日期")])
    workstations = StringField("使用工位", validators=[optional(), length(500, label="使用工位")],
                               filters=[strip_filter], description="参与测试的工位编号，以顿号或逗号分隔。")
    result = StringField("结果", validators=[optional(), length(500, label="结果")], filters=[strip_filter])
    center_ids = HomeCentersField("参与的本省交易中心", coerce=int,
                                  description="参加本次联调联试的本省交易中心，如常态化跨省副场。")
    notes = TextAreaField("备注", validators=[optional(), length(2000, label="备注")], filters=[strip_filter])


class SystemForm(PortalForm):
    """A partner system (合作方系统): who it speaks for, where its callbacks go."""

    name = StringField("系统名称", validators=[required("系统名称"), length(80, label="系统名称")], filters=[strip_filter],
                       description="如：湖北省公共资源交易平台（黄冈）")
    center_ids = CheckboxListField("代表的外省交易中心", coerce=int)
    callback_url = StringField("回调地址", validators=[optional(), length(300, label="回调地址")],
                               filters=[strip_filter],
                               description="申请状态变化时本系统向该地址发送签名通知（POST JSON）；不填则不发送。")
    remote_url = StringField("对方门户地址（两个门户互联）", validators=[optional(), length(300, label="对方门户地址")],
                             filters=[strip_filter],
                             description="对方也是本门户系统时填写其网址（如 https://ggzy.hubei.example.cn）：本省向其代表的"
                                         "交易中心提交的申请将自动发送过去，对方的答复自动回到本系统。")
    notes = TextAreaField("备注", validators=[optional(), length(500, label="备注")], filters=[strip_filter])

    def validate_center_ids(self, field):
        if not field.data:
            raise ValidationError("请至少选择一个该系统代表的外省交易中心。")


class KeyForm(PortalForm):
    expires_on = DateField("有效期至", validators=[required("有效期至")], description="含当天；最长 3 年。")


class ImportKeyForm(PortalForm):
    """A key the other portal issued to this one (federation): both sides sign with it."""

    key_id = StringField("对方签发的密钥编号", validators=[required("密钥编号"), length(40, label="密钥编号")],
                         filters=[strip_filter])
    secret = StringField("对方签发的签名密钥", validators=[required("签名密钥"), length(200, label="签名密钥")],
                         filters=[strip_filter])
    expires_on = DateField("有效期至", validators=[required("有效期至")])
