"""The guest centers' eligible experts (可抽取专家数) for a request's specialties, before anything is booked:
counted as the guest venue's draw will count them, after the avoidance rules known at filing time.

Every page asks for all its centers or requests at once: one grouped query (portal.experts.services.pool_rows)
whatever their number.
"""
from dataclasses import dataclass
from datetime import date
from collections.abc import Hashable

from ...experts.rules import PoolAsk, eligible_count, expert_shortages
from ...experts.services import pool_rows
from ...orgs.models import TradingCenter


@dataclass(frozen=True)
class PoolQuestion:
    """One guest venue's question: its pool (None: another province's pool, not in this portal), the asked
    specialty codes ("" when none were asked: any specialty) and the guest seats."""

    key: Hashable
    ask: PoolAsk | None
    codes: tuple[str, ...]
    seats: int


def pool_ask(guest: TradingCenter, main_region_id: int | None, day: date, tenderee: str) -> PoolAsk | None:
    """The guest center's pool for an evaluation of the main center's region on `day` (portal rule 4.2:
    another region's venue draws only experts shared province-wide or across provinces; for a main venue of
    another province, `main_region_id` None, only those shared across provinces)."""
    if guest.region_id is None:
        return None
    return PoolAsk(region_id=guest.region_id, shared_only=guest.region_id != main_region_id, day=day,
                   avoid_employers=(tenderee,) if tenderee else (), cross_province=main_region_id is None)


def eligible(questions: list[PoolQuestion]) -> dict[Hashable, dict[str, int] | None]:
    """{key: {code: eligible experts}} in the asked order, None for a pool not in this portal; one query."""
    asked = [q for q in questions if q.ask is not None]
    by_pool: dict[tuple[str, int], list] = {}
    for row in pool_rows([q.ask.region_id for q in asked], [c for q in asked for c in (q.codes or ("",))]):
        by_pool.setdefault((row.code, row.region_id), []).append(row)
    return {q.key: ({c: eligible_count(by_pool.get((c, q.ask.region_id), []), q.ask, c)
                     for c in (q.codes or ("",))} if q.ask else None)
            for q in questions}


def shortage_text(center_name: str, counts: dict[str, int], seats: int, names: dict[str, str]) -> str | None:
    """Why a center cannot take `seats` guest experts of the asked specialties, or None when it can."""
    short = expert_shortages(counts, seats)
    if not short:
        return None
    parts = "；".join(f"“{names.get(s.code, s.code) if s.code else '全部专业'}”只有 {s.eligible} 人" for s in short)
    return (f"{center_name}符合条件的专家不足：{parts}（按抽取规则计：在库或暂停已期满、共享范围允许，已排除与招标人同一单位的专家），"
            f"少于申请的客场专家 {seats} 人。")


@dataclass(frozen=True)
class PoolLine:
    """One asked specialty of a request as its pages show it: 'A0101 土建施工：3 人', short or not."""

    label: str
    eligible: int
    short: bool


def for_requests(requests) -> dict[int, list[PoolLine] | None]:
    """{request id: a line per asked specialty} for requests loaded with request_options (one query)."""
    return _lines([_question(req.id, req, req.main_center.region_id, req.section.project.tenderee)
                   for req in requests])


def for_committee(main: TradingCenter, tenderee: str, requests) -> dict[str, list[PoolLine] | None]:
    """Fixing the committee, per venue ("main" or the request id as text): each guest venue's eligible experts
    for its request's specialties, and the main venue's for all of them (one query). `requests` are loaded
    with their guest center and specialties."""
    items = [_question(str(req.id), req, main.region_id, tenderee) for req in requests]
    if requests:
        names = {link.specialty.code: str(link.specialty) for req in requests for link in req.specialty_links}
        ask = pool_ask(main, main.region_id, requests[0].evaluation_date, tenderee)
        items.append((PoolQuestion("main", ask, tuple(names), 0), [names[c] for c in names] or ["全部专业"]))
    return _lines(items)


def _question(key, req, main_region_id: int | None, tenderee: str) -> tuple[PoolQuestion, list[str]]:
    """A request's question about its guest pool, and the labels of its asked specialties."""
    links = list(req.specialty_links)
    ask = pool_ask(req.guest_center, main_region_id, req.evaluation_date, tenderee)
    return (PoolQuestion(key, ask, tuple(link.specialty.code for link in links),
                         req.seats_accepted or req.seats_requested),
            [str(link.specialty) for link in links] or ["全部专业"])


def _lines(items: list[tuple[PoolQuestion, list[str]]]) -> dict:
    """{key: a PoolLine per asked specialty (short when fewer than the question's seats), or None}."""
    counts = eligible([q for q, _ in items])
    return {q.key: None if counts[q.key] is None else
            [PoolLine(text, n, n < q.seats) for text, n in zip(labels, counts[q.key].values())]
            for q, labels in items}
