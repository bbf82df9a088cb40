"""Pages the whole site shares when a request is refused before any app's view answers it."""

import math

from django.shortcuts import render


def too_many_requests(request, *, retry_after: int, reason: str = ""):
    """A 429 that says why (templates/429.html words each `reason`) and exactly when to try again."""
    wait = f"{retry_after} second{'s' if retry_after != 1 else ''}"
    if retry_after >= 120:
        wait = f"{math.ceil(retry_after / 60)} minutes"
    page = render(request, "429.html", {"retry_after": retry_after, "wait": wait, "reason": reason}, status=429)
    page["Retry-After"] = str(retry_after)
    return page
