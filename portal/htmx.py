"""The one helper that decides full page vs fragment for htmx requests."""
from flask import make_response, render_template, request


def wants_fragment() -> bool:
    """An htmx request that is neither boosted nor a history restore gets the fragment."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(page_template: str, fragment_template: str, /, status: int = 200, **context):
    """Render the page for a normal request, the fragment for an htmx one; both vary on HX-Request.

    `status` is the answer's code either way (422 for a refused form: htmx is configured to swap it).
    """
    template = fragment_template if wants_fragment() else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def fragment(template: str, /, status: int = 200, **context):
    """A fragment that is the whole answer whoever asks (e.g. the deadline line, a polled badge)."""
    return render(template, template, status=status, **context)
