"""Forms: project, section (with amounts in 万元 as typed), thresholds, exemption and its filing."""
from datetime import time
from decimal import Decimal

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)

from ..clock import china_today
from ..forms_base import CheckboxListField, PortalForm, int_or_none, length, optional, required, strip_filter
from .models import ExemptionReason
from .rules import CATEGORY_LABELS, THRESHOLD_LABELS, AmountError, Category, CombinedPart, parse_amount, wan


class AmountField(StringField):
    """An amount in 万元: keeps what was typed for redisplay, `amount` is the parsed Decimal."""

    def process_data(self, value):
        self.data = wan(value) if isinstance(value, Decimal) else (value or "")

    def pre_validate(self, form):
        try:
            parse_amount(self.data)
        except AmountError as error:
            raise ValidationError(str(error)) from None

    @property
    def amount(self) -> Decimal | None:
        try:
            return parse_amount(self.data)
        except AmountError:
            return None


def yes_no(value) -> str:
    """A boolean column shown as a yes/no choice: True/False from the record, "yes"/"no" from the form."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


class ProjectForm(PortalForm):
    code = StringField("项目编号", validators=[required("项目编号"), length(50, label="项目编号")],
                       filters=[strip_filter], description="招标项目编号，如 JLZB-2026-0158。")
    name = StringField("项目名称", validators=[required("项目名称"), length(200, label="项目名称")], filters=[strip_filter])
    tenderee = StringField("招标人", validators=[required("招标人"), length(200, label="招标人")], filters=[strip_filter])
    agency = StringField("招标代理机构", validators=[optional(), length(200, label="招标代理机构")],
                         filters=[strip_filter], description="招标人自行招标的可不填。")
    region_id = SelectField("所属地区（行政监督）", coerce=int_or_none, validators=[required("所属地区")])


class SectionForm(PortalForm):
    code = StringField("标段（包）编号", validators=[required("标段编号"), length(50, label="标段编号")],
                       filters=[strip_filter])
    name = StringField("标段（包）名称", validators=[required("标段名称"), length(200, label="标段名称")],
                       filters=[strip_filter])
    category = SelectField("类别", choices=[(c.value, label) for c, label in CATEGORY_LABELS.items()],
                           validators=[required("类别")])
    contract_estimate_wan = AmountField("合同估算价（万元）")
    investment_estimate_wan = AmountField("项目投资概算（万元）")
    budget_wan = AmountField("资金预算（万元）")
    epc_construction_wan = AmountField("其中施工部分（万元）")
    epc_goods_wan = AmountField("其中货物部分（万元）")
    epc_services_wan = AmountField("其中服务部分（万元）")
    mandatory_tender = RadioField("是否依法必须招标", choices=[("yes", "是，依法必须招标"), ("no", "否，自愿招标")],
                                  default="yes", coerce=yes_no,
                                  description="远程异地评标的适用范围限于依法必须招标的工程建设项目；自愿招标的可自愿采用。")
    combined_parts = CheckboxListField("合并采购的内容", choices=[(p.value, p.label) for p in CombinedPart])
    special_expert_needs = BooleanField("对评标专家的专业能力或实践经验有特殊要求")
    special_specialties = StringField("特殊要求的专业", validators=[optional(), length(200, label="特殊要求的专业")],
                                      filters=[strip_filter])
    local_pool_insufficient = BooleanField("本地专家库相应专业专家数量不足或能力难以满足")
    main_center_id = SelectField("主场交易中心", coerce=int_or_none, validators=[required("主场交易中心")])
    evaluation_date = DateField("评标日期", validators=[optional()],
                                description="确定后填写，用于计算客场机位申请的最迟提交日期。")
    start_time = TimeField("评标开始时间", validators=[optional()], default=time(9, 0),
                           description="原则上安排在工作日上午。")
    prequalification = BooleanField("资格预审", description="资格预审项目暂不列入跨省远程异地评标。")

    AMOUNT_FIELDS = ("contract_estimate_wan", "investment_estimate_wan", "budget_wan",
                     "epc_construction_wan", "epc_goods_wan", "epc_services_wan")

    def validate_budget_wan(self, field):
        if all(getattr(self, name).amount is None for name in self.AMOUNT_FIELDS[:3]) and not any(
                getattr(self, name).errors for name in self.AMOUNT_FIELDS[:3]):
            raise ValidationError("合同估算价、项目投资概算、资金预算至少填写一项。")

    def validate_evaluation_date(self, field):
        if field.data and not 2000 <= field.data.year <= 2099:
            raise ValidationError("评标日期应在 2000 年至 2099 年之间。")

    def validate_combined_parts(self, field):
        if self.category.data == Category.COMBINED.value and len(field.data or []) < 2:
            raise ValidationError("合并采购请至少选择两项内容。")

    def validate_local_pool_insufficient(self, field):
        if field.data and not self.special_expert_needs.data:
            raise ValidationError("请先勾选“对评标专家有特殊要求”。")

    def values(self) -> dict:
        data = {name: getattr(self, name).data for name in (
            "code", "name", "category", "combined_parts", "special_expert_needs", "special_specialties",
            "local_pool_insufficient", "main_center_id", "evaluation_date", "start_time", "prequalification")}
        data.update({name: getattr(self, name).amount for name in self.AMOUNT_FIELDS})
        data["mandatory_tender"] = self.mandatory_tender.data != "no"
        return data


class ThresholdForm(PortalForm):
    category = SelectField("类别", choices=[(c.value, label) for c, label in THRESHOLD_LABELS.items()],
                           validators=[required("类别")])
    amount = AmountField("限额（万元）", validators=[required("限额")])
    effective_from = DateField("生效日期", validators=[required("生效日期")])
    notice = StringField("依据的通知", validators=[required("依据的通知"), length(200, label="依据的通知")],
                         filters=[strip_filter], description="如：吉发改法规联〔2026〕146号")


class ExemptionForm(PortalForm):
    reason = RadioField("不宜采用远程异地评标的原因", choices=ExemptionReason.CHOICES,
                        validators=[required("原因")])
    explanation = TextAreaField("书面说明", validators=[required("书面说明"), length(5000, label="书面说明")],
                                filters=[strip_filter])
    pdf = FileField("书面说明扫描件（PDF，不超过 20 MB）")


class FilingForm(PortalForm):
    winner_determined_on = DateField("确定中标人日期", validators=[required("确定中标人日期")])
    filed_on = DateField("提交行政监督部门日期", validators=[required("备案日期")])
    filed_with = StringField("行政监督部门", validators=[required("行政监督部门"), length(200, label="行政监督部门")],
                             filters=[strip_filter], description="如：长春市住房和城乡建设局")

    def validate_filed_on(self, field):
        if self.winner_determined_on.data and field.data and field.data < self.winner_determined_on.data:
            raise ValidationError("备案日期不能早于确定中标人的日期。")
        if field.data and field.data > china_today():
            raise ValidationError("备案日期不能晚于今天。")


class WinningForm(PortalForm):
    winning_bid_wan = AmountField("中标金额（万元）", validators=[required("中标金额")],
                                  description="确定中标人后登记中标价，以万元为单位（如 1234.5678），计入远程异地评标月调度情况表。")
