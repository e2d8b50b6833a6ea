"""Forms of guest-seat requests: filing (several guest centers at once), editing, answering, fees, feeds."""
import re
from datetime import time
from decimal import Decimal

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import NumberRange

from ..forms_base import (
    AsciiIntegerField,
    CheckboxListField,
    PortalForm,
    VersionForm,
    id_coerce,
    int_or_none,
    length,
    optional,
    required,
    strip_filter,
    version_number,
)
from ..projects.rules import CATEGORY_LABELS, AmountError, parse_amount
from .rules import DEFAULT_DURATION, DURATION_CHOICES, MAX_COMMITTEE, MAX_SEATS

GUEST_ROWS = 3
MONEY = re.compile(r"\d{1,5}(\.\d{1,2})?")


def _year_in_range(form, field):
    if field.data and not 2000 <= field.data.year <= 2099:
        raise ValidationError("评标日期应在 2000 年至 2099 年之间。")


class _Timing:
    """Fields shared by filing and editing: when, how long, how many."""

    evaluation_date = DateField("评标日期", validators=[required("评标日期"), _year_in_range],
                                description="原则上安排在工作日。")
    start_time = TimeField("评标开始时间", validators=[required("评标开始时间")], default=time(9, 0),
                           description="原则上安排在上午。")
    duration_minutes = SelectField("预计时长", coerce=int, choices=DURATION_CHOICES, default=DEFAULT_DURATION)
    committee_size = AsciiIntegerField("评标委员会人数", default=5,
                                  validators=[required("评标委员会人数"),
                                              NumberRange(1, MAX_COMMITTEE, "评标委员会人数应在 5 至 49 人之间。")],
                                  description="5 人以上单数（含招标人代表）。")
    notes = TextAreaField("备注", validators=[optional(), length(500, label="备注")], filters=[strip_filter])


class GuestRowForm(Form):
    """One guest center asked: which, how many guest experts, their specialties. A row without a center is
    ignored, so its seat count is parsed here rather than by an IntegerField that would refuse a blank."""

    class Meta:
        locales = ["zh"]

    center_id = SelectField("客场交易中心", coerce=int_or_none, validate_choice=False)
    seats = StringField("客场专家人数（机位数）", filters=[strip_filter])
    specialty_ids = SelectMultipleField("专业条件（最多 5 个）", coerce=id_coerce, validate_choice=False)

    @property
    def seat_count(self) -> int | None:
        text = self.seats.data or ""
        return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None

    def validate_seats(self, field):
        if not self.center_id.data:
            return
        count = self.seat_count
        if count is None or count < 1:
            raise ValidationError("请填写申请机位数（至少 1 个，半角数字）。")
        if count > MAX_SEATS:
            raise ValidationError(f"一次最多申请 {MAX_SEATS} 个机位。")

    def validate_specialty_ids(self, field):
        if len(field.data or []) > 5:
            raise ValidationError("专业条件最多选择 5 个。")


class RequestForm(_Timing, PortalForm):
    guests = FieldList(FormField(GuestRowForm), min_entries=GUEST_ROWS, max_entries=GUEST_ROWS)

    def asked(self) -> list:
        """The filled guest rows (a row without a center is ignored)."""
        return [row.form for row in self.guests if row.center_id.data]

    def validate_guests(self, field):
        if not self.asked():
            raise ValidationError("请至少选择一个客场交易中心并填写机位数。")


class EditForm(_Timing, VersionForm):
    seats_requested = AsciiIntegerField("客场专家人数（机位数）",
                                   validators=[required("机位数"), NumberRange(1, MAX_SEATS, "申请机位数应在 1 至 50 个之间。")])
    specialty_ids = SelectMultipleField("专业条件（最多 5 个）", coerce=id_coerce, validate_choice=False)
    # Not "reason": the request's own reason column (the guest's last note) must not prefill it.
    change_reason = StringField("变更原因", validators=[optional(), length(200, label="变更原因")],
                                filters=[strip_filter],
                                description="已接受的预订变更日期、时间或机位数请使用“场地变更”。")

    def validate_specialty_ids(self, field):
        if len(field.data or []) > 5:
            raise ValidationError("专业条件最多选择 5 个。")


