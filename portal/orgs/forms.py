"""Forms for trading centers and their contacts."""
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange

from ..forms_base import PortalForm, int_or_none, length, optional, phone_number, required, strip_filter


class CenterForm(PortalForm):
    name = StringField("名称", validators=[required("名称"), length(80, label="名称")],
                       filters=[strip_filter])
    short_name = StringField("简称", validators=[required("简称"), length(20, label="简称")],
                             filters=[strip_filter])
    alias = StringField("其他名称", validators=[optional(), length(80, label="其他名称")],
                        filters=[strip_filter], description="文件中使用的其他名称，如“吉林市公共资源交易服务中心”。")
    province_id = SelectField("所在省份", coerce=int_or_none, validators=[required("所在省份")])
    region_id = SelectField("所属地区", coerce=int_or_none, validators=[optional()],
                            description="本省交易中心必选；外省交易中心不选。")
    level = SelectField("层级", choices=[("省级", "省级"), ("市级", "市级"), ("县级", "县级")])
    address = StringField("地址", validators=[optional(), length(200, label="地址")],
                          filters=[strip_filter])
    is_standing_secondary = BooleanField("常态化保障跨省远程异地评标的副场")
    standing_required = IntegerField("副场应具备的跨省工位数", default=10, validators=[
        NumberRange(min=0, max=999, message="请填写 0 到 999 之间的整数。")])
    expert_fee_note = TextAreaField("专家劳务费标准", validators=[optional(), length(2000, label="劳务费标准")],
                                    filters=[strip_filter])
    meal_fee_yuan = DecimalField("客场就餐费用标准（元/人）", places=2, validators=[
        optional(), NumberRange(min=0, max=10000, message="请填写 0 到 10000 之间的金额。")])
    active = BooleanField("启用", default=True)


class ContactForm(PortalForm):
    name = StringField("姓名", validators=[required("联系人姓名"), length(40, label="姓名")],
                       filters=[strip_filter])
    phone = StringField("电话", validators=[required("联系电话"), phone_number], filters=[strip_filter])
    duty = StringField("职责", validators=[optional(), length(60, label="职责")], filters=[strip_filter])
