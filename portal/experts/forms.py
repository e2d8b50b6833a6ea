"""Forms of the expert pool: expert record, specialty, transfer, minimum."""
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, NumberRange

from ..forms_base import PortalForm, int_or_none, length, optional, phone_number, required, strip_filter
from .rules import ShareScope, Status


class ExpertForm(PortalForm):
    name = StringField("姓名", validators=[required("姓名"), length(30, label="姓名")], filters=[strip_filter],
                       description="少数民族姓名的各部分之间用间隔号“·”分隔，如：买买提·艾力。")
    id_number = StringField("身份证号码", validators=[required("身份证号码")], filters=[strip_filter],
                            description="18 位居民身份证号码，系统校验最后一位。")
    phone = StringField("手机号码", validators=[required("手机号码"), phone_number])
    employer = StringField("工作单位", validators=[required("工作单位"), length(100, label="工作单位")],
                           filters=[strip_filter])
    title = StringField("职称", validators=[optional(), length(40, label="职称")], filters=[strip_filter],
                        description="如：高级工程师")
    region_id = SelectField("所属地区", coerce=int_or_none, validate_choice=False,
                            description="市（州）管理员登记的专家属于本地区。")
    specialty_ids = SelectMultipleField("评标专业（最多 5 个）", coerce=int)   # the specialty picker
    share_scope = SelectField("共享范围", choices=[(s.value, s.label) for s in ShareScope],
                              default=ShareScope.PROVINCE.value)
    status = SelectField("状态", choices=[(s.value, s.label) for s in Status], default=Status.ACTIVE.value)
    suspended_reason = StringField("暂停原因", validators=[optional(), length(200, label="暂停原因")],
                                   filters=[strip_filter])
    suspended_until = DateField("暂停至", validators=[optional()], description="不填表示暂停至另行通知。")


class SpecialtyForm(PortalForm):
    code = StringField("专业代码", validators=[required("专业代码"), length(8, label="专业代码")],
                       filters=[strip_filter], description="门类如 A，专业如 A01，细分专业如 A0101。")
    name = StringField("专业名称", validators=[required("专业名称"), length(60, label="专业名称")],
                       filters=[strip_filter])
    active = BooleanField("启用", default=True)


class TransferForm(PortalForm):
    region_id = SelectField("转入地区", coerce=int_or_none, validators=[required("转入地区")])
    reason = StringField("转移原因", validators=[required("转移原因"), length(200, label="转移原因")],
                         filters=[strip_filter], description="如：工作调动至吉林市")


class MinimumForm(PortalForm):
    specialty_id = SelectField("专业", coerce=int_or_none, validators=[required("专业")])
    minimum = IntegerField("最低可用专家数", validators=[InputRequired("请填写最低可用专家数。"),
                                                       NumberRange(0, 100000, "应为 0 到 100000 之间的整数。")])


class ImportForm(PortalForm):
    file = FileField("专家信息表（.xlsx 或 .csv）", validators=[
        FileRequired("请选择要导入的文件。"),
        FileAllowed(["xlsx", "csv"], "只支持 .xlsx 或 .csv 文件。"),
    ])
    dry_run = BooleanField("仅校验，不导入", default=True,
                           description="先校验并查看将新增、更新多少名专家；确认无误后取消勾选再上传一次。")
