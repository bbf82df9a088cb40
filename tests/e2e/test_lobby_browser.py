"""A live mock's lobby in the browser: the countdown to the common start runs on the monotonic clock
from the server's seconds, asks the server at zero, and hands over to Start only when the server says
the mock has started (README, "Live mocks").

Playwright's clock stands in for the device's; the server keeps real time, so the test moves the
mock's start to the server's present instead of waiting for it.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from quiz.models import Attempt, Quiz
from tests.e2e.axe import scan_at_both_widths
from tests.e2e.paper import PAPER_URL, expect_ready
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import graded_attempt, right, wrong

pytestmark = pytest.mark.django_db(transaction=True)


def test_lobby_countdown_hands_over_to_start_when_the_server_says_so(page, live_server, sign_in, screenshot):
    now = timezone.now()
    mock = QuizFactory(
        slug="all-india",
        title="All-India mock 1",
        instructions="Read every statement twice. The paper opens for everyone at the same moment.",
        questions=QuestionFactory.create_batch(2),
        time_limit=None,
        starts_at=now + timedelta(minutes=5),
        closes_at=now + timedelta(hours=2),
        explanations=Quiz.Explanations.AFTER_CLOSE,
    )
    student = sign_in()
    page.clock.install()  # from here the page's clocks are the test's to move
    page.goto(f"{live_server.url}{mock.get_absolute_url()}")
    lobby = page.locator("#lobby")
    expect(lobby).to_have_attribute("data-ready", "true")
    start = page.get_by_role("button", name="Start the paper")
    expect(start).to_be_disabled()
    expect(page.locator("[data-signed-in]")).to_contain_text(f"Signed in as {student.username}")
    page.emulate_media(reduced_motion="reduce")  # settled colours for the contrast check, as elsewhere
    assert scan_at_both_widths(page, "lobby", screenshot) == {"lobby, phone": [], "lobby, desktop": []}

    # Five minutes pass on the device and not on the server: at zero the page asks, and keeps waiting.
    page.clock.run_for(300_000)
    expect(lobby).to_have_attribute("data-syncs", "1")
    expect(page.locator("#lobby-note")).to_contain_text("Not yet: this device's clock ran ahead.")
    expect(start).to_be_disabled()
    assert not Attempt.objects.exists()

    # The server's clock reaches the start; the page's countdown reaches zero again and asks.
    Quiz.objects.filter(pk=mock.pk).update(starts_at=timezone.now() - timedelta(seconds=1))
    page.clock.run_for(300_000)
    expect(start).to_be_enabled()
    expect(start).to_be_focused()
    expect(page.locator("[data-lobby-wait]")).to_have_text("The mock has started: press Start.")
    expect(page.locator("#lobby-note")).to_be_hidden()
    screenshot(page, "lobby-started")

    start.click()
    expect(page).to_have_url(PAPER_URL)
    expect_ready(page)
    attempt = Attempt.objects.get(user=student)
    assert attempt.deadline == Quiz.objects.get(pk=mock.pk).closes_at


def test_live_mock_result_shows_the_all_india_standing_once_released(page, live_server, sign_in, screenshot):
    now = timezone.now().replace(second=0, microsecond=0)
    a, b, c = QuestionFactory.create_batch(3)
    mock = QuizFactory(
        slug="all-india",
        title="All-India mock 1",
        questions=[a, b, c],
        time_limit=None,
        starts_at=now - timedelta(hours=3),
        closes_at=now - timedelta(hours=1),
        explanations=Quiz.Explanations.AFTER_CLOSE,
    )
    student = sign_in()
    sat = now - timedelta(hours=3)
    mine = graded_attempt(user=student, quiz=mock, picks={a: right(a), b: right(b)}, now=sat)
    for username, picks in (("topper", {a: right(a), b: right(b), c: right(c)}), ("meera", {a: wrong(a)})):
        graded_attempt(user=UserFactory(username=username), quiz=mock, picks=picks, now=sat)

    page.goto(f"{live_server.url}{reverse('attempt_result', args=[mine.public_id])}")
    standing = page.locator("[data-all-india]")
    expect(standing).to_contain_text("All-India rank 2 of 3")
    expect(standing).to_contain_text("Topper: 6.00 / 6.00, 100.0% · Average: 3.11, 51.8% · You: 4.00")
    screenshot(page, "live-mock-result")
