"""The timed paper in a real browser: autosave, reload, clear, submit, the clock at zero, screenshots."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quiz.models import Answer, Attempt
from tests.e2e.conftest import WIDTHS
from tests.e2e.paper import (
    PAPER_URL,
    RESULT_URL,
    TIMED_OUT_NOTICE,
    TIMER_SECONDS,
    choose,
    expect_palette,
    expect_ready,
    expect_saved,
    mark,
    option,
    section,
    start,
)
from tests.factories import PASSWORD, QuestionFactory, QuizFactory, StatementQuestionFactory
from tests.helpers import right

pytestmark = pytest.mark.django_db(transaction=True)


def test_paper_answers_survive_a_reload(page, live_server, sign_in):
    q1, q2, q3 = QuestionFactory.create_batch(3)
    quiz = QuizFactory(questions=[q1, q2, q3])
    student = sign_in()
    attempt = start(page, live_server, quiz)
    expect(page.locator("#timer")).to_have_attribute("role", "timer")

    choose(page, right(q1))
    expect_saved(page, q1)
    mark(page, q2)
    expect_saved(page, q2)
    choose(page, option(q3, 2))
    expect_saved(page, q3)
    expect(page.locator("#progress")).to_have_text("2 of 3 answered, 1 marked")

    answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    assert attempt.user == student
    assert {pk: (a.choice_id, a.marked) for pk, a in answers.items()} == {
        q1.pk: (right(q1).pk, False),
        q2.pk: (None, True),
        q3.pk: (option(q3, 2).pk, False),
    }

    # The clock ticks: at least two seconds off before the reload...
    before = page.evaluate(TIMER_SECONDS)
    page.wait_for_function(f"() => ({TIMER_SECONDS})() <= {before - 2}")
    page.reload()
    expect_ready(page)
    # ...and the server's deadline carries on after it: not reset to the full 10:00.
    after = page.evaluate(TIMER_SECONDS)
    assert after <= before - 2
    assert after < 600

    expect(page.locator(f"#c-{right(q1).pk}")).to_be_checked()
    expect(page.locator(f"#c-{option(q3, 2).pk}")).to_be_checked()
    expect(section(page, q2).locator("input[type=radio]:checked")).to_have_count(0)
    expect(page.locator(f"#mark-{q2.pk}")).to_be_checked()
    expect(page.locator(f"#mark-{q1.pk}")).not_to_be_checked()
    expect_palette(page, q1, "answered")
    expect_palette(page, q2, "marked")
    expect_palette(page, q3, "answered")
    expect(page.locator("#progress")).to_have_text("2 of 3 answered, 1 marked")
    expect(page.locator("#progress [data-answered]")).to_have_text("2")
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.IN_PROGRESS


def test_paper_clear_response_saves_blank(page, live_server, sign_in):
    q1, q2 = QuestionFactory.create_batch(2)
    quiz = QuizFactory(questions=[q1, q2])
    sign_in()
    attempt = start(page, live_server, quiz)

    choose(page, right(q1))
    expect_saved(page, q1)
    expect_palette(page, q1, "answered")
    assert Answer.objects.get(attempt=attempt, question=q1).choice_id == right(q1).pk

    section(page, q1).get_by_role("button", name="Clear response").click()
    expect_saved(page, q1)
    expect(page.locator(f"#c-{right(q1).pk}")).not_to_be_checked()
    expect(section(page, q1).locator("input[type=radio]:checked")).to_have_count(0)
    expect_palette(page, q1, "not-answered")
    expect(page.locator("#progress [data-answered]")).to_have_text("0")
    # Clearing is an autosave too, not a form submit: still on the paper.
    expect(page).to_have_url(PAPER_URL)
    expect_ready(page)
    answer = Answer.objects.get(attempt=attempt, question=q1)
    assert answer.choice_id is None
    assert answer.marked is False


def test_paper_submit_confirmation_counts_unanswered(page, live_server, sign_in):
    q1, q2, q3 = QuestionFactory.create_batch(3)
    quiz = QuizFactory(questions=[q1, q2, q3])
    sign_in()
    attempt = start(page, live_server, quiz)

    choose(page, right(q1))
    expect_saved(page, q1)
    page.locator(".paper-bar").get_by_role("button", name="Submit").click()
    dialog = page.locator("#submit-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You have answered 1 of 3 questions.")
    expect(dialog).to_contain_text("2 are unanswered")
    dialog.get_by_role("button", name="Submit paper").click()

    expect(page).to_have_url(RESULT_URL)
    expect(page.locator("[data-score]")).to_have_text("2.00")
    expect(page.get_by_text("out of 6.00")).to_be_visible()
    explanations = page.locator(".explanation")
    expect(explanations).to_have_count(3)
    for i in range(3):
        expect(explanations.nth(i)).to_contain_text("Because the note says so")
    for question in (q1, q2, q3):
        link = page.get_by_role("link", name=question.note.heading, exact=True)
        expect(link).to_have_attribute("href", question.note.get_absolute_url())

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert (attempt.score, attempt.max_score) == (Decimal("2.00"), Decimal("6.00"))
    assert (attempt.correct_count, attempt.wrong_count, attempt.blank_count) == (1, 0, 2)


def test_paper_one_minute_quiz_auto_submits_at_zero(page, live_server, sign_in):
    q1, q2 = QuestionFactory.create_batch(2)
    quiz = QuizFactory(questions=[q1, q2], time_limit=timedelta(minutes=1))
    sign_in()
    attempt = start(page, live_server, quiz)
    assert timedelta(seconds=58) <= attempt.deadline - attempt.started_at <= timedelta(minutes=1)

    # Not a minute's wait: bring the deadline close, then load the paper with the clock it gives.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=4))
    page.reload()
    assert page.evaluate(TIMER_SECONDS) <= 4
    choose(page, right(q1))
    expect_saved(page, q1)

    page.wait_for_url(RESULT_URL, timeout=15_000)
    expect(page.locator("[data-score]")).to_have_text("2.00")
    # The page handed the paper in only once the server's clock said time was up, so it says so.
    expect(page.get_by_text(TIMED_OUT_NOTICE)).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.TIMED_OUT
    assert attempt.submitted_at <= attempt.deadline + timedelta(seconds=5)
    assert (attempt.score, attempt.max_score) == (Decimal("2.00"), Decimal("4.00"))
    answer = Answer.objects.get(attempt=attempt, question=q1)
    assert (answer.choice_id, answer.outcome, answer.marks) == (right(q1).pk, "correct", Decimal("2.00"))
    assert Answer.objects.get(attempt=attempt, question=q2).outcome == "blank"


@pytest.mark.parametrize("size", WIDTHS)
def test_paper_and_result_screenshots(page, live_server, sign_in, screenshot, size):
    page.set_viewport_size(WIDTHS[size])
    s1, s2 = StatementQuestionFactory.create_batch(2)
    q1, q2, q3 = QuestionFactory.create_batch(3)
    quiz = QuizFactory(questions=[s1, q1, s2, q2, q3], title="Prelims practice: partnerships and alliances")
    sign_in()
    start(page, live_server, quiz)

    choose(page, option(s1, 2))  # right: "1 and 3 only"
    expect_saved(page, s1)
    choose(page, option(q1, 2))  # wrong
    expect_saved(page, q1)
    mark(page, s2)
    expect_saved(page, s2)
    choose(page, right(q2))
    expect_saved(page, q2)
    mark(page, q2)
    expect_saved(page, q2)
    for question, state in ((s1, "answered"), (q1, "answered"), (s2, "marked"), (q2, "answered-marked")):
        expect_palette(page, question, state)
    expect_palette(page, q3, "not-visited")

    palette = page.locator("details.palette")
    if size == "phone":
        expect(palette).not_to_have_attribute("open", "")  # folded on a phone, so the first question shows
        palette.locator("summary").click()
    expect(page.locator(f'[data-palette="{q3.pk}"]')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.move(0, 0)  # no option left in its hover colour under the last click
    screenshot(page, f"paper-{size}")

    page.locator(".paper-bar").get_by_role("button", name="Submit").click()
    expect(page.locator("#submit-dialog")).to_contain_text("2 are unanswered")
    page.locator("#confirm-submit").click()
    expect(page).to_have_url(RESULT_URL)
    expect(page.locator("[data-score]")).to_have_text("3.33")  # 2 right, 1 wrong: 4 - 2/3
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
    page.mouse.move(0, 0)
    screenshot(page, f"result-{size}")


def test_paper_failed_save_warns_and_retries_until_saved(page, live_server, sign_in):
    q1, q2 = QuestionFactory.create_batch(2)
    sign_in()
    attempt = start(page, live_server, QuizFactory(questions=[q1, q2]))
    # The connection drops: every autosave fails at the network level.
    page.route("**/answer/", lambda route: route.abort("internetdisconnected"))

    choose(page, right(q1))

    expect(page.locator("#save-warning")).to_be_visible()
    expect(page.locator("#save-warning")).to_contain_text("Not saved yet: Question 1.")
    expect(section(page, q1).locator("[data-save-status]")).to_have_text("Not saved yet, retrying…")
    assert not Answer.objects.filter(attempt=attempt).exists()

    # It comes back: the pending answer is saved with no action from the student.
    page.unroute("**/answer/")
    expect_saved(page, q1)
    expect(page.locator("#save-warning")).to_be_hidden()
    assert Answer.objects.get(attempt=attempt).choice_id == right(q1).pk


def test_paper_without_javascript_saves_and_submits(browser, live_server, log_in, student):
    q1, q2, q3 = QuestionFactory.create_batch(3)
    quiz = QuizFactory(questions=[q1, q2, q3])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, student.username, PASSWORD)
    attempt = start(page, live_server, quiz, script=False)

    choose(page, option(q1, 2))
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    assert Answer.objects.get(attempt=attempt).choice_id == option(q1, 2).pk

    choose(page, right(q2))
    page.locator("#paper").get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Submit your paper?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("You have answered 2 of 3 questions: 1 is unanswered")
    page.get_by_role("button", name="Submit paper").click()

    expect(page).to_have_url(RESULT_URL)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.correct_count, attempt.wrong_count) == (
        Attempt.Status.SUBMITTED,
        Decimal("1.33"),
        1,
        1,
    )
    context.close()


def test_paper_submit_applies_a_change_whose_save_is_unconfirmed(page, live_server, sign_in):
    """The server saved B but its reply never came back; the student went back to A and submitted: A counts."""
    q1, q2 = QuestionFactory.create_batch(2)
    sign_in()
    attempt = start(page, live_server, QuizFactory(questions=[q1, q2]))
    choose(page, right(q1))
    expect_saved(page, q1)

    held = []

    def save_but_hold_the_reply(route):
        held.append((route, route.fetch()))

    page.route("**/answer/", save_but_hold_the_reply)
    choose(page, option(q1, 2))
    for _ in range(50):  # until the server has saved B (its reply is held back)
        if held:
            break
        page.wait_for_timeout(100)
    assert Answer.objects.get(attempt=attempt).choice_id == option(q1, 2).pk
    choose(page, right(q1))  # back to the key, while the first save is unconfirmed

    page.locator(".paper-bar").get_by_role("button", name="Submit").click()
    page.locator("#confirm-submit").click()

    expect(page).to_have_url(RESULT_URL)
    attempt.refresh_from_db()
    assert (attempt.correct_count, attempt.score) == (1, Decimal("2.00"))
