"""Confirmation steps for irreversible actions that work without JavaScript.

A form of an irreversible action (随机抽取, 下达评审结束指令, 登记已支付, 保存并报送) posts `confirmed=1` only from
its confirmation: with JavaScript, static/app.js asks once with the browser's own dialog (`data-confirm`, or
htmx's `hx-confirm` with `hx-vals='{"confirmed": "1"}'`) and adds the field; without it the first POST changes
nothing and answers 200 with the page and a confirmation box (`templates/_confirmation.html`, included by
base.html) that posts the same fields again with `confirmed=1`, beside a link back.
"""
from dataclasses import dataclass, field

from flask import request

FIELD = "confirmed"


def confirmed() -> bool:
    """Whether this POST comes from the confirmation (the dialog or the box)."""
    return request.form.get(FIELD) == "1"


@dataclass
class Confirmation:
    """What the box says and what it posts: `what` will happen, `button` does it, `back` cancels."""

    title: str
    what: str
    action: str
    button: str
    back: str
    fields: list[tuple[str, str]] = field(default_factory=list)


def ask(title: str, what: str, button: str, back: str, action: str | None = None) -> Confirmation:
    """The confirmation of this POST: the same fields again (files are never part of these forms)."""
    fields = [(name, value) for name, values in request.form.lists() if name != FIELD for value in values]
    return Confirmation(title=title, what=what, action=action or request.path, button=button, back=back,
                        fields=fields)
