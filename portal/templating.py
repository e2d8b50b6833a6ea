"""Template filters and globals: China time, yes/no, permission checks, list URLs."""
from .audit.services import ACTION_LABELS, FIELD_LABELS, OBJECT_LABELS
from .auth.models import ROLE_LABELS
from .auth.permissions import can
from .auth.rules import browser_label
from .forms_base import specialty_groups
from .clock import CHINA, china_today, local_midnight_utc, to_china  # noqa: F401 (re-exported for now)
from .listing import url_with
from .partners.rules import listed_name
from .projects.rules import wan


def init_app(app):
    @app.template_filter("china_time")
    def china_time(value, fmt="%Y-%m-%d %H:%M"):
        value = to_china(value)
        return value.strftime(fmt) if value else ""

    @app.template_filter("iso_china")
    def iso_china(value):
        """A stored time for a `datetime` attribute: China time with its offset (+08:00), as the text shows it."""
        value = to_china(value)
        return value.isoformat(timespec="seconds") if value else ""

    @app.template_filter("yesno")
    def yesno(value, yes="是", no="否"):
        return yes if value else no

    @app.template_filter("wan")
    def wan_filter(value):
        """An amount in 万元 without trailing zeros; '—' when absent."""
        return "—" if value is None else wan(value)

    @app.template_filter("browser_label")
    def browser_label_filter(user_agent):
        return browser_label(user_agent)

    @app.template_filter("listed_name")
    def listed_name_filter(center):
        """A center (anything with name and alias) as the partners pages list it, with the Hubei plan's name."""
        return listed_name(center.name, getattr(center, "alias", None))

    @app.template_filter("field_label")
    def field_label(name):
        return FIELD_LABELS.get(name, name)

    # Globals rather than a context processor, so that imported macros see them too.
    app.jinja_env.globals.update(
        can=can, url_with=url_with, role_labels=ROLE_LABELS, specialty_groups=specialty_groups,
        audit_action_label=lambda action: ACTION_LABELS.get(action, action),
        audit_object_label=lambda kind: OBJECT_LABELS.get(kind, kind),
    )
