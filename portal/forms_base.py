"""Shared form pieces: Chinese messages for the validators every form uses."""
import re

from flask_wtf import FlaskForm
from wtforms import ValidationError
from wtforms.validators import DataRequired, Length, Optional

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$")


def required(label: str = "此项"):
    return DataRequired(message=f"请填写{label}。")


def length(max_: int, min_: int = -1, label: str = ""):
    if min_ > 0:
        return Length(min=min_, max=max_, message=f"{label}长度应在 {min_} 到 {max_} 个字符之间。")
    return Length(max=max_, message=f"{label}最多 {max_} 个字符。")


def optional():
    return Optional()


def phone_number(form, field):
    """Mobile (11 digits) or landline (区号-号码, optional extension)."""
    value = (field.data or "").strip().replace(" ", "")
    if value and not PHONE_RE.match(value):
        raise ValidationError("电话号码格式不正确：手机号为 11 位数字，固定电话如 0431-88906210。")
    field.data = value


def int_or_none(value):
    """SelectField coercion for ids: '' (no choice) is None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """Base form: WTForms' own messages (e.g. "not a valid choice") in Chinese."""

    class Meta:
        locales = ["zh"]
