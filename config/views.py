"""Pages the whole site shares when a request is refused before any app's view answers it."""

from django.shortcuts import render

# Our limits count per minute (django-ratelimit's windows), so a minute is always long enough.
RETRY_AFTER_SECONDS = 60


def rate_limited(request, exception=None):
    """django-ratelimit's refusal (RATELIMIT_VIEW): a 429 page that says what happened and when to retry."""
    page = render(request, "429.html", {"retry_after": RETRY_AFTER_SECONDS}, status=429)
    page["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return page
