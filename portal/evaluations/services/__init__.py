"""The evaluation day's services, one module per sub-area (Indico's `rb` layout): `committee`, `draw`, `day`,
`aftermath`, `deadlines`, and `common` for what they share. Import the module you use
(`from ..services import draw`); this package re-exports nothing.

Services load, apply the pure rules, change, write the audit entry and notifications, and flush; the view
commits once. Every change of an evaluation starts with `common.lock`, an UPDATE of its version: it
serialises the people acting on one evaluation (a row lock on PostgreSQL, the write lock on SQLite) and tells
the live board that something moved.

Confidentiality: audit entries and notifications never name a drawn expert (not even by id): they say the
venue and the seat number. The names are shown only where `access.may_see_names` allows.
"""
