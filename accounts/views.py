import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import LoginForm, SignupForm


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


def locked_out(request, response=None, credentials=None):
    """What django-axes shows instead of the login form once a username is locked out from an address."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    page = render(request, "registration/locked_out.html", context, status=429)
    page["Retry-After"] = str(int(cool_off.total_seconds()))
    return page


def client_ip(request) -> str | None:
    """The client's address for login throttling, trusting X-Forwarded-For only as far as our own proxies."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        # Entries left of those our proxies appended are whatever the client chose to send.
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
