"""Secrets kept out of every log line: share tokens and password-reset links.

Whoever reads the logs (the host's operator, a log service) must not be able to open a venue's
share page or reset someone's password from them. A URL carries the secret in its path, and a
log line can quote it anywhere: gunicorn's request line and Referer header, Django's
"Not Found: /s/<token>/" warning, a `next=` parameter. So the whole formatted line is masked,
whichever part quotes it, percent-encoded slashes included:

- `/s/<token>/…` becomes `/s/…/…`;
- `/accounts/reset/<uidb64>/<token>/` becomes `/accounts/reset/…/…/`;
- `/invitation/<token>/` (a venue's invitation, venues/team.py) becomes `/invitation/…/`.

`MaskSecrets` is a logging filter: settings.LOGGING puts it on Django's handler, and
`GunicornLogger` (gunicorn.conf.py's logger_class) on gunicorn's access and error logs.
"""

import logging
import re

from gunicorn.glogging import Logger

MASK = "…"
_SLASH = r"(?:/|%2F)"
# One path segment: up to the next slash (written or percent-encoded), or the end of the URL.
_SEGMENT = r"(?:(?!%2F)[^/\s?#&\"'])+"
_SECRETS = re.compile(
    rf"(?P<share>{_SLASH}(?:s|%73|invitation){_SLASH}){_SEGMENT}"
    rf"|(?P<reset>{_SLASH}accounts{_SLASH}reset{_SLASH}){_SEGMENT}(?P<sep>{_SLASH}){_SEGMENT}",
    re.IGNORECASE,
)


def _replace(match: re.Match) -> str:
    if match["share"]:
        return match["share"] + MASK
    return match["reset"] + MASK + match["sep"] + MASK


def mask_secrets(text: str) -> str:
    """`text` with every share token and password-reset link replaced by `…`."""
    return _SECRETS.sub(_replace, text)


class MaskSecrets(logging.Filter):
    """Masks the secrets of a record in place: its message (formatted with its arguments) and
    the traceback it carries (an exception's message may quote the path)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is the handler's to report
            return True
        # Formatted once: the handler's formatter reads the masked message as it is.
        record.msg, record.args = mask_secrets(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_secrets(self._formatter.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        return True


class GunicornLogger(Logger):
    """gunicorn's logger, its access and error logs masked by `MaskSecrets`."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, MaskSecrets) for f in log.filters):
                log.addFilter(MaskSecrets())
