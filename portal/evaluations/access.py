"""Record-level rules of the evaluation day (who acts as which venue, who sees names, clues, files, seeds,
fees, which deadlines): the one place of this feature that compares roles.

Pure: no Flask, no database. `user` is anything with .id, .role, .center_id and .region_id; an evaluation is
passed with its venues (and their centers) already loaded, other records as plain facts. The permission
table (`portal.auth.permissions`) says which records a role reaches at all; these rules narrow it inside
one evaluation. The views' loader (`views/common.py`) applies them, so that no view re-types a check.
"""
import enum
from dataclasses import dataclass

from ..auth.models import Role

# Those who oversee a region's evaluations and read its records without acting for a venue.
OVERSEERS = frozenset({Role.SUPERVISOR, Role.PREFECTURE_ADMIN, Role.PROVINCE_ADMIN})


def _staff(user) -> bool:
    return user.role is Role.CENTER_STAFF and bool(user.center_id)


# --- venues ----------------------------------------------------------------------------------------------------

def acting_venue_ids(user, evaluation) -> set[int]:
    """The venues `user` runs (draws, signs in, ticks duties for): the own center's venue; the main venue's
    staff also run a guest venue of another province (外省客场), whose staff have no account here."""
    if not _staff(user):
        return set()
    ids = set()
    for venue in evaluation.venues:
        if venue.center_id == user.center_id:
            ids.add(venue.id)
        elif evaluation.main_center_id == user.center_id and venue.center.region_id is None:
            ids.add(venue.id)
    return ids


def hosts_inbound(user, evaluation) -> bool:
    """Staff of a guest venue of another province's evaluation (inbound, 跨省副场): its main venue has no staff
    here, so they record what the main venue decides (the committee as fixed, the end instruction, receipt)."""
    main = next((v for v in evaluation.venues if v.is_main), None)
    return (_staff(user) and main is not None and main.center.region_id is None
            and any(v.center_id == user.center_id and not v.is_main for v in evaluation.venues))


def is_main_staff(user, evaluation) -> bool:
    """Staff of the main venue (主场): they fix the committee, end the evaluation, receive the hand-over; for
    another province's evaluation, the staff of the venue here who record it for the main venue."""
    return _staff(user) and (user.center_id == evaluation.main_center_id or hosts_inbound(user, evaluation))


def in_venues(user, evaluation) -> bool:
    """Staff of one of the evaluation's centers (main or guest)."""
    return _staff(user) and any(v.center_id == user.center_id for v in evaluation.venues)


def may_fix_committee(user, main_center_id: int | None, host_center_id: int | None = None) -> bool:
    """The committee of a section is fixed by the staff of its main center; another province's section hosted
    here (`host_center_id`: its project's host) is recorded by the host's staff."""
    return _staff(user) and user.center_id in (main_center_id, host_center_id)


def committee_center(user) -> int | None:
    """The center whose sections waiting for a committee `user` is shown (center staff: their own)."""
    return user.center_id if _staff(user) else None


# --- what is seen -----------------------------------------------------------------------------------------------

def may_see_names(user, evaluation, venue_id: int) -> bool:
    """Drawn names: the drawing venue's staff; supervisors of the region once the winner is determined."""
    if venue_id in acting_venue_ids(user, evaluation):
        return True
    return bool(evaluation.winner_determined_on) and user.role is Role.SUPERVISOR


def may_print_committee(user, evaluation) -> bool:
    """The whole committee's names, as published with the winner: after the winner is determined, the main
    venue's staff and supervisors (of the evaluation's region: the loader's scope)."""
    if not evaluation.winner_determined_on:
        return False
    return is_main_staff(user, evaluation) or user.role is Role.SUPERVISOR


def may_approve(user, project_region_id: int | None, main_region_id: int | None) -> bool:
    """A further replacement of a seat replaced twice: the supervisors of the project's (or the main venue's)
    region."""
    return user.role is Role.SUPERVISOR and user.region_id is not None \
        and user.region_id in (project_region_id, main_region_id)


