"""Confidence tags and time per question in a real browser (issue 15): tag by mouse and by keyboard,
reload, submit, and read the risk report, the time chart and History's calibration at a phone's
width and a laptop's, axe clean."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from playwright.sync_api import expect

from quiz.models import Answer, Attempt
from tests.e2e.axe import scan_at_both_widths
from tests.e2e.conftest import WIDTHS
from tests.e2e.paper import RESULT_URL, expect_ready, expect_saved, option, section, start
from tests.factories import QuestionFactory, QuizFactory
from tests.helpers import T0, graded_attempt, right, wrong

pytestmark = pytest.mark.django_db(transaction=True)


def tag(page, question, value: str):
    return page.locator(f"#conf-{question.pk}-{value}")


def tag_label(page, question, value: str):
    return page.locator(f"label[for=conf-{question.pk}-{value}]")


def expect_was(page, question, was: str):
    """What the page says it last knew saved (the form's `was-<id>`): the server acknowledged it."""
    expect(page.locator(f'input[name="was-{question.pk}"]')).to_have_value(was)


def past_papers(student):
    """A history to calibrate: 45 tagged answers, enough for advice on Sure and Guess."""
    questions = QuestionFactory.create_batch(45)
    sure, guess, fifty = questions[:20], questions[20:40], questions[40:]
    picks = {q: right(q) if i < 17 else wrong(q) for i, q in enumerate(sure)}
    picks |= {q: right(q) if i < 3 else wrong(q) for i, q in enumerate(guess)}
    picks |= {q: right(q) if i < 3 else wrong(q) for i, q in enumerate(fifty)}
    confidences = dict.fromkeys(sure, "sure") | dict.fromkeys(guess, "guess") | dict.fromkeys(fifty, "fifty")
    quiz = QuizFactory(title="Mock 1", questions=questions, time_limit=timedelta(minutes=54))
    graded_attempt(user=student, quiz=quiz, picks=picks, now=T0, confidences=confidences, seconds_apart=50)


def test_confidence_tags_by_mouse_and_keyboard_persist_and_feed_the_risk_report(page, live_server, sign_in, screenshot):
    questions = QuestionFactory.create_batch(10)
    q1, q2, q3 = questions[:3]
    # 120 s a question: the pace the chart draws.
    quiz = QuizFactory(title="Polity drill", questions=questions, time_limit=timedelta(minutes=20))
    student = sign_in()
    past_papers(student)
    page.emulate_media(reduced_motion="reduce")  # the dialog opens without waiting on a transition
    page.clock.install()  # from here the page's clocks are the test's to move
    attempt = start(page, live_server, quiz)
    # The paper began ten minutes ago (ten of its twenty left), so the server's cap, its time so far,
    # leaves alone the minutes this test runs the page's clock on.
    earlier = timedelta(minutes=10)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=F("started_at") - earlier, deadline=F("deadline") - earlier)

    # Question 1 by mouse, after 150 s on it.
    page.clock.run_for(150_000)
    section(page, q1).locator(f"label[for=c-{option(q1, 1).pk}]").click()
    tag_label(page, q1, "sure").click()
    expect(tag(page, q1, "sure")).to_be_checked()
    expect_was(page, q1, f"{option(q1, 1).pk}:0:sure")
    # A click on the tag already chosen takes it off; another puts it back.
    tag_label(page, q1, "sure").click()
    expect(tag(page, q1, "sure")).not_to_be_checked()
    expect_was(page, q1, f"{option(q1, 1).pk}:0:")
    tag_label(page, q1, "sure").click()
    expect_was(page, q1, f"{option(q1, 1).pk}:0:sure")

    # Question 2 by keyboard, after 90 s on it: g, g again (off), then f.
    page.keyboard.press("n")
    page.clock.run_for(90_000)
    page.keyboard.press("2")
    expect_saved(page, q2)
    page.keyboard.press("g")
    expect_was(page, q2, f"{option(q2, 2).pk}:0:guess")
    page.keyboard.press("g")
    expect_was(page, q2, f"{option(q2, 2).pk}:0:")
    page.keyboard.press("f")
    expect(tag(page, q2, "fifty")).to_be_checked()
    expect_was(page, q2, f"{option(q2, 2).pk}:0:fifty")
    # Question 3: a Guess, wrong, after 30 s.
    page.keyboard.press("n")
    page.clock.run_for(30_000)
    page.keyboard.press("3")
    page.keyboard.press("g")
    expect_was(page, q3, f"{option(q3, 3).pk}:0:guess")

    saved = {a.question_id: (a.confidence, a.active_seconds) for a in Answer.objects.filter(attempt=attempt)}
    assert saved[q1.pk][0] == "sure" and saved[q2.pk][0] == "fifty" and saved[q3.pk][0] == "guess"
    # The clock the test runs on also flows with real time, so a few seconds more may count.
    measured = [saved[q.pk][1] for q in (q1, q2, q3)]
    assert all(0 <= got - ran <= 10 for got, ran in zip(measured, (150, 90, 30), strict=True)), measured

    page.reload()
    expect_ready(page)
    expect(tag(page, q1, "sure")).to_be_checked()
    expect(tag(page, q2, "fifty")).to_be_checked()
    expect(tag(page, q3, "guess")).to_be_checked()
    expect(tag(page, q2, "sure")).not_to_be_checked()
    found = scan_at_both_widths(page, "paper-confidence", screenshot)
    for size, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        screenshot(page, f"confidence-tags-{size}", locator=section(page, q1))

    page.locator(".paper-bar").get_by_role("button", name="Submit").click()
    page.locator("#confirm-submit").click()
    expect(page).to_have_url(RESULT_URL)

    risk = page.locator("[data-risk]")
    expect(risk).to_contain_text("an answer pays when it is right more than 25.0% of the time")
    expect(risk.locator('tr[data-group="sure"]')).to_contain_text("Sure")
    expect(page.locator("[data-timing] svg")).to_be_visible()
    expect(page.locator("[data-timing]")).to_contain_text("Time measured on the page")
    expect(page.locator("[data-slowest] li").first).to_have_text(
        f"Question 1: {measured[0]} s ({measured[0] - 120} s over the pace), right, tagged Sure."
    )
    found |= scan_at_both_widths(page, "result-risk", screenshot)
    for size, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        screenshot(page, f"risk-report-{size}", locator=page.locator("[data-risk]"))
        screenshot(page, f"time-chart-{size}", locator=page.locator("[data-timing]"))

    page.goto(f"{live_server.url}{reverse('history')}")
    calibration = page.locator("[data-calibration]")
    expect(calibration.locator("[data-advice] li").first).to_contain_text("Your Sure answers were right")
    found |= scan_at_both_widths(page, "history-calibration", screenshot)
    for size, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        screenshot(page, f"calibration-{size}", locator=calibration)

    failing = {name: lines for name, lines in found.items() if lines}
    assert failing == {}, "\n".join(f"{name}: {line}" for name, lines in failing.items() for line in lines)
