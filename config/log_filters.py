"""Filters for the LOGGING setting (config/settings.py)."""

import logging

from django.core.exceptions import PermissionDenied


def _escaped(text: str) -> str:
    # As Django escapes the path it logs: whatever a username or reason holds stays on one line.
    return text.encode("unicode_escape").decode("ascii")


class PermissionDeniedOneLine(logging.Filter):
    """Django's `django.request` logs each PermissionDenied (a 403) with the exception's traceback. A
    refusal is the app answering as designed, not a fault: it is logged as one line that says which
    page, for whom and why, and the traceback is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        refusal = record.exc_info[1] if record.exc_info else None
        if not isinstance(refusal, PermissionDenied):
            return True
        line = record.getMessage()
        user = getattr(getattr(record, "request", None), "user", None)
        if user is not None and user.is_authenticated:
            line += f" for {_escaped(user.get_username())!r}"
        if reason := str(refusal):
            line += f": {_escaped(reason)}"
        record.msg, record.args = line, ()
        record.exc_info = record.exc_text = None
        return True