class ChangeForm(VersionForm):
    """A change request (场地变更) of an accepted booking: the new timing and seats, and why."""

    evaluation_date = DateField("变更后的评标日期", validators=[required("评标日期"), _year_in_range])
    start_time = TimeField("变更后的开始时间", validators=[required("开始时间")])
    duration_minutes = SelectField("预计时长", coerce=int, choices=DURATION_CHOICES, default=DEFAULT_DURATION)
    seats_requested = AsciiIntegerField("变更后的客场机位数",
                                        validators=[required("机位数"),
                                                    NumberRange(1, MAX_SEATS, "申请机位数应在 1 至 50 个之间。")])
    reason = TextAreaField("变更原因", validators=[required("变更原因"), length(500, label="变更原因")],
                           filters=[strip_filter])


class AnswerChangeForm(VersionForm):
    """The guest side's answer to a change: workstations for the new time, the agreement to a late change."""

    change_id = HiddenField()
    workstation_ids = CheckboxListField("分配工位（变更后的时段）", coerce=id_coerce, validate_choice=False)
    agreed_late = BooleanField("同意在申请期限内变更（记录在案）")
    note = TextAreaField("说明", validators=[optional(), length(500, label="说明")], filters=[strip_filter])
    reason = TextAreaField("拒绝原因", validators=[optional(), length(500, label="拒绝原因")], filters=[strip_filter])

    @property
    def shown_change(self) -> int | None:
        return version_number(self.change_id.data)


class ReasonForm(VersionForm):
    """Withdraw, reject, cancel: with a reason."""

    reason = TextAreaField("原因", validators=[optional(), length(500, label="原因")], filters=[strip_filter])


class AcceptForm(VersionForm):
    workstation_ids = CheckboxListField("分配工位", coerce=id_coerce, validate_choice=False)
    reason = TextAreaField("说明", validators=[optional(), length(500, label="说明")], filters=[strip_filter],
                           description="部分接受时请说明原因，如：当日仅有 3 个空闲跨省评标工位。")


def _money(field) -> Decimal | None:
    """A yuan amount typed in a field (半角, at most 2 decimals), or None when left empty."""
    if not field.data:
        return None
    text = str(field.data).replace("元", "").strip()
    if not text.isascii():
        raise ValidationError("请用半角数字填写金额，如 60 或 60.50。")
    if not MONEY.fullmatch(text):
        raise ValidationError("金额应为 0 至 99999.99 之间、最多两位小数的数字，如 60 或 60.50。")
    return Decimal(text)


class FeesForm(PortalForm):
    meal_fee_yuan = StringField("客场就餐费用标准（元/人）", validators=[optional()], filters=[strip_filter],
                                description="如 60；不提供就餐的填 0。招标人或代理机构随专家劳务费一并支付。")
    expert_fee_base_yuan = StringField("专家劳务费：基本标准（元/人）", validators=[optional()],
                                       filters=[strip_filter], description="如 800：评审时长在下面的小时数以内时每人的劳务费。")
    expert_fee_base_hours = AsciiIntegerField("基本标准包含的小时数", default=4,
                                              validators=[NumberRange(1, 24, "小时数应在 1 至 24 之间。")])
    expert_fee_extra_hour_yuan = StringField("超过部分每小时（元/人）", validators=[optional()], filters=[strip_filter],
                                             description="不足一小时按一小时计；不另计的留空。")
    expert_fee_cap_yuan = StringField("每天最高（元/人）", validators=[optional()], filters=[strip_filter],
                                      description="没有上限的留空。")
    expert_fee_note = TextAreaField("劳务费标准说明", validators=[optional(), length(2000, label="劳务费标准说明")],
                                    filters=[strip_filter],
                                    description="依据的文件名称及其他说明，如：按《吉林省评标专家劳务费标准》执行。")
    amounts: dict[str, Decimal | None]   # the parsed amounts, set by validation

    def validate(self, extra_validators=None):
        self.amounts = {}
        ok = super().validate(extra_validators)
        for name in ("meal_fee_yuan", "expert_fee_base_yuan", "expert_fee_extra_hour_yuan", "expert_fee_cap_yuan"):
            field = getattr(self, name)
            try:
                self.amounts[name] = _money(field)
            except ValidationError as error:
                field.errors = list(field.errors) + [str(error)]
                ok = False
        if ok and self.amounts["expert_fee_base_yuan"] is None and (
                self.amounts["expert_fee_extra_hour_yuan"] is not None or self.amounts["expert_fee_cap_yuan"] is not None):
            self.expert_fee_base_yuan.errors = ["请先填写基本标准，再填写超过部分或每天最高金额。"]
            ok = False
        cap, base = self.amounts.get("expert_fee_cap_yuan"), self.amounts.get("expert_fee_base_yuan")
        if ok and cap is not None and base is not None and cap < base:
            self.expert_fee_cap_yuan.errors = ["每天最高金额不能低于基本标准。"]
            ok = False
        return ok

    @property
    def meal_fee(self) -> Decimal | None:
        return self.amounts.get("meal_fee_yuan")


