"""Limits on signing in and signing up, checked before any password is hashed.

A password check costs about a third of a second of CPU (Argon2, on purpose), and Django runs one
even for a username that does not exist. So the limits are counted per address (`client_ip`) in
Django's cache, with django-ratelimit's windows, and a refused request never reaches the form:

1. failed sign-ins per address (SIGN_IN_FAILURES_PER_ADDRESS): guesses at random usernames;
2. every sign-in per address (SIGN_INS_PER_ADDRESS): someone repeating their own valid
   password, which fails nothing;
3. accounts created per address (SIGN_UPS_PER_ADDRESS);
4. password-reset requests per address and per email address (PASSWORD_RESETS_PER_ADDRESS,
   PASSWORD_RESETS_PER_EMAIL): each sends an email. Counted whether or not an account uses the
   email, so a refusal tells no more about accounts than the page itself does (nothing).

A browser that has signed in as a username before (a signed cookie, `signed_in_before`) is not
counted per address when it signs in as that username again, so a classmate's guesses from the same
address neither pause it here nor lock it out in django-axes (AXES_WHITELIST_CALLABLE). Instead it
has limits of its own: a handful of sign-ins per username every few minutes, and after
AXES_FAILURE_LIMIT wrong passwords it is treated as any other browser until the cool-off ends.
README ("Signing in") says why these numbers.
"""

import logging
import secrets
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model, signals
from django.core import signing
from django.dispatch import receiver
from django.urls import reverse
from django.utils.crypto import salted_hmac

from accounts.views import client_ip
from config.ratelimits import usage_counted
from config.views import too_many_requests

log = logging.getLogger(__name__)

COOKIE = "signed_in_before"
_SALT = "accounts.limits.signed-in-before"
# How many usernames a browser remembers: enough for a shared computer in a classroom.
REMEMBERED = 20


@dataclass(frozen=True)
class SignIn:
    """What the limits decided about one sign-in, for the signal receivers and django-axes."""

    address: str
    username: str
    browser: str | None  # the browser's own id, from its cookie
    known: bool  # it has signed in as this username before, and has not failed too often since


@dataclass(frozen=True)
class Refusal:
    reason: str  # which limit: the 429 page words each
    retry_after: int  # seconds until its window ends


# --- the middleware -------------------------------------------------------------------------------


class SignInLimitMiddleware:
    """Refuses a sign-in or sign-up over its limit, and remembers the browsers that sign in.

    It sits after CsrfViewMiddleware. On the way in it only looks at the counts, so a flood that
    has spent its budget is turned away at the cost of a few cache reads, before the URL is even
    resolved. What counts an attempt runs in process_view, which Django calls after the CSRF check
    passed: a forged cross-site post never counts against anyone's address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        kind = guarded(request)
        if kind is not None:
            refusal = {"sign_in": check_sign_in, "sign_up": check_sign_up, "reset": check_reset}[kind](request)
            if refusal is not None:
                return refuse(request, refusal)
        response = self.get_response(request)
        username = getattr(request, "signed_in_as", None)
        if kind in ("sign_in", "sign_up") and username is not None:
            remember(request, response, username, sign_up=kind == "sign_up")
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        kind = guarded(request)
        if kind == "reset":
            refusal = count_reset(request)
        elif kind == "sign_in" and getattr(request, "sign_in", None) is not None:
            refusal = count_sign_in(request)
        else:
            return None
        return refuse(request, refusal) if refusal is not None else None


@lru_cache(maxsize=1)
def _guarded_paths() -> dict[str, str]:
    return {
        reverse("login"): "sign_in",
        reverse("admin:login"): "sign_in",
        reverse("signup"): "sign_up",
        reverse("password_reset"): "reset",
    }


def guarded(request) -> str | None:
    """ "sign_in", "sign_up" or "reset" for a post to a form the limits guard, else None."""
    return _guarded_paths().get(request.path) if request.method == "POST" else None


def refuse(request, refusal: Refusal):
    page = too_many_requests(request, retry_after=refusal.retry_after, reason=refusal.reason)
    # One log line per refusal would be thousands a minute in a flood; count_failure logs when an
    # address's budget is spent, and the access log has every request.
    page._has_been_logged = True
    return page


def check_sign_in(request) -> Refusal | None:
    """Looks, counting nothing: is this sign-in's budget already spent?"""
    address = client_ip(request) or "unknown"
    username = request.POST.get("username", "")
    if len(username) > username_max_length():
        return None  # the form refuses it as an error, without looking anything up
    browser, tags = read_cookie(request)
    known = (
        browser is not None
        and tag(username) in tags
        and not spent(_usage("browser-failures", browser, known_browser_failure_rate(), increment=False))
    )
    request.sign_in = SignIn(address=address, browser=browser, known=known, username=username)
    if known:
        usage = _usage("known-sign-ins", tag(username), settings.KNOWN_BROWSER_SIGN_INS_PER_ACCOUNT, increment=False)
        return refusal("known", usage) if spent(usage) else None
    # Failures are counted once they are known (count_failure).
    for reason, group, rate in (
        ("failures", "failures", settings.SIGN_IN_FAILURES_PER_ADDRESS),
        ("attempts", "attempts", settings.SIGN_INS_PER_ADDRESS),
    ):
        usage = _usage(group, address, rate, increment=False)
        if spent(usage):
            return refusal(reason, usage)
    return None


