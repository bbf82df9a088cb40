"""The paper's countdown against a device clock that lies: it runs on the monotonic clock, from the
server's seconds left, and the server decides when time is up (README, "Timed papers").

Playwright's clock stands in for the device's. `set_system_time` moves `Date` alone, as changing the
date or time zone in the settings does; `run_for` moves the monotonic clock (`performance.now()`,
timers) and `Date` together. The server keeps real time, so figures compare with its seconds left,
allowing for the real time the test itself takes.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quiz import policy
from quiz.models import Attempt
from tests.e2e.paper import (
    PAPER_URL,
    RESULT_URL,
    TIMED_OUT_NOTICE,
    choose,
    expect_saved,
    expect_synced,
    shown_seconds,
    start,
    syncs,
)
from tests.factories import QuestionFactory, QuizFactory
from tests.helpers import right

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = 3600  # seconds: Playwright's Python clock reads a number as seconds since the epoch


def sit_thirty_minutes(page, live_server, sign_in) -> Attempt:
    quiz = QuizFactory(questions=QuestionFactory.create_batch(2), time_limit=timedelta(minutes=30))
    sign_in()
    page.clock.install()  # from here the page's clocks are the test's to move
    return start(page, live_server, quiz)


def server_seconds(attempt: Attempt) -> int:
    return policy.seconds_left(attempt, timezone.now())


def move_device_clock(page, seconds: int):
    """Change the device's date and time, as its settings do: `Date` jumps, the monotonic clock does not."""
    page.clock.set_system_time(page.evaluate("Date.now()") / 1000 + seconds)


def expect_still_sitting(page, attempt: Attempt):
    expect(page).to_have_url(PAPER_URL)
    expect(page.locator("#save-warning")).to_be_hidden()
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.IN_PROGRESS


def test_countdown_ignores_the_device_clock_moved_an_hour_forward(page, live_server, sign_in, screenshot):
    attempt = sit_thirty_minutes(page, live_server, sign_in)
    before, since, began = shown_seconds(page), syncs(page), time.monotonic()

    move_device_clock(page, HOUR)
    # The page notices that the two clocks disagree and asks the server, which says nothing changed.
    expect_synced(page, since)
    page.clock.run_for(1_000)  # and a second on, ticking, so the page has acted on the jump
    after, elapsed = shown_seconds(page), time.monotonic() - began

    assert before - elapsed - 2 <= after <= before
    expect_still_sitting(page, attempt)
    expect(page.locator("#clock-note")).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "paper-clock-forward")


def test_countdown_shows_no_extra_time_when_the_device_clock_goes_back_an_hour(page, live_server, sign_in):
    attempt = sit_thirty_minutes(page, live_server, sign_in)
    before, since, began = shown_seconds(page), syncs(page), time.monotonic()

    move_device_clock(page, -HOUR)
    expect_synced(page, since)
    page.clock.run_for(1_000)  # and a second on, ticking, so the page has acted on the jump
    after, elapsed = shown_seconds(page), time.monotonic() - began

    assert before - elapsed - 2 <= after <= before
    assert after <= server_seconds(attempt) + 1
    expect_still_sitting(page, attempt)


def test_countdown_still_counts_down_on_the_monotonic_clock(page, live_server, sign_in):
    attempt = sit_thirty_minutes(page, live_server, sign_in)
    since = syncs(page)
    move_device_clock(page, HOUR)
    expect_synced(page, since)
    before, began = shown_seconds(page), time.monotonic()

    page.clock.run_for(90_000)
    after, elapsed = shown_seconds(page), time.monotonic() - began

    # Ninety seconds less, give or take the quarter-second between the display's ticks.
    assert before - 91 - elapsed <= after <= before - 89
    expect_still_sitting(page, attempt)


def test_countdown_resynchronises_on_a_save_after_drifting(page, live_server, sign_in):
    attempt = sit_thirty_minutes(page, live_server, sign_in)
    question = attempt.items.first().question
    # Five minutes pass on this device's clocks and not on the server's: the countdown drifted.
    page.clock.run_for(300_000)
    assert shown_seconds(page) <= server_seconds(attempt) - 299
    began = time.monotonic()

    choose(page, right(question))
    expect_saved(page, question)
    after = shown_seconds(page)
    server, elapsed = server_seconds(attempt), time.monotonic() - began

    assert server - 1 <= after <= server + 1 + elapsed
    expect_still_sitting(page, attempt)


