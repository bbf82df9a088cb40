"""Issue 14, findings 4, 8 and 11: signing in and signing up under a flood, and whose address counts.

Each test named after a finding fails on the code before the fix: a login flood of random usernames
hashed every password, an overlong username was stored by django-axes, look-alike usernames were
accepted, a classmate could lock a student out, and X-Forwarded-For from anyone was believed.
"""

import random
import string
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.limits import COOKIE
from accounts.views import client_ip
from tests.factories import PASSWORD
from tests.helpers import log_in

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"  # log_in's default
FAILURES = 3  # failed sign-ins an address may make in 30 seconds, by default


def random_name(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=12))


def flood(count: int, *, address: str = ADDRESS, seed: int = 0) -> list:
    """Login posts with random usernames and passwords, each from a new browser, as a script sends them."""
    rng = random.Random(seed)
    return [log_in(Client(), random_name(rng), random_name(rng), address=address) for _ in range(count)]


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("home")


# --- finding 4: a login flood is refused before any password is hashed ---------------------------


def test_login_flood_refused_before_hashing(hashes):
    assert settings.SIGN_IN_FAILURES_PER_ADDRESS == "3/30s"
    checked = flood(FAILURES)
    assert [r.status_code for r in checked] == [200] * FAILURES
    assert hashes() == FAILURES  # an unknown username is hashed too: Django times every failure alike

    refused = flood(20, seed=1)

    assert [r.status_code for r in refused] == [429] * 20
    assert hashes() == FAILURES
    page = refused[0].content.decode()
    assert '<h1 class="h3">Signing in from your network is paused</h1>' in page
    assert "Your password was not checked." in page
    assert int(refused[0]["Retry-After"]) in range(1, 31)


def test_login_flood_refusal_says_exactly_when_to_retry(student):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        flood(FAILURES)
        retry_after = int(flood(1)[0]["Retry-After"])
        assert f"Please wait {retry_after} second" in flood(1)[0].content.decode()
    with time_machine.travel(start + timedelta(seconds=retry_after - 1), tick=False):
        last = flood(1)[0]
        assert (last.status_code, last["Retry-After"]) == (429, "1")
    with time_machine.travel(start + timedelta(seconds=retry_after), tick=False):
        assert signed_in(log_in(Client(), "asha", PASSWORD))


def test_login_flood_from_one_address_leaves_other_addresses_alone(student):
    flood(FAILURES + 1)
    assert flood(1)[0].status_code == 429
    assert signed_in(log_in(Client(), "asha", PASSWORD, address="198.51.100.20"))


def test_login_flood_of_ones_own_valid_password_is_limited_too(settings, student, hashes):
    """Successes fail nothing, so every sign-in from an address counts as well (SIGN_INS_PER_ADDRESS)."""
    settings.SIGN_INS_PER_ADDRESS = "3/5m"
    assert [signed_in(log_in(Client(), "asha", PASSWORD)) for _ in range(3)] == [True] * 3
    assert hashes() == 3

    refused = log_in(Client(), "asha", PASSWORD)

    assert refused.status_code == 429
    assert hashes() == 3
    assert 1 <= int(refused["Retry-After"]) <= 300


def test_admin_login_flood_refused_before_hashing(hashes):
    rng = random.Random(2)
    for _ in range(FAILURES):
        log_in(Client(), random_name(rng), "x", admin=True)
    assert hashes() == FAILURES
    response = log_in(Client(), random_name(rng), "x", admin=True)
    assert response.status_code == 429
    assert hashes() == FAILURES


def test_signup_flood_refused_before_hashing(settings, hashes):
    settings.SIGN_UPS_PER_ADDRESS = "2/h"

    def sign_up(name: str):
        form = {"username": name, "password1": "civil-services-2027", "password2": "civil-services-2027"}
        return Client().post(reverse("signup"), form, REMOTE_ADDR=ADDRESS)

    assert [sign_up(name).status_code for name in ("meera", "kiran")] == [302, 302]
    assert hashes() == 2

    refused = sign_up("ravi")

    assert refused.status_code == 429
    assert hashes() == 2
    assert not get_user_model().objects.filter(username="ravi").exists()
    assert '<h1 class="h3">Creating accounts from your network is paused</h1>' in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 3600
    # A sign-up that fails (a weak password) creates nothing and costs no hash: it is not counted.
    settings.SIGN_UPS_PER_ADDRESS = "3/h"
    weak = Client().post(reverse("signup"), {"username": "ravi", "password1": "123", "password2": "123"})
    assert weak.status_code == 200
    assert sign_up("ravi").status_code == 302


def test_login_limit_never_counts_a_forged_cross_site_post(student):
    forger = Client(enforce_csrf_checks=True)
    for _ in range(30):
        assert log_in(forger, "asha", "wrong-password").status_code == 403
    assert signed_in(log_in(Client(), "asha", PASSWORD))


