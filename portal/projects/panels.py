"""Parts of a section's page that higher features add (its guest-seat requests, the way to the evaluation day).

Projects sits below bookings and evaluations and imports neither: each registers a function here at import
time, and the section page's view calls them in order and shows what they render.
"""
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class SectionView:
    """What a panel is given: the section shown and whether the viewer registered its project."""

    section: object
    owner: bool


Panel = Callable[[SectionView], str | None]
_PANELS: list[tuple[int, Panel]] = []


def section_panel(order: int):
    """Register `render(view) -> HTML or None` for the section page; lower `order` first."""

    def decorator(render: Panel) -> Panel:
        _PANELS.append((order, render))
        _PANELS.sort(key=lambda item: item[0])
        return render

    return decorator


def section_panels(view: SectionView) -> list[Markup]:
    """The rendered panels for one section page, in order (a panel with nothing to show gives None).

    Each panel is the output of `render_template` (autoescaped Jinja), so it is marked safe as a whole."""
    return [Markup(html) for _, render in _PANELS if (html := render(view))]  # nosec B704