def test_countdown_at_zero_asks_the_server_and_carries_on_when_time_remains(page, live_server, sign_in, screenshot):
    attempt = sit_thirty_minutes(page, live_server, sign_in)
    since = syncs(page)

    # This device's clocks run a whole paper ahead of the server's: the page reaches zero first.
    page.clock.run_for(shown_seconds(page) * 1000)
    expect_synced(page, since)
    after, server = shown_seconds(page), server_seconds(attempt)

    note = page.locator("#clock-note")
    expect(note).to_contain_text("Not yet: this device's clock ran ahead.")
    expect(note).to_have_attribute("role", "status")
    assert server - 1 <= after <= server + 1
    expect_still_sitting(page, attempt)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "paper-clock-ahead-at-zero")


def test_countdown_at_zero_without_the_server_hands_nothing_in(page, live_server, sign_in):
    attempt = sit_thirty_minutes(page, live_server, sign_in)
    state_url = f"**/attempts/{attempt.public_id}/state/"
    page.route(state_url, lambda route: route.abort("internetdisconnected"))

    page.clock.run_for(shown_seconds(page) * 1000)
    note = page.locator("#clock-note")
    expect(note).to_contain_text(
        "Time is up on this device's clock, but the server, whose clock decides, could not confirm it: "
        "The connection is down."
    )
    assert shown_seconds(page) == 0
    expect_still_sitting(page, attempt)

    # Back online, the server's word is taken: time remains, so the paper carries on.
    page.unroute(state_url)
    since = syncs(page)
    page.clock.run_for(1_000)  # the first backoff before asking again
    expect_synced(page, since)
    expect(note).to_contain_text("Not yet: this device's clock ran ahead.")
    # (The reply may land before the last of that second has run on this device.)
    assert shown_seconds(page) >= server_seconds(attempt) - 2
    expect_still_sitting(page, attempt)


def test_countdown_resynchronises_after_a_sleep_that_paused_the_monotonic_clock(page, live_server, sign_in):
    attempt = sit_thirty_minutes(page, live_server, sign_in)
    since = syncs(page)
    # Ten minutes asleep: real time passed (the server's deadline is ten minutes nearer), the date
    # moved on, and this browser's performance.now() stood still.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=attempt.deadline - timedelta(minutes=10))
    move_device_clock(page, 600)

    expect_synced(page, since)
    attempt.refresh_from_db()
    assert server_seconds(attempt) - 1 <= shown_seconds(page) <= server_seconds(attempt) + 2
    assert shown_seconds(page) <= 20 * 60
    expect_still_sitting(page, attempt)


def test_countdown_asks_again_when_a_sleep_ends_before_the_network_is_back(page, live_server, sign_in):
    attempt = sit_thirty_minutes(page, live_server, sign_in)
    state_url = f"**/attempts/{attempt.public_id}/state/"
    page.route(state_url, lambda route: route.abort("internetdisconnected"))
    Attempt.objects.filter(pk=attempt.pk).update(deadline=attempt.deadline - timedelta(minutes=10))
    since = syncs(page)

    with page.expect_event("requestfailed", lambda request: "/state/" in request.url):
        move_device_clock(page, 600)  # woken from ten minutes' sleep, with no network yet
    assert syncs(page) == since
    page.unroute(state_url)
    page.clock.run_for(1_000)  # the first backoff before asking again

    expect_synced(page, since)
    attempt.refresh_from_db()
    assert server_seconds(attempt) - 2 <= shown_seconds(page) <= server_seconds(attempt) + 2
    expect_still_sitting(page, attempt)


@pytest.mark.parametrize(("target", "event"), [("document", "visibilitychange"), ("window", "focus")])
def test_countdown_resynchronises_when_the_page_is_seen_again(page, live_server, sign_in, target, event):
    attempt = sit_thirty_minutes(page, live_server, sign_in)
    since = syncs(page)
    # The page stood still unseen (both its clocks stopped) while the server's time ran on.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=attempt.deadline - timedelta(minutes=10))

    page.evaluate(f"{target}.dispatchEvent(new Event('{event}'))")
    expect_synced(page, since)
    attempt.refresh_from_db()
    assert server_seconds(attempt) - 1 <= shown_seconds(page) <= server_seconds(attempt) + 2
    expect_still_sitting(page, attempt)


def test_countdown_at_the_servers_zero_hands_the_paper_in_as_timed_out(page, live_server, sign_in):
    attempt = sit_thirty_minutes(page, live_server, sign_in)
    question = attempt.items.first().question
    choose(page, right(question))
    expect_saved(page, question)
    # The server's deadline is two seconds away; this device's clocks race to zero ahead of it.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=2))

    page.clock.run_for(shown_seconds(page) * 1000)
    expect(page).to_have_url(RESULT_URL)
    expect(page.get_by_text(TIMED_OUT_NOTICE)).to_be_visible()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.correct_count) == (Attempt.Status.TIMED_OUT, 1)
