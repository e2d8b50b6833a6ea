"""The evaluation day's views (评标当日与事后), one module per sub-area on the one blueprint `bp`:
`committee`, `draw`, `day`, `aftermath`, `external`, `deadlines`, and `page` (the list and the evaluation page, whose
sections the sub-area modules build); `common` holds the loader and the page's assembly.

Importing this package registers every route (`create_app` registers `views.bp`).
"""
from .. import bp
from . import aftermath, committee, day, deadlines, draw, external, page, printing  # noqa: F401  (importing registers the routes)

__all__ = ["bp"]