class FeedForm(PortalForm):
    label = StringField("用途说明", validators=[required("用途说明"), length(60, label="用途说明")],
                        filters=[strip_filter], description="如：值班室 Outlook 日历。")


class InboundForm(_Timing, PortalForm):
    """A request received from another province's main venue (跨省副场), registered by the guest center."""

    main_center_id = SelectField("发来申请的外省主场交易中心", coerce=int_or_none, validate_choice=False,
                                 validators=[required("主场交易中心")],
                                 description="合作方交易中心未列出的，请省级管理员在“交易中心”中登记。")
    partner_reference = StringField("合作方申请编号", validators=[optional(), length(60, label="合作方申请编号")],
                                    filters=[strip_filter], description="合作方系统或来函中的申请编号，选填。")
    partner_contact = StringField("主场联系人及电话", validators=[required("主场联系人及电话"),
                                                          length(200, label="主场联系人及电话")],
                                  filters=[strip_filter], description="如：黄冈市公共资源交易中心 王某 0713-8888888。")
    project_name = StringField("项目名称", validators=[required("项目名称"), length(200, label="项目名称")],
                               filters=[strip_filter])
    project_code = StringField("项目编号", validators=[required("项目编号"), length(50, label="项目编号")],
                               filters=[strip_filter], description="按合作方提供的编号填写。")
    tenderee = StringField("招标人", validators=[required("招标人"), length(200, label="招标人")],
                           filters=[strip_filter], description="抽取客场专家时回避招标人的人员。")
    agency = StringField("招标代理机构", validators=[optional(), length(200, label="招标代理机构")],
                         filters=[strip_filter])
    section_name = StringField("标段（包）名称", validators=[required("标段名称"), length(200, label="标段名称")],
                               filters=[strip_filter])
    section_code = StringField("标段（包）编号", validators=[required("标段编号"), length(50, label="标段编号")],
                               filters=[strip_filter])
    category = SelectField("类别", choices=[(c.value, text) for c, text in CATEGORY_LABELS.items()],
                           validators=[required("类别")])
    budget_wan = StringField("预算金额或合同估算价（万元）", validators=[required("预算金额或合同估算价")],
                             filters=[strip_filter], description="按合作方提供的填写，计入本地区月报的副场预算金额。")
    seats = AsciiIntegerField("本中心客场专家人数（机位数）",
                              validators=[required("客场专家人数"), NumberRange(1, MAX_SEATS, "机位数应在 1 至 50 个之间。")])
    specialty_ids = SelectMultipleField("客场专家的专业条件（最多 5 个）", coerce=id_coerce, validate_choice=False)

    def validate_budget_wan(self, field):
        try:
            amount = parse_amount(field.data)
        except AmountError as error:
            raise ValidationError(str(error)) from None
        if amount is None:
            raise ValidationError("请填写预算金额或合同估算价。")
        self.budget = amount

    def validate_specialty_ids(self, field):
        if len(field.data or []) > 5:
            raise ValidationError("专业条件最多选择 5 个。")
