"""Forms of the calendar page: overrides, announced years, the deadline setting."""
from wtforms import BooleanField, DateField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from ..forms_base import PortalForm, length, optional, required, strip_filter


class OverrideForm(PortalForm):
    day = DateField("日期", validators=[required("日期")])
    working = RadioField("调整为", choices=[("off", "放假（休息）"), ("work", "调休上班")], default="off",
                         validators=[required("调整方式")])
    note = StringField("节日名称", validators=[optional(), length(100, label="节日名称")], filters=[strip_filter],
                       description="如：春节、国庆节；可不填。")
    notice = StringField("依据的通知", validators=[required("依据的通知"), length(200, label="依据的通知")],
                         filters=[strip_filter], description="如：国务院办公厅关于2027年部分节假日安排的通知")


class AnnounceYearForm(PortalForm):
    year = IntegerField("年份", validators=[InputRequired("请填写年份。"), NumberRange(2000, 2099, "年份应在 2000 至 2099 之间。")])
    # Its own id: the override form beside it on the calendar page has a "notice" field too.
    notice = StringField("依据的通知", validators=[required("依据的通知"), length(200, label="依据的通知")],
                         filters=[strip_filter], id="announce-notice")


class DeadlineSettingForm(PortalForm):
    lead_working_days = IntegerField(
        "提前工作日数", validators=[InputRequired("请填写提前工作日数。"), NumberRange(1, 20, "应为 1 到 20 之间的整数。")],
        description="客场机位申请最迟在评标开始前多少个工作日提交（通知规定为 3 个）。")
    count_evaluation_day = BooleanField("评标当日计入工作日数",
                                        description="默认不计入：周四上午评标，最迟周一提交。")


class NoticeForm(PortalForm):
    """The text of 国务院办公厅关于 XXXX 年部分节假日安排的通知, pasted for the year shown."""

    year = IntegerField("年份", validators=[InputRequired("请填写年份。"), NumberRange(2000, 2099, "年份应在 2000 至 2099 之间。")])
    text = TextAreaField("通知全文", validators=[required("通知全文"), length(20000, label="通知全文")],
                         description="从中国政府网复制“国务院办公厅关于 XXXX 年部分节假日安排的通知”全文粘贴到这里，"
                                     "先识别核对，确认后保存。")
