"""Forms of the evaluation day: the committee, replacement, sign-in, incidents, clues, hand-over, payment."""
import re
from decimal import Decimal

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import NumberRange

from ..forms_base import (
    AsciiIntegerField,
    PortalForm,
    int_or_none,
    length,
    optional,
    plausible_time,
    required,
    strip_filter,
)
from ..models_base import valid_id
from . import rules

NEED_ROWS = 3            # specialty rows per venue on the committee form
MAX_EXPERTS_PER_NEED = 30
MONEY = re.compile(r"\d{1,6}(\.\d{1,2})?")


class CommitteeForm(PortalForm):
    committee_size = AsciiIntegerField("评标委员会成员总数", default=5,
                                       validators=[required("评标委员会成员总数"),
                                                   NumberRange(1, rules.MAX_COMMITTEE, "成员总数应在 5 至 49 人之间。")],
                                       description="5 人以上单数，含招标人代表。")
    tenderee_reps = AsciiIntegerField("招标人代表人数", default=0,
                                      validators=[NumberRange(0, rules.MAX_COMMITTEE, "招标人代表人数应在 0 至 49 之间。")],
                                      description="技术、经济等方面的专家不得少于成员总数的三分之二。")
    bidders = TextAreaField("投标人（每行一个单位）", validators=[optional(), length(4000, label="投标人")],
                            filters=[strip_filter],
                            description="与招标人或投标人同一单位的专家在抽取时自动回避。")
    supervising_department = StringField("行政监督部门", validators=[optional(), length(200, label="行政监督部门")],
                                         filters=[strip_filter], description="该部门的人员不得作为评标专家。")
    avoid_months = AsciiIntegerField("同一招标人回避期（月）", default=rules.DEFAULT_AVOID_MONTHS,
                                     validators=[NumberRange(0, 60, "回避期应在 0 至 60 个月之间。")],
                                     description="在此期间参加过同一招标人项目评标的专家不再抽取。")


def parse_needs(formdata, keys: list[str], specialty_ids: set[int]) -> tuple[dict, dict[str, str]]:
    """The experts per venue and specialty typed on the committee form, and the errors by venue key.

    Rows are `need-<venue key>-<n>-specialty` and `need-<venue key>-<n>-count`; an empty row is ignored.
    """
    needs: dict[str, list[tuple[int, int]]] = {}
    errors: dict[str, str] = {}
    for key in keys:
        rows, seen = [], set()
        for n in range(NEED_ROWS):
            raw_specialty = (formdata.get(f"need-{key}-{n}-specialty") or "").strip()
            raw_count = (formdata.get(f"need-{key}-{n}-count") or "").strip()
            if not raw_specialty and not raw_count:
                continue
            specialty = valid_id(raw_specialty)
            if specialty is None or specialty not in specialty_ids:
                errors[key] = "请为填写了人数的行选择专业。"
                continue
            if not raw_count.isascii() or not raw_count.isdigit():
                errors[key] = "专家人数请用半角数字填写，如 3。"
                continue
            count = int(raw_count)
            if not 1 <= count <= MAX_EXPERTS_PER_NEED:
                errors[key] = f"每个专业的专家人数应在 1 至 {MAX_EXPERTS_PER_NEED} 人之间。"
                continue
            if specialty in seen:
                errors[key] = "同一场所的同一专业只能填写一行，请合并人数。"
                continue
            seen.add(specialty)
            rows.append((specialty, count))
        needs[key] = rows
    return needs, errors


class ReplaceForm(PortalForm):
    kind = SelectField("更换原因", choices=[(r.value, r.choice) for r in rules.ReplaceReason],
                       validators=[required("更换原因")])
    reason = TextAreaField("情况说明", validators=[length(300, label="情况说明")], filters=[strip_filter],
                           description="原因为“其他”的须写明；如：专家电话告知因病不能参加。")


class DecisionForm(PortalForm):
    note = TextAreaField("审批意见", validators=[length(300, label="审批意见")], filters=[strip_filter],
                         description="不同意的须写明理由。")


