"""The one way the site counts a rate limit: django-ratelimit's window, in Django's cache.

When the cache (Redis, shared by every app instance) does not answer, a limit is waived and
logged rather than turned into a 500: a student must still be able to start, submit and sign in.
django-axes keeps counting failed sign-ins in the database meanwhile.
"""

import logging

from django_ratelimit.core import get_usage

log = logging.getLogger(__name__)


def usage_counted(request, **kwargs) -> dict | None:
    """django-ratelimit's `get_usage`, or None (no limit) while the cache is unreachable."""
    try:
        return get_usage(request, **kwargs)
    except Exception as error:
        log.warning("Rate limit %s waived: the cache did not answer (%s)", kwargs.get("group"), error)
        return None
