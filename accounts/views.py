import ipaddress
import math
from datetime import timedelta
from functools import lru_cache

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db.models import Max
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import LoginForm, ResetPasswordForm, SignupForm

# One host is given a whole IPv6 /64 and may use any address in it, so an IPv6 client is its /64.
IPV6_PREFIX = 64


@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


login_view = auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm)


def reset_link_lifetime() -> str:
    """How long a reset link works (PASSWORD_RESET_TIMEOUT), as the email and the page say it."""
    hours = math.ceil(settings.PASSWORD_RESET_TIMEOUT / 3600)
    if hours % 24 == 0:
        return f"{hours // 24} day{'s' if hours != 24 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"


class PasswordResetView(auth_views.PasswordResetView):
    """Django's: the page after it says the same whether or not an account uses the email, and
    accounts.limits counts each request per address and per email before the form runs."""

    def form_valid(self, form):
        self.extra_email_context = {"link_lifetime": reset_link_lifetime()}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "link_lifetime": reset_link_lifetime()}


password_reset = PasswordResetView.as_view()
password_reset_done = PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(form_class=ResetPasswordForm)


def locked_out(request, response=None, credentials=None):
    """What django-axes shows instead of the login form once a username is locked out from an address."""
    seconds = max(1, math.ceil(_lockout_left(request, credentials).total_seconds()))
    minutes = math.ceil(seconds / 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    page = render(request, "registration/locked_out.html", context, status=429)
    page["Retry-After"] = str(seconds)
    return page


def _lockout_left(request, credentials):
    """How long the pause still lasts: it ends one cool-off after the failure that started it."""
    cool_off = get_cool_off(request)
    username = (credentials or {}).get("username")
    last = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).aggregate(
        last=Max("attempt_time")
    )["last"]
    if last is None:
        return cool_off
    return max(last + cool_off - timezone.now(), timedelta(seconds=1))


def client_ip(request) -> str | None:
    """The client's address, as every limit on signing in counts it (django-axes and accounts.limits).

    X-Forwarded-For is read only when the request comes from one of TRUSTED_PROXIES, and only as far
    back as our own proxies wrote it: read from the right, the first address that is not one of them
    is the client. Anything further left is whatever the client chose to send. An IPv6 client is its
    /64 network.
    """
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    client = peer
    if _trusted(client):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # not an address: no proxy of ours wrote it
            client = address
            if not _trusted(address):
                break
    if client.version == 6:
        return str(ipaddress.ip_network(f"{client}/{IPV6_PREFIX}", strict=False).network_address)
    return str(client)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client reaching an IPv6 socket shows as ::ffff:a.b.c.d; it is still that IPv4 client.
    return getattr(address, "ipv4_mapped", None) or address


def _trusted(address) -> bool:
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> list:
    return [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]