def test_known_browser_signs_in_while_its_address_is_paused(student):
    own = Client()
    assert signed_in(log_in(own, "asha", PASSWORD))
    own.post(reverse("logout"))
    flood(FAILURES + 1)
    assert log_in(Client(), "asha", PASSWORD).status_code == 429  # a browser that never signed in as asha

    assert signed_in(log_in(own, "asha", PASSWORD))


def test_known_browser_sign_ins_are_limited_per_account(settings, student, hashes):
    settings.KNOWN_BROWSER_SIGN_INS_PER_ACCOUNT = "2/5m"
    own = Client()

    def sign_in_again():
        own.post(reverse("logout"))
        return log_in(own, "asha", PASSWORD)

    assert signed_in(log_in(own, "asha", PASSWORD))  # not known yet: counted for the address
    assert [signed_in(sign_in_again()) for _ in range(2)] == [True, True]
    refused = sign_in_again()
    assert refused.status_code == 429
    assert '<h1 class="h3">Signing in to this account is paused</h1>' in refused.content.decode()
    assert hashes() == 3


# --- finding 11: a classmate cannot lock a student out; X-Forwarded-For only from our proxies ------


def test_login_lockout_by_a_classmate_spares_the_owners_browser(student, roomy_sign_in_limits):
    own = Client()
    assert signed_in(log_in(own, "asha", PASSWORD))
    own.post(reverse("logout"))
    classmate = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(classmate, "asha", "guess")
    assert log_in(classmate, "asha", PASSWORD).status_code == 429  # locked out from this address

    assert signed_in(log_in(own, "asha", PASSWORD))
    # That success clears the count for the address, as any sign-in of asha's does.
    assert AccessAttempt.objects.filter(username="asha").count() == 0


def test_login_lockout_page_says_the_time_left(client, student, roomy_sign_in_limits):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, "asha", "wrong-password")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        locked = log_in(client, "asha", PASSWORD)
    assert (locked.status_code, locked["Retry-After"]) == (429, "300")
    page = locked.content.decode()
    assert '<h1 class="h3">Signing in is paused for 5 minutes</h1>' in page
    assert "From a browser where you have signed in to this account before, you can sign in now." in page


def test_known_browser_loses_its_pass_after_the_failure_limit(student, roomy_sign_in_limits):
    """A shared computer asha signed in on is no unlimited guessing machine for the next person."""
    shared = Client()
    assert signed_in(log_in(shared, "asha", PASSWORD))
    shared.post(reverse("logout"))
    # Its own failures first, then the lockout any browser gets: 5 + 5 guesses per cool-off.
    statuses = [log_in(shared, "asha", "guess").status_code for _ in range(2 * settings.AXES_FAILURE_LIMIT)]
    assert statuses == [200] * (2 * settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert log_in(shared, "asha", PASSWORD).status_code == 429


def test_known_browser_cookie_is_signed_and_names_nobody(student):
    own = Client()
    log_in(own, "asha", PASSWORD)
    cookie = own.cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert "asha" not in cookie.value
    own.post(reverse("logout"))
    own.cookies[COOKIE] = cookie.value.replace(cookie.value[-4:], "AAAA")  # tampered: no longer ours
    flood(FAILURES + 1)
    assert log_in(own, "asha", PASSWORD).status_code == 429


def test_forwarded_for_ignored_from_untrusted_address(settings, student, roomy_sign_in_limits):
    """A client that reaches the app port directly names a fresh address in every request: in vain."""
    settings.TRUSTED_PROXIES = ["10.0.0.11"]
    settings.TRUSTED_PROXY_COUNT = 1  # what this deployment set before: read by the old code, by nothing now
    client = Client()
    statuses = [
        client.post(
            reverse("login"),
            {"username": "asha", "password": "guess"},
            REMOTE_ADDR="198.51.100.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.9"}


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("198.51.100.9", "192.0.2.1", "198.51.100.9"),  # not a proxy of ours: its header means nothing
        ("10.0.0.11", "192.0.2.1", "192.0.2.1"),  # our proxy names the client
        ("10.0.0.11", "6.6.6.6, 192.0.2.1", "192.0.2.1"),  # the client's own entry is left of it
        ("10.0.0.11", "6.6.6.6, 192.0.2.1, 10.0.0.12", "192.0.2.1"),  # two proxies of ours in a row
        ("10.0.0.11", "10.0.0.12", "10.0.0.12"),  # every hop ours: the furthest one
        ("10.0.0.11", "", "10.0.0.11"),  # our proxy said nothing
        ("10.0.0.11", "192.0.2.1, not-an-address", "10.0.0.11"),  # garbage where our proxy writes
        ("::ffff:198.51.100.9", "192.0.2.1", "198.51.100.9"),  # IPv4 seen through an IPv6 socket
        ("2001:db8:1:2:aaaa::1", "", "2001:db8:1:2::"),  # an IPv6 client is its /64
        ("", "192.0.2.1", None),  # no peer address (a Unix socket): nothing to trust
    ],
)
def test_client_ip_reads_forwarded_for_only_from_trusted_proxies(rf, settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.11", "10.0.0.12/32"]
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