class SignInForm(PortalForm):
    id_number = StringField("身份证号码（读卡或录入）", validators=[required("身份证号码"), length(18, label="身份证号码")],
                            filters=[strip_filter], description="与抽取的专家身份证号码核对，不一致的不得签到。")
    photo_checked = BooleanField("已核对本人与证件照片")
    phone_in_custody = BooleanField("通讯工具已统一保管")
    no_conflict_declared = BooleanField("专家已签署无回避事项声明")
    workstation_id = SelectField("评标工位", coerce=int_or_none, validate_choice=False)


SIGNATURE_CHOICES = [(field, name) for field, name in rules.SIGNATURES]


class WinnerForm(PortalForm):
    winner_determined_on = DateField("确定中标人日期", validators=[required("确定中标人日期")])


class IncidentForm(PortalForm):
    venue_id = SelectField("发生场所", coerce=int_or_none, validate_choice=False)
    kind = SelectField("类型", choices=rules.INCIDENT_KINDS, validators=[required("类型")])
    occurred_at = DateTimeLocalField("发生时间", format="%Y-%m-%dT%H:%M", validators=[required("发生时间"), plausible_time])
    effect = TextAreaField("对评标的影响", validators=[required("对评标的影响"), length(500, label="对评标的影响")],
                           filters=[strip_filter], description="如：客场 3 个机位断网，评标暂停。")
    handling = TextAreaField("处置情况", validators=[optional(), length(500, label="处置情况")], filters=[strip_filter])
    resumed_at = DateTimeLocalField("恢复时间", format="%Y-%m-%dT%H:%M", validators=[optional(), plausible_time],
                                    description="尚未恢复的留空，恢复后再登记。")


class ResumeForm(PortalForm):
    resumed_at = DateTimeLocalField("恢复时间", format="%Y-%m-%dT%H:%M", validators=[required("恢复时间"), plausible_time])
    handling = TextAreaField("处置情况", validators=[optional(), length(500, label="处置情况")], filters=[strip_filter])


class DutyForm(PortalForm):
    item = HiddenField()
    done = HiddenField()
    note = StringField("说明", validators=[optional(), length(300, label="说明")], filters=[strip_filter])


class ClueForm(PortalForm):
    venue_id = SelectField("移交场所", coerce=int_or_none, validate_choice=False, id="clue-venue")
    text = TextAreaField("线索内容", validators=[required("线索内容"), length(5000, label="线索内容")],
                         filters=[strip_filter], description="发现的时间、人员、经过；不要填写与线索无关的个人信息。")
    files = MultipleFileField("附件（PDF、图片、Word、Excel，每个不超过 20 MB）", id="clue-files")


class ReportForm(PortalForm):
    reported_to = StringField("报告的行政监督部门", validators=[required("报告的行政监督部门"),
                                                          length(200, label="行政监督部门")], filters=[strip_filter])
    note = TextAreaField("报告情况", validators=[optional(), length(500, label="报告情况")], filters=[strip_filter])


class HandoverForm(PortalForm):
    # Own ids: the incident and clue forms on the same page have fields of the same names.
    venue_id = SelectField("移交场所", coerce=int_or_none, validate_choice=False, id="handover-venue")
    kind = SelectField("资料", choices=rules.HANDOVER_KINDS, validators=[required("资料")], id="handover-kind")
    mode = SelectField("移交方式", choices=rules.HANDOVER_MODES, default="file", id="handover-mode")
    reference = StringField("移交单号或介质编号", validators=[optional(), length(200, label="移交单号")],
                            filters=[strip_filter], description="线下移交时必填，如：移交单 2026-118 号、移动硬盘 JL-AV-07。",
                            id="handover-reference")
    files = MultipleFileField("文件（PDF、图片、Word、Excel、MP4，每个不超过 50 MB）", id="handover-files")


class ReceiveForm(PortalForm):
    note = TextAreaField("接收说明", validators=[optional(), length(500, label="接收说明")], filters=[strip_filter])