def may_see_draws(user, evaluation, audit_right: bool) -> bool:
    """The draw records (抽取记录): those with the audit right (复核) and the venues' staff."""
    return audit_right or bool(acting_venue_ids(user, evaluation))


def may_verify(user, evaluation, venue_id: int, audit_right: bool) -> bool:
    """Re-running a stored draw: those with the audit right, or the drawing venue's staff."""
    return audit_right or venue_id in acting_venue_ids(user, evaluation)


def may_see_seed(user, evaluation, venue_id: int) -> bool:
    """The seed with the pool's ids would name the members: before the winner, only the drawing venue sees it."""
    return bool(evaluation.winner_determined_on) or venue_id in acting_venue_ids(user, evaluation)


def may_see_clues(user, evaluation) -> bool:
    """Whether the clues section shows at all: the venues' staff (to file or read) and supervisors."""
    return user.role is Role.SUPERVISOR or in_venues(user, evaluation)


def may_read_clue(user, evaluation, clue_venue_id: int) -> bool:
    """One clue: the main venue, the guest venue that filed it, and supervisors; not the other guest venues."""
    if user.role is Role.SUPERVISOR or is_main_staff(user, evaluation):
        return True
    return clue_venue_id in acting_venue_ids(user, evaluation)


def may_open_file(user, evaluation, clue_venue_id: int | None = None, handover: bool = False) -> bool:
    """An attachment: a clue's file as the clue itself; a hand-over file the venues' staff and supervisors."""
    if clue_venue_id is not None and not may_read_clue(user, evaluation, clue_venue_id):
        return False
    if handover and not (in_venues(user, evaluation) or user.role is Role.SUPERVISOR):
        return False
    return True


def may_see_fees(user, evaluation) -> bool:
    """Fees and payments: the venues' staff, the agent who pays, and those who oversee the region."""
    return (bool(acting_venue_ids(user, evaluation)) or user.role is Role.AGENT
            or user.role in OVERSEERS)


def may_pay(user, agent_id: int | None) -> bool:
    """Payment is confirmed by the project's agent (`agent_id`: the section's project owner)."""
    return user.role is Role.AGENT and agent_id is not None and user.id == agent_id


def may_record_payment(user, evaluation, agent_id: int | None) -> bool:
    """Who records a payment of the evaluation: its agent; for another province's evaluation hosted here, whose
    agent has no account here, the host venue's staff (its experts are paid by the host's standard)."""
    return hosts_inbound(user, evaluation) or may_pay(user, agent_id)


# --- the deadlines board -----------------------------------------------------------------------------------------

class DueView(enum.Enum):
    """What kind of deadlines board a user gets."""

    NONE = "none"                  # no deadlines of the evaluation day
    CENTER = "center"              # center staff: the own center's open items, main or guest side
    OWN = "own"                    # an agent: the open items of the sections the agent registered
    REGION_OVERDUE = "region"      # an overseer of one region: its overdue items
    ALL_OVERDUE = "all"            # the province: every region's overdue items


@dataclass(frozen=True)
class DueReach:
    """The board a user sees, with the one id it is narrowed by (center, agent or region)."""

    view: DueView
    center_id: int | None = None
    owner_id: int | None = None
    region_id: int | None = None

    @property
    def overdue_only(self) -> bool:
        """Overseers see only what is late; a late draft is simply never filed, so they see no drafts."""
        return self.view in (DueView.REGION_OVERDUE, DueView.ALL_OVERDUE)


def due_reach(user) -> DueReach:
    """Which deadlines `user` sees: own open items for staff and agents, the region's overdue ones above."""
    if user.role is Role.CENTER_STAFF:
        return DueReach(DueView.CENTER, center_id=user.center_id)
    if user.role is Role.AGENT:
        return DueReach(DueView.OWN, owner_id=user.id)
    if user.role is Role.PROVINCE_ADMIN:
        return DueReach(DueView.ALL_OVERDUE)
    if user.role in OVERSEERS:
        return DueReach(DueView.REGION_OVERDUE, region_id=user.region_id)
    return DueReach(DueView.NONE)
