"""Issue 17, item 5: password reset by email, an optional email at sign-up, errors at their field."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.helpers import log_in, queries_for

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"
NEW_PASSWORD = "monsoon-session-2027"
# Django's wording, with its typographic apostrophe.
MISMATCH = "The two password fields didn\u2019t match."
LINK = re.compile(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)")


def ask_reset(client, email: str, *, address: str = ADDRESS):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def reset_link(mail) -> str:
    (path,) = LINK.findall(mail.body)
    return path


def errors_at(html: str, field: str) -> list[str]:
    """The error messages the rendered form shows under one field (crispy's invalid-feedback block)."""
    start = html.index(f'id="div_id_{field}"')
    end = html.find('id="div_id_', start + 1)
    block = html[start : end if end != -1 else html.index("</form>")]
    return re.findall(rf'<p id="error_\d+_id_{field}"><strong>(.*?)</strong></p>', block)


@pytest.fixture
def reader(db):
    return UserFactory(username="asha", email="asha@example.org")


# --- the journey ---------------------------------------------------------------------------------


def test_login_page_links_to_password_reset(client):
    html = client.get(reverse("login")).content.decode()
    assert f'<a href="{reverse("password_reset")}">Forgot your password?</a>' in html


def test_password_reset_journey_emails_a_link_that_sets_the_new_password(client, reader, mailoutbox):
    response = ask_reset(client, "ASHA@example.org")  # Django matches the email case-insensitively

    assert (response.status_code, response["Location"]) == (302, reverse("password_reset_done"))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert (mail.to, mail.from_email, mail.subject) == (
        ["asha@example.org"],
        "UPSC practice <noreply@localhost>",
        "Reset your UPSC practice password",
    )
    assert "The link works once, for 3 days." in mail.body
    done = client.get(response["Location"]).content.decode()
    assert '<h1 class="h3">Check your email</h1>' in done
    assert "The link works once, for 3 days." in done

    opened = client.get(reset_link(mail))
    # Django moves the token from the address into the session before showing the form.
    set_password = f"/accounts/reset/{reset_link(mail).split('/')[3]}/set-password/"
    assert (opened.status_code, opened["Location"]) == (302, set_password)
    form = client.get(set_password).content.decode()
    assert '<h1 class="h3">Choose a new password</h1>' in form
    assert "For the account <strong>asha</strong>." in form
    changed = client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert (changed.status_code, changed["Location"]) == (302, reverse("password_reset_complete"))
    assert '<h1 class="h3">Your password has been changed</h1>' in client.get(changed["Location"]).content.decode()
    assert log_in(Client(), "asha", NEW_PASSWORD, address="198.51.100.1").status_code == 302
    assert log_in(Client(), "asha", PASSWORD, address="198.51.100.2").status_code == 200


def test_password_reset_unknown_email_sends_nothing_and_shows_the_same_page(client, reader, mailoutbox):
    known = ask_reset(Client(), "asha@example.org")
    unknown = ask_reset(client, "nobody@example.org")

    assert len(mailoutbox) == 1
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert client.get(unknown["Location"]).content == Client().get(known["Location"]).content


def test_password_reset_sends_nothing_to_an_account_without_email(client, reader, mailoutbox):
    UserFactory(username="kiran")  # no email
    response = ask_reset(client, "")
    assert response.status_code == 200
    assert errors_at(response.content.decode(), "email") == ["This field is required."]
    assert mailoutbox == []


def test_password_reset_used_link_is_refused_with_a_clear_page(client, reader, mailoutbox):
    ask_reset(client, "asha@example.org")
    link = reset_link(mailoutbox[0])
    set_password = client.get(link)["Location"]
    client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link)

    assert again.status_code == 200
    html = again.content.decode()
    assert '<h1 class="h3">This reset link does not work</h1>' in html
    assert (
        "It has been used already, it has expired, or it was not copied whole. Your password has not changed." in html
    )
    assert f'<a class="btn btn-primary" href="{reverse("password_reset")}">Ask for a new link</a>' in html
    assert 'name="new_password1"' not in html


