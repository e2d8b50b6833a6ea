"""Login, password and account forms."""
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField, ValidationError
from wtforms.validators import InputRequired, NumberRange

from ..forms_base import PortalForm, int_or_none, length, optional, phone_number, required, strip_filter
from .models import ADMINISTRATION_ROLES, ROLE_LABELS, Role
from .rules import MIN_PASSWORD_LENGTH, USERNAME_RE, password_problems


class LoginForm(PortalForm):
    username = StringField("用户名", validators=[required("用户名"), length(40)],
                           filters=[strip_filter])
    password = PasswordField("密码", validators=[required("密码"), length(128)])


class ConfirmForm(PortalForm):
    password = PasswordField("密码", validators=[required("密码"), length(128)])


class PasswordChangeForm(PortalForm):
    current_password = PasswordField("当前密码", validators=[required("当前密码")])
    new_password = PasswordField("新密码", validators=[required("新密码")])
    confirm = PasswordField("再次输入新密码", validators=[required("确认密码")])

    min_length = MIN_PASSWORD_LENGTH      # the view passes the security admin's (安全设置)

    def __init__(self, username: str = "", *args, min_length: int = MIN_PASSWORD_LENGTH, **kwargs):
        super().__init__(*args, **kwargs)
        self._username = username
        self.min_length = min_length

    def validate_new_password(self, field):
        problems = password_problems(field.data or "", self._username, self.min_length)
        if problems:
            raise ValidationError(" ".join(problems))

    def validate_confirm(self, field):
        if field.data != self.new_password.data:
            raise ValidationError("两次输入的新密码不一致。")


class UserForm(PortalForm):
    min_length = MIN_PASSWORD_LENGTH      # the view sets the security admin's (安全设置)
    username = StringField("用户名", validators=[required("用户名")], filters=[strip_filter],
                           description="3–40 位字母、数字、点、横线或下划线，以字母或数字开头。")
    display_name = StringField("姓名", validators=[required("姓名"), length(40, label="姓名")],
                               filters=[strip_filter])
    # The three administration roles are given by `flask create-admin` only (models.ADMINISTRATION_ROLES).
    role = SelectField("角色", choices=[(r.value, ROLE_LABELS[r]) for r in Role if r not in ADMINISTRATION_ROLES],
                       validators=[required("角色")])
    # No Optional() here: it would stop the role-dependent checks below.
    region_id = SelectField("所属地区", coerce=int_or_none)
    center_id = SelectField("所属交易中心", coerce=int_or_none)
    organisation = StringField("单位", validators=[optional(), length(80, label="单位")],
                               filters=[strip_filter])
    phone = StringField("联系电话", validators=[optional(), phone_number], filters=[strip_filter])
    active = BooleanField("账号启用", default=True)
    password = PasswordField("初始密码", description="新建账号时必填；修改账号时留空表示不变。")
    reset_two_factor = BooleanField("重置双因素认证", description="手机丢失且恢复码用完时勾选：原验证器和恢复码作废，"
                                                           "本人下次登录后重新绑定（角色要求时必须绑定）。")

    def validate_username(self, field):
        if not USERNAME_RE.match(field.data or ""):
            raise ValidationError("用户名须为 3–40 位字母、数字、点、横线或下划线，以字母或数字开头。")

    def _role(self) -> Role | None:
        try:
            return Role(self.role.data)
        except ValueError:
            return None

    def validate_region_id(self, field):
        role = self._role()
        if role and role.needs_region and not field.data:
            raise ValidationError("该角色必须选择所属地区。")

    def validate_center_id(self, field):
        role = self._role()
        if role and role.needs_center and not field.data:
            raise ValidationError("交易中心工作人员必须选择所属交易中心。")

    def validate_password(self, field):
        if field.data:
            problems = password_problems(field.data, self.username.data or "", self.min_length)
            if problems:
                raise ValidationError(" ".join(problems))


class CodeForm(PortalForm):
    """The second login step, and the first code that confirms an enrolment."""
    code = StringField("动态口令或恢复码", validators=[required("动态口令"), length(40)], filters=[strip_filter],
                       description="手机验证器应用中显示的 6 位数字；手机不在身边时，可输入一个恢复码。")


def policy_form_class():
    """The security admin's settings: per role, two factors required and the password's maximum age."""
    fields = {}
    for role in Role:
        fields[f"tf_{role.value}"] = BooleanField(f"{ROLE_LABELS[role]}：必须使用双因素认证")
        fields[f"age_{role.value}"] = IntegerField(
            f"{ROLE_LABELS[role]}：密码有效期（天）", validators=[optional(), NumberRange(1, 3650, "应为 1–3650 天。")],
            description="留空表示不限。")
    return type("PolicyForm", (PortalForm,), fields)


def _number(label: str, description: str = "") -> IntegerField:
    return IntegerField(label, validators=[InputRequired(f"请填写{label}。")], description=description)


class ThresholdsForm(PortalForm):
    """The security admin's numbers of the password rule and the login lockout (ranges: rules.THRESHOLD_LIMITS)."""
    min_password_length = _number("密码最短长度（字符）", "8–64")
    free_failures = _number("同一账号在同一地址连续失败几次后锁定", "3–10 次")
    first_lock_seconds = _number("首次锁定时长（秒）", "10–600 秒；此后每次失败翻倍")
    max_lock_minutes = _number("最长锁定时长（分钟）", "1–1440 分钟")
    address_free_failures = _number("同一地址失败几次后锁定该地址", "10–200 次，不论用户名")
