"""The security admin's numbers of the password rule and the login lockout (安全设置: 密码与登录锁定): read by the
password forms and the login throttle, saved from /auth/security with an audit entry. Services flush and
audit; the view commits."""
from flask import g, has_app_context

from ..audit import services as audit
from ..extensions import db
from ..models_base import utcnow
from . import rules
from .models import SecurityThresholds

LABELS = {"min_password_length": "密码最短长度", "free_failures": "连续失败次数", "first_lock_seconds": "首次锁定秒数",
          "max_lock_seconds": "最长锁定秒数", "address_free_failures": "同一地址失败次数"}


class ThresholdsRefused(ValueError):
    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def current() -> rules.Thresholds:
    """The numbers in force: the saved row, or the defaults (read once per request)."""
    if has_app_context() and "security_thresholds" in g:
        return g.security_thresholds
    row = db.session.get(SecurityThresholds, 1)
    value = rules.Thresholds(*(getattr(row, name) for name in rules.Thresholds._fields)) if row else rules.Thresholds()
    if has_app_context():
        g.security_thresholds = value
    return value


def save(wanted: rules.Thresholds) -> bool:
    """Save the numbers (refused whole when one is out of range); audited. Whether anything changed."""
    problems = rules.thresholds_problems(wanted)
    if problems:
        raise ThresholdsRefused(problems)
    before = current()
    if before == wanted:
        return False
    row = db.session.get(SecurityThresholds, 1) or SecurityThresholds(id=1)
    db.session.add(row)
    for name, value in wanted._asdict().items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    db.session.flush()
    g.pop("security_thresholds", None)
    changed = [f"{LABELS[name]} {getattr(before, name)}→{value}" for name, value in wanted._asdict().items()
               if getattr(before, name) != value]
    audit.record("update", "security_thresholds", label="密码与登录锁定规则", before=dict(before._asdict()),
                 after=dict(wanted._asdict()), summary="；".join(changed))
    return True