@pytest.mark.parametrize("forge", ["token", "user"])
def test_password_reset_forged_link_is_refused_with_a_clear_page(client, reader, mailoutbox, forge):
    ask_reset(client, "asha@example.org")
    _, _, _, uid, token, _ = reset_link(mailoutbox[0]).split("/")
    if forge == "token":
        token = "cy4gsx-0123456789abcdef0123456789abcdef"
    else:
        uid = "OTk5"  # base64 of a user id that does not exist

    response = Client().get(f"/accounts/reset/{uid}/{token}/")

    assert response.status_code == 200
    assert '<h1 class="h3">This reset link does not work</h1>' in response.content.decode()
    reader.refresh_from_db()
    assert reader.check_password(PASSWORD)


def test_password_reset_link_for_another_email_stops_working_when_the_email_changes(client, reader, mailoutbox):
    ask_reset(client, "asha@example.org")
    reader.email = "asha@elsewhere.example"
    reader.save()
    response = Client().get(reset_link(mailoutbox[0]))
    assert '<h1 class="h3">This reset link does not work</h1>' in response.content.decode()


def test_reset_password_form_shows_each_error_at_its_field(client, reader, mailoutbox):
    ask_reset(client, "asha@example.org")
    set_password = client.get(reset_link(mailoutbox[0]))["Location"]

    response = client.post(set_password, {"new_password1": "12345678", "new_password2": "12345679"})

    html = response.content.decode()
    assert errors_at(html, "new_password1") == ["This password is too common.", "This password is entirely numeric."]
    assert errors_at(html, "new_password2") == [MISMATCH]
    reader.refresh_from_db()
    assert reader.check_password(PASSWORD)


# --- the limits: per address and per email, before the form runs ---------------------------------


def test_password_reset_requests_are_limited_per_address(settings, reader, mailoutbox, django_assert_num_queries):
    assert settings.PASSWORD_RESETS_PER_ADDRESS == "3/m"
    sent = [ask_reset(Client(), email) for email in ("asha@example.org", "nobody@example.org", "x@example.org")]
    assert [r.status_code for r in sent] == [302, 302, 302]

    with django_assert_num_queries(0):  # refused before the form looks anything up
        refused = ask_reset(Client(), "asha@example.org")

    assert refused.status_code == 429
    html = refused.content.decode()
    assert '<h1 class="h3">Password-reset requests from your network are paused</h1>' in html
    assert "No email was sent." in html
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert len(mailoutbox) == 1
    # Another address is not held back, and the refused request spent none of the email's budget.
    assert ask_reset(Client(), "asha@example.org", address="198.51.100.20").status_code == 302
    assert len(mailoutbox) == 2


def test_password_reset_requests_are_limited_per_email_whatever_the_address(settings, reader, mailoutbox):
    assert settings.PASSWORD_RESETS_PER_EMAIL == "3/h"
    sent = [ask_reset(Client(), "Asha@Example.org", address=f"198.51.100.{n}") for n in range(3)]
    assert [r.status_code for r in sent] == [302, 302, 302]

    refused = ask_reset(Client(), "asha@example.org", address="198.51.100.99")
    unknown = [ask_reset(Client(), "nobody@example.org", address=f"192.0.2.{n}") for n in range(4)]

    assert refused.status_code == 429
    assert '<h1 class="h3">Reset links to this email address are paused</h1>' in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert len(mailoutbox) == 3
    # An email no account uses is refused alike: the limit tells nothing about accounts.
    assert [r.status_code for r in unknown] == [302, 302, 302, 429]


def test_password_reset_limit_never_counts_a_forged_cross_site_post(reader, mailoutbox):
    forger = Client(enforce_csrf_checks=True)
    for _ in range(10):
        assert ask_reset(forger, "asha@example.org").status_code == 403
    assert ask_reset(Client(), "asha@example.org").status_code == 302
    assert len(mailoutbox) == 1


