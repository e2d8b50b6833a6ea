"""gunicorn's access log as the portal writes it (deploy/gunicorn.conf.py, issue 27 item 9): kept at least 180
days (网络安全法 第二十一条), so it must not keep what would let a reader act as someone else. A calendar feed's
address is its secret (whoever has it subscribes to a center's bookings): it is logged without its token."""
import re

from gunicorn.glogging import Logger

FEED_TOKEN = re.compile(r"(/bookings/feed/)[^/?#\s]+(\.ics)")
REDACTED = r"\1[token]\2"


def redact(text: str | None) -> str | None:
    """A request line or path with every calendar feed token replaced."""
    return FEED_TOKEN.sub(REDACTED, text) if text else text


class AccessLogger(Logger):
    """gunicorn's logger, with feed tokens taken out of every value a log format may name (the request line,
    the path, the referrer, and each header and environ variable as `{name}i` / `{name}e`)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