class PaymentForm(PortalForm):
    amount = StringField("实付金额（元）", validators=[required("实付金额")], filters=[strip_filter])
    reference = StringField("支付凭证号", validators=[optional(), length(100, label="支付凭证号")], filters=[strip_filter],
                            description="如银行流水号或平台支付单号。")
    paid_on = DateField("支付日期", validators=[optional()], description="不填为今天。")
    correction = TextAreaField("更正原因", validators=[optional(), length(200, label="更正原因")], filters=[strip_filter],
                               description="更正已登记的支付时填写，如：金额录入错误。")
    value: Decimal | None = None

    def validate_amount(self, field):
        text = (field.data or "").replace("元", "").strip()
        if not text.isascii():
            raise ValidationError("请用半角数字填写金额，如 650 或 650.50。")
        if not MONEY.fullmatch(text):
            raise ValidationError("金额应为 0 至 999999.99 之间、最多两位小数的数字。")
        self.value = Decimal(text)


# --- an external guest venue (外省客场) ------------------------------------------------------------------------

class ExternalSignInForm(PortalForm):
    count = AsciiIntegerField("合作方确认签到的专家人数", validators=[required("签到人数")],
                              description="只登记人数；专家姓名由合作方掌握，本系统不记录。")
    signed_in_at = DateTimeLocalField("签到时间", format="%Y-%m-%dT%H:%M",
                                      validators=[required("签到时间"), plausible_time])
    contact = StringField("合作方确认人（姓名、电话）", validators=[required("合作方确认人"), length(100, label="确认人")],
                          filters=[strip_filter], description="合作方交易中心确认签到情况的工作人员，如：王某 0411-8888xxxx。")


def _money(field, label: str) -> Decimal | None:
    text = (field.data or "").replace("元", "").strip()
    if not text:
        return None
    if not text.isascii():
        raise ValidationError(f"请用半角数字填写{label}，如 600 或 60.50。")
    if not MONEY.fullmatch(text):
        raise ValidationError(f"{label}应为 0 至 999999.99 之间、最多两位小数的数字。")
    return Decimal(text)


class ExternalFeesForm(PortalForm):
    """The partner center's published fee and meal standards, filled in where the portal has none."""

    expert_fee_base_yuan = StringField("专家劳务费：基本标准（元/人）", filters=[strip_filter],
                                       description="评审时长在下面的小时数以内时每人的劳务费。")
    expert_fee_base_hours = AsciiIntegerField("基本标准包含的小时数", default=4,
                                              validators=[optional(), NumberRange(1, 24, "小时数应在 1 至 24 之间。")])
    expert_fee_extra_hour_yuan = StringField("超过部分每小时（元/人）", filters=[strip_filter],
                                             description="不足一小时按一小时计；不另计的留空。")
    expert_fee_cap_yuan = StringField("每天最高（元/人）", filters=[strip_filter], description="没有上限的留空。")
    meal_fee_yuan = StringField("就餐费用标准（元/人）", filters=[strip_filter], description="不提供就餐的填 0。")
    expert_fee_note = StringField("依据的公布标准", validators=[required("依据的公布标准"), length(200, label="依据")],
                                  filters=[strip_filter], description="合作方公布标准的文件名称或网址。")
    amounts: dict[str, Decimal | None]   # the parsed amounts, set by validation

    LABELS = {"expert_fee_base_yuan": "基本标准", "expert_fee_extra_hour_yuan": "超过部分金额",
              "expert_fee_cap_yuan": "每天最高金额", "meal_fee_yuan": "就餐费用标准"}

    def validate(self, extra_validators=None):
        self.amounts = {}
        ok = super().validate(extra_validators)
        for name, label in self.LABELS.items():
            field = getattr(self, name)
            try:
                self.amounts[name] = _money(field, label)
            except ValidationError as error:
                field.errors = list(field.errors) + [str(error)]
                ok = False
        base, cap = self.amounts.get("expert_fee_base_yuan"), self.amounts.get("expert_fee_cap_yuan")
        if ok and base is None and (cap is not None or self.amounts.get("expert_fee_extra_hour_yuan") is not None):
            self.expert_fee_base_yuan.errors = ["请先填写基本标准，再填写超过部分或每天最高金额。"]
            ok = False
        if ok and cap is not None and base is not None and cap < base:
            self.expert_fee_cap_yuan.errors = ["每天最高金额不能低于基本标准。"]
            ok = False
        return ok
