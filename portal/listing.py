"""Lists: page, sort and filter arguments read the same way on every list page."""
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, request
from sqlalchemy import func, select

from .extensions import db
from .models_base import MAX_ID

INTEGER_RE = re.compile(r"[+-]?[0-9]{1,12}", re.ASCII)


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def int_arg(name: str, default=None, low: int = 1, high: int = MAX_ID):
    """An integer query argument from `low` to `high` (by default a record id); anything else counts as absent.

    Only ASCII digits count: int() would also read "１２３" and "1_000", and a number no column can hold would
    overflow the database driver (a 500) instead of finding nothing."""
    raw = request.args.get(name, "").strip()
    if not INTEGER_RE.fullmatch(raw):
        return default
    number = int(raw)
    return number if low <= number <= high else default


def page_number() -> int:
    """The page asked for, 1 to 100,000 (a larger number is no page of any list here, not an error)."""
    return min(100_000, max(1, int_arg("page", 1) or 1))


def printing() -> bool:
    """The list's print view (?print=1): every row on one page, up to PRINT_MAX_ROWS."""
    return request.args.get("print") == "1"


def page_size(per_page: int | None = None) -> int:
    """Rows per page: the list's own size, PAGE_SIZE by default, or PRINT_MAX_ROWS in the print view."""
    if printing():
        return current_app.config["PRINT_MAX_ROWS"]
    return per_page or current_app.config["PAGE_SIZE"]


def paginate(stmt, per_page: int | None = None, total: int | None = None) -> Page:
    """Run a select for one page (two queries: the count and the rows; one when the caller knows the total)."""
    per_page = page_size(per_page)
    if total is not None:
        number = min(page_number(), max(1, -(-total // per_page)))
        items = db.session.scalars(stmt.limit(per_page).offset((number - 1) * per_page)).unique().all()
        return Page(list(items), number, per_page, total)
    result = db.paginate(stmt, page=page_number(), per_page=per_page, error_out=False, count=True)
    if not result.items and result.page > 1 and result.total:
        # A page past the end (e.g. after filtering) shows the last page instead of nothing.
        total = result.total
        last = -(-total // per_page)
        result = db.paginate(stmt, page=last, per_page=per_page, error_out=False, count=False)
        return Page(list(result.items), last, per_page, total)
    return Page(list(result.items), result.page, per_page, result.total or 0)


def paginate_rows(stmt, per_page: int | None = None, total: int | None = None) -> Page:
    """Paginate a select of several columns (rows rather than entities): a count (unless the caller knows the
    total), then the rows."""
    per_page = page_size(per_page)
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    number = min(page_number(), max(1, -(-total // per_page)))
    rows = db.session.execute(stmt.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(rows, number, per_page, total)


def sort_choice(allowed: dict[str, object], default: str):
    """(key, desc, clause) for ?sort=key or ?sort=-key among `allowed`."""
    raw = request.args.get("sort", default)
    desc = raw.startswith("-")
    key = raw.lstrip("-")
    if key not in allowed:
        key, desc = default.lstrip("-"), default.startswith("-")
    column = allowed[key]
    return key, desc, (column.desc() if desc else column.asc())


def url_with(**changes) -> str:
    """The current URL's query with some arguments changed (None removes one)."""
    args = {k: v for k, v in request.args.items()}
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    query = urlencode(args)
    return request.path + ("?" + query if query else "")
