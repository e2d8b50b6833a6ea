"""The workbench (工作台): each role's home lists its work, with counts, due dates and one click to act.

A consumer of the features' services and models at the top of the layers, like the home page that shows it:
`access.cards_for` says which cards an account gets, `services.build` builds them (a fixed number of queries per
card), `rules` holds the pure parts (urgency, due-date wording, ordering). No routes of its own: the home page
renders the cards, and its htmx poll gets `templates/workbench/_workbench.html` back.
"""
