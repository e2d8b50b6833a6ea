"""What higher features hold of a section (its guest-seat requests and bookings, its evaluation), so that the
section cannot drift from them (issue 22 item 4).

Projects sits below bookings and evaluations and imports neither: each registers here, at import time, a
function `hold(section id) -> SectionHold or None`, and saving a section asks them all.
"""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SectionHold:
    """Why a section's evaluation date, start time and main center are fixed (reason, in Chinese), whether its
    evaluation has ended (then its price, category and prequalification are frozen too), and the guest
    centers to tell when its scope facts change, each with the link to its request (they do not see the
    section's own page)."""

    reason: str
    ended: bool = False
    guests: tuple[tuple[int, str], ...] = ()
    cross_province: bool = False     # a live request to another province's center (no prequalification then)


section_holds: list[Callable[[int], SectionHold | None]] = []


def holds_of(section_id: int | None) -> list[SectionHold]:
    """Every registered hold on the section (none for a section not yet saved)."""
    if section_id is None:
        return []
    return [hold for ask in section_holds if (hold := ask(section_id)) is not None]
