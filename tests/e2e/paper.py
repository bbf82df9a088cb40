"""Driving the app as a student does, signing up and sitting the timed paper; shared by the browser tests."""

import re

from playwright.sync_api import expect

from quiz.models import Attempt

PAPER_URL = re.compile(r"/attempts/([0-9a-f-]{36})/$")
RESULT_URL = re.compile(r"/attempts/[0-9a-f-]{36}/result/$")
# What the result says of a paper whose time ran out (the server decided it; the page only asked).
TIMED_OUT_NOTICE = "Time ran out: the paper was submitted with the answers saved by the deadline."
# The countdown's "mm:ss" (or "h:mm:ss") as seconds.
TIMER_SECONDS = (
    "() => document.getElementById('timer').textContent.trim().split(':')"
    ".reduce((total, part) => total * 60 + Number(part), 0)"
)


def sign_up(page, username: str, password: str):
    """Fill in and send the sign-up form the page shows; wait until the new student is signed in."""
    page.get_by_label("Username").fill(username)
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Signed in as")).to_contain_text(username)


def option(question, number: int):
    """The option shown `number`th on the paper: the authored order, with shuffling off (QuizFactory's)."""
    return question.choices.order_by("order")[number - 1]


def start(page, live_server, quiz, *, script: bool = True) -> Attempt:
    """Start the paper from the quiz page, as a student does; return the attempt it made.

    With `script`, wait until paper.js says it is ready; without JavaScript the form alone is there.
    """
    page.goto(f"{live_server.url}{quiz.get_absolute_url()}")
    page.get_by_role("button", name="Start the paper").click()
    expect(page).to_have_url(PAPER_URL)
    public_id = PAPER_URL.search(page.url).group(1)
    if script:
        expect_ready(page)
    else:
        expect(page.locator("#paper")).to_be_visible()
    return Attempt.objects.get(public_id=public_id)


def expect_ready(page):
    """Wait until paper.js has bound its handlers (it marks the form); a key pressed before is lost."""
    expect(page.locator("#paper")).to_have_attribute("data-ready", "true")


def section(page, question):
    return page.locator(f"#q-{question.pk}")


def choose(page, choice):
    page.locator(f"#c-{choice.pk}").check()


def mark(page, question):
    section(page, question).locator(f"label[for=mark-{question.pk}]").click()


def expect_saved(page, question):
    expect(section(page, question).locator("[data-save-status]")).to_have_text("Saved")


def expect_palette(page, question, state: str):
    expect(page.locator(f'[data-palette="{question.pk}"]')).to_have_class(f"palette-item state-{state}")


def shown_seconds(page) -> int:
    return page.evaluate(TIMER_SECONDS)


def syncs(page) -> int:
    """How many times the countdown has taken the server's seconds left since the page loaded."""
    return int(page.locator("#timer").get_attribute("data-syncs") or 0)


def expect_synced(page, since: int):
    """Wait until the countdown has taken the server's figure again (paper.js counts each time)."""
    expect(page.locator("#timer")).not_to_have_attribute("data-syncs", str(since))