# --- sign-up: an optional email, and errors at their field --------------------------------------


def sign_up(client, **fields):
    form = {"username": "meera", "password1": "civil-services-2027", "password2": "civil-services-2027", **fields}
    return client.post(reverse("signup"), form)


def test_signup_stores_the_optional_email(client):
    assert sign_up(client, email="Meera@Example.ORG").status_code == 302
    # The domain is case-insensitive by definition, so Django stores it in lower case; the name as typed.
    assert get_user_model().objects.get(username="meera").email == "Meera@example.org"


def test_signup_without_email_is_fine(client):
    assert sign_up(client, email="").status_code == 302
    assert get_user_model().objects.get(username="meera").email == ""


def test_signup_form_says_the_email_is_optional_and_only_for_password_reset(client):
    html = client.get(reverse("signup")).content.decode()
    assert "Email (optional)" in html
    assert (
        "Only used to send you a link to reset your password if you forget it. Leave it empty if you like: then only "
        "your institute's admin can reset it." in html
    )
    assert re.search(r'<input type="email" name="email"[^>]*>', html).group(0).count("required") == 0


def test_signup_refuses_an_email_another_account_uses_in_any_case(client, reader):
    response = sign_up(client, email="ASHA@EXAMPLE.ORG")
    assert response.status_code == 200
    assert errors_at(response.content.decode(), "email") == [
        "Another account already uses this email address. Use a different one, or leave it empty. If the account "
        "is yours, reset its password from the log-in page."
    ]
    assert not get_user_model().objects.filter(username="meera").exists()


def test_signup_refuses_an_invalid_email(client):
    response = sign_up(client, email="meera at example.org")
    assert errors_at(response.content.decode(), "email") == ["Enter a valid email address."]
    assert not get_user_model().objects.filter(username="meera").exists()


def test_signup_shows_each_password_error_at_its_field(client):
    response = client.post(reverse("signup"), {"username": "meera", "password1": "12345678", "password2": "1234567"})

    html = response.content.decode()
    assert errors_at(html, "username") == []
    assert errors_at(html, "password1") == ["This password is too common.", "This password is entirely numeric."]
    assert errors_at(html, "password2") == [MISMATCH]


def test_signup_password_like_the_username_is_refused_at_the_password(client):
    response = client.post(
        reverse("signup"), {"username": "meera-sharma", "password1": "meera-sharma", "password2": "meera-sharma"}
    )
    html = response.content.decode()
    assert errors_at(html, "password1") == ["The password is too similar to the username."]
    assert errors_at(html, "password2") == []


# --- query counts: exact, and the same with one account as with many -----------------------------


def test_password_reset_pages_query_count_does_not_grow_with_accounts(reader, mailoutbox, django_assert_num_queries):
    def measure(n: int) -> dict[str, int]:
        client = Client()
        counts = {}
        for name in ("password_reset", "password_reset_done", "password_reset_complete"):
            with django_assert_num_queries(0):
                counts[name] = queries_for(client, reverse(name))
        with django_assert_num_queries(1):  # the accounts using the email
            counts["request"] = queries_for(
                client, reverse("password_reset"), method="post", data={"email": "asha@example.org"}, status=302
            )
        link = reset_link(mailoutbox[n])
        # The account; the token moves into a new session (a look, then a write in a savepoint).
        with django_assert_num_queries(5):
            counts["link"] = queries_for(client, link, status=302)
        set_password = client.get(link)["Location"]
        with django_assert_num_queries(2):  # the account and the session
            counts["form"] = queries_for(client, set_password)
        password = f"{NEW_PASSWORD}-{n}"
        with django_assert_num_queries(6):  # the account, the session; saving both in a savepoint
            counts["set"] = queries_for(
                client,
                set_password,
                method="post",
                data={"new_password1": password, "new_password2": password},
                status=302,
            )
        return counts

    small = measure(0)
    for n in range(20):
        UserFactory(email=f"student{n}@example.org")
    assert measure(1) == small