def count_sign_in(request) -> Refusal | None:
    """Counts the sign-in (after the CSRF check); the one that goes over its budget is refused too."""
    sign_in = request.sign_in
    if sign_in.known:
        usage = _usage(
            "known-sign-ins", tag(sign_in.username), settings.KNOWN_BROWSER_SIGN_INS_PER_ACCOUNT, increment=True
        )
        return refusal("known", usage) if over(usage) else None
    usage = _usage("attempts", sign_in.address, settings.SIGN_INS_PER_ADDRESS, increment=True)
    return refusal("attempts", usage) if over(usage) else None


def check_sign_up(request) -> Refusal | None:
    request.sign_up_address = address = client_ip(request) or "unknown"
    # Accounts are counted once created (remember).
    usage = _usage("sign-ups", address, settings.SIGN_UPS_PER_ADDRESS, increment=False)
    return refusal("sign_ups", usage) if spent(usage) else None


def _reset_limits(request) -> list[tuple[str, str, str, str]]:
    """(reason, group, value, rate) of each limit a password-reset request counts against."""
    address = client_ip(request) or "unknown"
    # As the form will look it up: Django matches the email case-insensitively.
    email = request.POST.get("email", "").strip().lower()
    return [
        ("resets", "resets", address, settings.PASSWORD_RESETS_PER_ADDRESS),
        ("reset_emails", "reset-emails", email, settings.PASSWORD_RESETS_PER_EMAIL),
    ]


def check_reset(request) -> Refusal | None:
    """Looks, counting nothing: is this reset request's budget (its address's or its email's) spent?"""
    for reason, group, value, rate in _reset_limits(request):
        usage = _usage(group, value, rate, increment=False)
        if spent(usage):
            return refusal(reason, usage)
    return None


def count_reset(request) -> Refusal | None:
    """Counts the request (after the CSRF check); the one that goes over a budget is refused, and a
    request its address's budget refuses does not spend the email's."""
    for reason, group, value, rate in _reset_limits(request):
        usage = _usage(group, value, rate, increment=True)
        if over(usage):
            return refusal(reason, usage)
    return None


def axes_exempt(request, credentials) -> bool:
    """AXES_WHITELIST_CALLABLE: the username's lockout does not apply to a browser it signed in from."""
    sign_in = getattr(request, "sign_in", None)
    return bool(sign_in and sign_in.known)


# --- what a sign-in's outcome counts --------------------------------------------------------------


@receiver(signals.user_login_failed, dispatch_uid="accounts.limits.count_failure")
def count_failure(sender, credentials, request=None, **kwargs):
    sign_in = getattr(request, "sign_in", None)
    if sign_in is None:
        return  # not through a form the limits guard
    if sign_in.known:
        _usage("browser-failures", sign_in.browser, known_browser_failure_rate(), increment=True)
        return
    usage = _usage("failures", sign_in.address, settings.SIGN_IN_FAILURES_PER_ADDRESS, increment=True)
    if usage is not None and usage["count"] == usage["limit"]:
        log.warning(
            "Signing in from %s is paused for %s s: %s failed sign-ins (SIGN_IN_FAILURES_PER_ADDRESS=%s)",
            sign_in.address,
            usage["time_left"] + 1,
            usage["count"],
            settings.SIGN_IN_FAILURES_PER_ADDRESS,
        )


@receiver(signals.user_logged_in, dispatch_uid="accounts.limits.note_sign_in")
def note_sign_in(sender, request, user, **kwargs):
    if request is not None:
        request.signed_in_as = user.get_username()


def remember(request, response, username: str, *, sign_up: bool) -> None:
    """After a sign-in or sign-up: this browser now knows the username; a sign-up counts for its address."""
    if sign_up:
        _usage("sign-ups", request.sign_up_address, settings.SIGN_UPS_PER_ADDRESS, increment=True)
    browser, tags = read_cookie(request)
    tags = [*(t for t in tags if t != tag(username)), tag(username)][-REMEMBERED:]
    response.set_cookie(
        COOKIE,
        signing.dumps({"b": browser or secrets.token_urlsafe(16), "u": tags}, salt=_SALT),
        max_age=settings.SIGNED_IN_BEFORE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- helpers --------------------------------------------------------------------------------------


def read_cookie(request) -> tuple[str | None, list[str]]:
    """The browser's id and the usernames (as tags) it signed in as; none for a missing or forged cookie."""
    try:
        data = signing.loads(request.COOKIES[COOKIE], salt=_SALT, max_age=settings.SIGNED_IN_BEFORE_DAYS * 86400)
        return str(data["b"]), [str(t) for t in data["u"]]
    except (KeyError, TypeError, signing.BadSignature):
        return None, []


def tag(username: str) -> str:
    """A username as the cookie keeps it: keyed, so the cookie does not list who used a shared computer."""
    return salted_hmac(_SALT, username).hexdigest()[:20]


def known_browser_failure_rate() -> str:
    return f"{settings.AXES_FAILURE_LIMIT}/{int(settings.AXES_COOLOFF_TIME.total_seconds())}s"


def _usage(group: str, value: str, rate: str, *, increment: bool) -> dict | None:
    return usage_counted(
        None, group=f"sign-in:{group}", key=lambda _group, _request: value, rate=rate, increment=increment
    )


def spent(usage: dict | None) -> bool:
    """Looked at without counting: the budget is used up, so the next attempt would go over it."""
    return usage is not None and usage["count"] >= usage["limit"]


def over(usage: dict | None) -> bool:
    """Counted first: this attempt went over the budget."""
    return usage is not None and usage["should_limit"]


def refusal(reason: str, usage: dict) -> Refusal:
    # The window named by time_left still holds at that second; the next window starts one later.
    return Refusal(reason=reason, retry_after=max(1, usage["time_left"] + 1))


@lru_cache(maxsize=1)
def username_max_length() -> int:
    return get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length
