"""The e-mail preferences form: an address and, per kind of notification, immediate, daily digest or none."""
from wtforms import RadioField, StringField, ValidationError

from ..forms_base import PortalForm, plain_line, strip_filter
from . import rules
from .rules import Mode

MODE_CHOICES = [(m.value, m.label) for m in Mode]


def _address(form, field):
    problem = rules.address_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class PreferencesForm(PortalForm):
    address = StringField("接收邮箱", validators=[plain_line, _address], filters=[strip_filter],
                          description="不填写则不发送邮件，只有站内通知。")

    def mode_fields(self):
        """(kind, its field) in the order of rules.KINDS."""
        return [(kind, self[f"mode_{kind}"]) for kind in rules.KINDS]

    def modes(self) -> dict[str, Mode]:
        return {kind: Mode(field.data) for kind, field in self.mode_fields()}


for _kind, (_label, _hint, _default) in rules.KINDS.items():
    setattr(PreferencesForm, f"mode_{_kind}",
            RadioField(_label, choices=MODE_CHOICES, default=_default.value, description=_hint,
                       validate_choice=True))
