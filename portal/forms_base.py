"""Shared form pieces: Chinese messages for the validators every form uses."""
import re
from dataclasses import dataclass
import unicodedata
from datetime import UTC
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, IntegerField, SelectMultipleField, ValidationError
from wtforms.validators import DataRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from .models_base import valid_id

CHINA = ZoneInfo("Asia/Shanghai")
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
    """SelectField coercion for ids: '' (no choice), or a number no id can have, is None."""
    return valid_id(value)


def id_coerce(value):
    """SelectMultipleField coercion for ids: refuses (ValueError) what cannot be a stored id."""
    number = valid_id(value)
    if number is None:
        raise ValueError("not an id")
    return number


class AsciiIntegerField(IntegerField):
    """An integer typed with ASCII digits only (全角数字 are refused with a Chinese message)."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] and not (valuelist[0].strip().lstrip("-").isascii()
                                               and valuelist[0].strip().lstrip("-").isdigit()
                                               and len(valuelist[0].strip()) <= 6):
            self.data = None
            raise ValueError("请用半角数字填写整数。")
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        # Stop here so that a "required" validator does not replace the message about the digits.
        if self.process_errors:
            raise StopValidation()


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """Base form: WTForms' own messages (e.g. "not a valid choice") in Chinese."""

    class Meta:
        locales = ["zh"]

    def hidden_tag(self, *fields):
        """The form's hidden fields without id attributes: a page holds several forms, each with its
        csrf_token and version, and an id must be unique on the page (hidden inputs have no label to point)."""
        wanted = [getattr(self, f, None) if isinstance(f, str) else f for f in (fields or self)]
        return Markup("\n").join(f(id=False) for f in wanted if f is not None and isinstance(f.widget, HiddenInput))


class ActionForm(PortalForm):
    """A button that posts: only the CSRF token."""


def version_number(value) -> int | None:
    """The version a page showed (a hidden field); anything else is None, which counts as stale."""
    return valid_id(value)


class VersionForm(PortalForm):
    """A button or form acting on a versioned record: the CSRF token and the version the page showed.

    A service compares the version with the stored one, so a stale page (another person acted meanwhile)
    is told instead of overwriting.
    """

    version = HiddenField()

    @property
    def shown_version(self) -> int | None:
        return version_number(self.version.data)


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (no "hold Ctrl" multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def plain_line(form, field):
    """A one-line text: control characters (other than the usual whitespace) are refused."""
    if field.data and any(unicodedata.category(ch) == "Cc" for ch in field.data):
        raise ValidationError("不能包含控制字符或换行。")


def china_to_utc(value):
    """A naive date-time typed in China time (datetime-local input) as an aware UTC datetime."""
    return value.replace(tzinfo=CHINA).astimezone(UTC) if value else None


def plausible_time(form, field):
    if field.data and not 2000 <= field.data.year <= 2099:
        raise ValidationError("时间应在 2000 年至 2099 年之间。")


def no_control_characters(form, field):
    """A multi-line text: tabs and line breaks allowed, other control characters refused (XML, PostgreSQL)."""
    if field.data and any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in field.data):
        raise ValidationError("不能包含控制字符。")


@dataclass(frozen=True)
class PickerItem:
    value: str
    code: str
    name: str
    level: int          # 1 category (A), 2 specialty (A01), 3 sub-specialty (A0101)
    checked: bool


@dataclass(frozen=True)
class PickerGroup:
    legend: str         # the category, e.g. "A 工程类"
    items: tuple


def specialty_groups(choices, selected=()) -> list[PickerGroup]:
    """Specialty choices ((id, "A0101 土建施工"), in code order, perhaps indented) grouped by their category
    (the code's first letter) for the picker: each group's legend is its category's label when the category is
    itself a choice, else the letter."""
    chosen = {str(v) for v in (selected or ())}
    groups: dict[str, list[PickerItem]] = {}
    legends: dict[str, str] = {}
    for value, label in choices:
        text = str(label).strip("\u3000 ")
        code, _, name = text.partition(" ")
        letter = code[:1] or "?"
        level = {1: 1, 3: 2}.get(len(code), 3)
        if level == 1:
            legends[letter] = text
        groups.setdefault(letter, []).append(PickerItem(str(value), code, name.strip(), level, str(value) in chosen))
    return [PickerGroup(legends.get(letter, letter), tuple(items)) for letter, items in groups.items()]
