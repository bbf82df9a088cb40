"""Accessibility in a real browser: axe-core on every student page, the timer's announcements,
labelled controls, and palette states that do not rely on colour."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from quiz.models import Attempt
from tests.e2e.axe import blocking_violations
from tests.e2e.paper import (
    RESULT_URL,
    TIMER_SECONDS,
    choose,
    expect_palette,
    expect_ready,
    expect_saved,
    mark,
    option,
    start,
)
from tests.factories import QuestionFactory, QuizFactory, StatementQuestionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_axe_scan_has_no_serious_violations(page, live_server, sign_in):
    s1 = StatementQuestionFactory()
    q1, q2 = QuestionFactory.create_batch(2)
    trap = QuestionFactory(is_trap=True, trap_note="A partnership is mistaken for an alliance.")
    quiz = QuizFactory(questions=[s1, q1, q2, trap], title="Partnerships and alliances")
    found: dict[str, list[str]] = {}
    # A button's 0.15 s colour transition, caught midway on a busy machine, reads as low contrast;
    # Bootstrap drops its transitions for reduced motion, so the scan sees the settled colours.
    page.emulate_media(reduced_motion="reduce")

    def scan(name: str):
        found[name] = blocking_violations(page)

    page.goto(f"{live_server.url}/")
    scan("home, signed out")
    sign_in()
    page.goto(f"{live_server.url}/")
    scan("home")
    page.goto(f"{live_server.url}/quizzes/")
    scan("quiz list")
    page.goto(f"{live_server.url}{quiz.get_absolute_url()}")
    scan("quiz detail")
    start(page, live_server, quiz)
    choose(page, option(s1, 3))  # wrong, so the result explains a misjudged statement
    expect_saved(page, s1)
    mark(page, q1)
    expect_saved(page, q1)
    choose(page, option(trap, 2))  # falls for the trap
    expect_saved(page, trap)
    scan("paper")
    page.locator(".paper-bar").get_by_role("button", name="Submit").click()
    expect(page.locator("#submit-dialog")).to_be_visible()
    # Mid-fade the dialog's text is half transparent and fails contrast: scan it as the student reads it.
    page.wait_for_function("() => getComputedStyle(document.getElementById('submit-dialog')).opacity === '1'")
    scan("paper, submit dialog open")
    page.locator("#confirm-submit").click()
    expect(page).to_have_url(RESULT_URL)
    expect(page.locator(".explanation")).to_have_count(4)
    scan("result")
    page.goto(f"{live_server.url}{reverse('history')}")
    expect(page.get_by_role("link", name=quiz.title)).to_be_visible()
    scan("history")
    page.goto(f"{live_server.url}/study/")
    scan("study")
    page.goto(f"{live_server.url}{s1.topic.get_absolute_url()}")
    scan("study topic")
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/accounts/signup/")
    scan("signup")
    page.goto(f"{live_server.url}/accounts/login/")
    scan("login")

    failing = {name: lines for name, lines in found.items() if lines}
    assert failing == {}, "\n".join(f"{name}: {line}" for name, lines in failing.items() for line in lines)


# Every text the timer's live region is given, in order: what a screen reader would announce.
RECORD_ANNOUNCEMENTS = """() => {
  window.announcements = [];
  new MutationObserver((records) => {
    for (const record of records) {
      const text = Array.from(record.addedNodes, (node) => node.textContent).join("");
      if (text) window.announcements.push(text);
    }
  }).observe(document.getElementById("timer-announce"), {childList: true, characterData: true, subtree: true});
}"""


def test_timer_announces_politely_only_at_ten_five_and_one_minute(page, live_server, sign_in):
    quiz = QuizFactory(questions=QuestionFactory.create_batch(2), time_limit=timedelta(minutes=11))
    sign_in()
    # The page's clock is Playwright's from here: eleven minutes of countdown run in a second.
    page.clock.install()
    attempt = start(page, live_server, quiz)
    timer = page.locator("#timer")
    region = page.locator("#timer-announce")
    expect(timer).to_have_attribute("role", "timer")
    expect(timer).to_have_accessible_name("Time left")
    # A timer is aria-live "off" by default: its every second is not read out. The region speaks.
    assert timer.get_attribute("aria-live") in (None, "off")
    expect(region).to_have_attribute("aria-live", "polite")
    page.evaluate(RECORD_ANNOUNCEMENTS)

    def at(seconds_left: int):
        now = page.evaluate(TIMER_SECONDS)
        page.clock.run_for((now - seconds_left) * 1000)
        assert page.evaluate(TIMER_SECONDS) == seconds_left

    def announced() -> list[str]:
        return page.evaluate("window.announcements")

    assert page.evaluate(TIMER_SECONDS) > 600
    expect(region).to_have_text("")
    at(601)
    assert announced() == []
    at(600)
    assert announced() == ["10 minutes left."]
    at(301)
    assert announced() == ["10 minutes left."]
    at(300)
    assert announced() == ["10 minutes left.", "5 minutes left."]
    at(61)
    assert announced() == ["10 minutes left.", "5 minutes left."]
    expect(timer).not_to_have_class(re.compile(r"text-danger"))
    at(60)
    assert announced() == ["10 minutes left.", "5 minutes left.", "1 minute left."]
    expect(region).to_have_text("1 minute left.")
    expect(timer).to_have_class(re.compile(r"text-danger"))
    at(20)
    assert announced() == ["10 minutes left.", "5 minutes left.", "1 minute left."]

    # Back after a reload with 4:50 left: the thresholds already passed are not announced again.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=290))
    page.reload()
    expect_ready(page)
    page.evaluate(RECORD_ANNOUNCEMENTS)
    left = page.evaluate(TIMER_SECONDS)
    assert 280 <= left <= 290
    at(61)
    assert announced() == []
    expect(region).to_have_text("")
    at(59)
    assert announced() == ["1 minute left."]


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two CSS "rgb(r, g, b)" colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_paper_every_control_has_a_name(page, live_server, sign_in):
    s1 = StatementQuestionFactory()
    q1 = QuestionFactory()
    quiz = QuizFactory(questions=[s1, q1])
    sign_in()
    start(page, live_server, quiz)
    choose(page, option(q1, 2))
    expect_saved(page, q1)

    controls = page.locator("main").locator("a[href], button, input:not([type=hidden]), select, textarea, summary")
    names = {}
    for i in range(controls.count()):
        control = controls.nth(i)
        if not control.is_visible() and control.get_attribute("type") != "checkbox":
            continue  # hidden (the no-JS Save, the closed dialog); the review toggles are clipped, not hidden
        expect(control).to_have_accessible_name(re.compile(r"\S"))
        names.setdefault(control.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')"), []).append(
            control.evaluate("el => el.id || el.textContent.trim()")
        )
    # Each option is named by its own text, each palette cell by its number and state.
    for number, choice in enumerate(q1.choices.order_by("order"), start=1):
        expect(page.get_by_role("radio", name=f"({'abcd'[number - 1]}) {choice.text}", exact=True)).to_have_count(1)
    expect(page.get_by_role("link", name="Question 1: Not answered", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Question 2: Answered", exact=True)).to_be_visible()
    expect(page.get_by_role("group", name="Options for question 1")).to_be_visible()
    expect(page.get_by_role("region", name="Question 2 of 2")).to_be_visible()
    # The buttons repeated in every question say which question they act on, for a list of controls.
    for number in (1, 2):
        expect(page.get_by_role("checkbox", name=f"Mark for review (question {number})", exact=True)).to_have_count(1)
        expect(page.get_by_role("button", name=f"Clear response (question {number})", exact=True)).to_have_count(1)
    # Four options and three confidence tags a question, the tags a named group of their own.
    assert len(names["input:radio"]) == 2 * (4 + 3)
    tags = page.get_by_role("group", name="How sure are you of your answer to question 1? (optional)")
    expect(tags.get_by_role("radio")).to_have_count(3)
    expect(tags.get_by_role("radio", name="50:50", exact=True)).to_have_count(1)
    # An unchosen option's circle stands out from the page (WCAG 1.4.11: 3:1 for a control's edge).
    edge = page.locator(f"#c-{option(q1, 1).pk}").evaluate("el => getComputedStyle(el).borderTopColor")
    assert contrast(edge, "rgb(255, 255, 255)") >= 3, edge

    page.locator(".paper-bar").get_by_role("button", name="Submit").click()
    dialog = page.get_by_role("dialog", name="Submit your paper?")
    expect(dialog).to_be_visible()
    for button in dialog.get_by_role("button").all():
        expect(button).to_have_accessible_name(re.compile(r"\S"))


# The palette cell's look, colours left out: what remains must tell every state apart.
SHAPE = """(el) => {
  const style = getComputedStyle(el);
  const after = getComputedStyle(el, "::after").content;
  return [style.borderTopStyle, style.borderRadius === "50%" ? "round" : "square", after === "none" ? "" : after];
}"""


def test_palette_states_differ_in_shape_and_words_not_only_colour(page, live_server, sign_in):
    not_visited, not_answered, answered, marked, both = QuestionFactory.create_batch(5)
    quiz = QuizFactory(questions=[not_answered, answered, marked, both, not_visited])
    sign_in()
    start(page, live_server, quiz)  # the first question is in view, so it counts as seen
    choose(page, option(answered, 2))
    expect_saved(page, answered)
    mark(page, marked)
    expect_saved(page, marked)
    choose(page, option(both, 1))
    expect_saved(page, both)
    mark(page, both)
    expect_saved(page, both)
    states = {
        "not-visited": not_visited,
        "not-answered": not_answered,
        "answered": answered,
        "marked": marked,
        "answered-marked": both,
    }
    for state, question in states.items():
        expect_palette(page, question, state)

    shapes = {state: page.locator(f'[data-palette="{q.pk}"]').evaluate(SHAPE) for state, q in states.items()}
    assert shapes == {
        "not-visited": ["solid", "square", ""],
        "not-answered": ["dashed", "square", ""],
        "answered": ["solid", "square", '"✓"'],
        "marked": ["solid", "round", ""],
        "answered-marked": ["solid", "round", '"✓"'],
    }
    # In words too: the cell's name, the badge on the question, and a legend that shows each shape.
    legend = page.locator(".palette-legend li")
    expect(legend).to_have_text(
        ["Not visited", "Not answered", "Answered", "Marked for review", "Answered and marked for review"]
    )
    for i, state in enumerate(states):
        assert legend.nth(i).locator(".palette-item").evaluate(SHAPE) == shapes[state]
    position = {q.pk: n for n, q in enumerate([not_answered, answered, marked, both, not_visited], start=1)}
    for label, question in (
        ("Not visited", not_visited),
        ("Not answered", not_answered),
        ("Answered", answered),
        ("Marked for review", marked),
        ("Answered and marked for review", both),
    ):
        cell = page.locator(f'[data-palette="{question.pk}"]')
        expect(cell).to_have_accessible_name(f"Question {position[question.pk]}: {label}")
        expect(page.locator(f"#q-{question.pk} [data-state-label]")).to_have_text(label)
