"""Browser test helpers for the confirmation steps of irreversible actions (portal/confirming.py)."""


def click_confirmed(page, button, expect_question: str = "确认"):
    """Click the button of an irreversible action and accept the one dialog it opens (data-confirm, or htmx's
    hx-confirm); the question asked is checked and returned."""
    asked = []

    def accept(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    button.click()
    for _ in range(40):   # the dialog's event comes while the click is handled; wait a little if it has not yet
        if asked:
            break
        page.wait_for_timeout(50)
    assert len(asked) == 1 and expect_question in asked[0], asked
    return asked[0]


def click_then_confirm_box(page, button, confirm_label: str):
    """Without JavaScript: the button posts, the page answers with the confirmation box; click its button."""
    button.click()
    box = page.locator("section.confirmation")
    box.get_by_role("button", name=confirm_label).click()


def pick_specialties(page, legend: str, *labels: str, values=()):
    """Tick specialties in the picker whose legend starts with `legend` (opening its <details> if it is folded);
    by label ("A0101 土建施工") or by value (the specialty's id). Ticking a ticked one leaves it ticked."""
    summary = page.locator("details.picker-details > summary", has_text=legend)
    if summary.count() and not summary.locator("xpath=..").evaluate("details => details.open"):
        summary.click()
    picker = page.get_by_role("group", name=legend).first
    for label in labels:
        picker.get_by_label(label, exact=True).check()
    for value in values:
        picker.locator(f'input[type=checkbox][value="{value}"]').check()
