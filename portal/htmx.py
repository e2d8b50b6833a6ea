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


def render(page_template: str, fragment_template: str, /, **context):
    """Render the page for a normal request, the fragment for an htmx one; both vary on HX-Request."""
    template = fragment_template if wants_fragment() else page_template
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response
