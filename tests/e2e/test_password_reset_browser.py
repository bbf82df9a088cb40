"""Issue 17, item 5: a student who forgot their password resets it by email, in Chromium, axe clean."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.axe import scan_at_both_widths
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "monsoon-session-2027"


def test_forgotten_password_is_reset_through_the_emailed_link(page, live_server, log_in, settings, screenshot):
    # The console backend prints to the server's output, which a test cannot read: Django's locmem
    # backend keeps the same message in mail.outbox, in this process, where the live server runs.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="asha", email="asha@example.org")
    page.emulate_media(reduced_motion="reduce")  # settled button colours for the contrast check

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    found = scan_at_both_widths(page, "password-reset", screenshot)
    page.get_by_label("Email").fill("asha@example.org")
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    found |= scan_at_both_widths(page, "password-reset-sent", screenshot)

    assert [message.to for message in mail.outbox] == [["asha@example.org"]]
    (link,) = re.findall(r"http://\S+/accounts/reset/\S+/", mail.outbox[0].body)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    # A weak password is refused at the field it was typed in, not under the confirmation.
    page.locator("#id_new_password1").fill("12345678")
    page.locator("#id_new_password2").fill("12345678")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.locator("#id_new_password1_error")).to_have_text(
        re.compile(r"^\s*This password is too common\.\s*This password is entirely numeric\.\s*$")
    )
    expect(page.locator("#id_new_password2_error")).to_have_count(0)
    found |= scan_at_both_widths(page, "password-reset-choose", screenshot)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
    found |= scan_at_both_widths(page, "password-reset-done", screenshot)

    page.goto(link)  # the link works once
    expect(page.get_by_role("heading", name="This reset link does not work")).to_be_visible()
    found |= scan_at_both_widths(page, "password-reset-used-link", screenshot)
    log_in(page, "asha", PASSWORD)
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    log_in(page, "asha", NEW_PASSWORD)
    expect(page.get_by_text("Signed in as")).to_contain_text("asha")

    failing = {name: lines for name, lines in found.items() if lines}
    assert failing == {}, "\n".join(f"{name}: {line}" for name, lines in failing.items() for line in lines)


def test_signup_shows_each_error_at_its_field_and_takes_an_optional_email(page, live_server, screenshot):
    UserFactory(username="asha", email="asha@example.org")
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("meera")
    page.get_by_label("Email (optional)").fill("ASHA@example.org")
    page.locator("#id_password1").fill("12345678")
    page.locator("#id_password2").fill("12345679")
    page.get_by_role("button", name="Sign up").click()

    expect(page.locator("#id_email_error")).to_contain_text("Another account already uses this email address.")
    expect(page.locator("#id_password1_error")).to_contain_text("This password is too common.")
    expect(page.locator("#id_password2_error")).to_have_text(
        re.compile(r"^\s*The two password fields didn.t match\.\s*$")
    )
    found = scan_at_both_widths(page, "signup-errors", screenshot)
    page.get_by_label("Email (optional)").fill("")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Signed in as")).to_contain_text("meera")

    failing = {name: lines for name, lines in found.items() if lines}
    assert failing == {}, "\n".join(f"{name}: {line}" for name, lines in failing.items() for line in lines)
