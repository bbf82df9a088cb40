"""The paper and the history at a phone's 375 px and a laptop's 1280 px: nothing scrolls sideways,
the palette and Submit are in reach, and screenshots of both for the README."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from quiz.models import Quiz
from quiz.services import answers, attempts
from tests.e2e.axe import blocking_violations
from tests.e2e.conftest import WIDTHS
from tests.e2e.paper import expect_palette, option, start
from tests.factories import QuestionFactory, QuizFactory, StatementQuestionFactory
from tests.helpers import right, wrong

pytestmark = pytest.mark.django_db(transaction=True)

SCROLL_WIDTH = "document.scrollingElement.scrollWidth"


def below_the_bar(page, locator) -> bool:
    """Whether `locator` starts below the sticky paper bar, so the bar does not cover it."""
    bar = page.locator(".paper-bar").bounding_box()
    box = locator.bounding_box()
    return box["y"] >= bar["y"] + bar["height"] - 1


@pytest.mark.parametrize("size", WIDTHS)
def test_paper_fits_the_screen_with_palette_and_submit_in_reach(page, live_server, sign_in, size):
    width = WIDTHS[size]["width"]
    page.set_viewport_size(WIDTHS[size])
    questions = [StatementQuestionFactory(), *QuestionFactory.create_batch(7)]
    quiz = QuizFactory(
        questions=questions, title="Prelims practice: partnerships, alliances and the exercises that are not treaties"
    )
    sign_in()
    start(page, live_server, quiz)
    assert page.evaluate(SCROLL_WIDTH) <= width
    submit = page.locator(".paper-bar [data-open-submit]")
    timer = page.locator("#timer")
    expect(submit).to_be_in_viewport()
    expect(timer).to_be_in_viewport()

    # At the foot of the paper the bar, with the clock and Submit, is still on screen.
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    expect(submit).to_be_in_viewport()
    expect(timer).to_be_in_viewport()
    expect(page.locator("#paper").get_by_role("button", name="Save answers")).to_be_in_viewport()

    palette = page.locator("details.palette")
    last = questions[-1]
    if size == "phone":
        # Folded above the first question; one tap opens it.
        expect(palette).not_to_have_attribute("open", "")
        page.evaluate("window.scrollTo(0, 0)")
        palette.locator("summary").click()
    else:
        expect(palette).to_have_attribute("open", "")
        # Beside the questions, not above them.
        assert palette.bounding_box()["x"] > page.locator(f"#q-{questions[0].pk}").bounding_box()["x"]
    cells = page.locator(".palette-grid .palette-item")
    expect(cells).to_have_count(len(questions))
    for i in range(len(questions)):
        box = cells.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert min(box["width"], box["height"]) >= 24  # a fingertip's target (WCAG 2.5.8)
    cells.last.click()
    heading = page.locator(f"#q-{last.pk} h2")
    expect(heading).to_be_in_viewport()
    page.wait_for_function(
        "(id) => { const bar = document.querySelector('.paper-bar').getBoundingClientRect();"
        " return document.getElementById(id).getBoundingClientRect().top >= bar.bottom - 1; }",
        arg=f"q-{last.pk}",
    )
    assert below_the_bar(page, heading)
    page.locator(f"label[for=c-{option(last, 2).pk}]").click()
    expect_palette(page, last, "answered")
    assert page.evaluate(SCROLL_WIDTH) <= width

    submit.click()
    dialog = page.get_by_role("dialog", name="Submit your paper?")
    expect(dialog.get_by_role("button", name="Submit paper")).to_be_in_viewport()
    expect(dialog.locator(".modal-footer").get_by_role("button", name="Keep working")).to_be_in_viewport()
    assert page.evaluate(SCROLL_WIDTH) <= width


def sit(quiz, user, *, days_ago: int, rights: int, wrongs: int):
    """A paper submitted `days_ago` days back: the first `rights` questions right, `wrongs` wrong, the rest blank."""
    began = timezone.now() - timedelta(days=days_ago, hours=days_ago)
    attempt = attempts.attempt_start(quiz=quiz, user=user, now=began).attempt
    for n, item in enumerate(attempt.items.order_by("position").select_related("question")[: rights + wrongs]):
        choice = right(item.question) if n < rights else wrong(item.question)
        at = began + timedelta(minutes=1)
        answers.answer_save(
            user=attempt.user,
            attempt_public_id=attempt.public_id,
            question_id=item.question_id,
            choice_id=choice.pk,
            marked=False,
            now=at,
        )
    return attempts.attempt_submit(attempt=attempt, now=began + timedelta(minutes=9))


@pytest.mark.parametrize("size", WIDTHS)
def test_history_fits_the_screen(page, live_server, bank, sign_in, screenshot, size):
    width = WIDTHS[size]["width"]
    page.set_viewport_size(WIDTHS[size])
    student = sign_in()
    quick, traps = Quiz.objects.get(slug="quick-10"), Quiz.objects.get(slug="trap-drill")
    for days_ago, quiz, rights, wrongs in (
        (12, quick, 3, 5),
        (9, traps, 4, 6),
        (6, quick, 5, 3),
        (3, traps, 7, 4),
        (1, quick, 8, 1),
    ):
        sit(quiz, student, days_ago=days_ago, rights=rights, wrongs=wrongs)

    page.goto(f"{live_server.url}{reverse('history')}")
    expect(page.get_by_role("heading", name="Your history", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=quick.title, exact=True)).to_have_count(3)
    expect(page.get_by_role("link", name=traps.title, exact=True)).to_have_count(2)
    screenshot(page, f"history-{size}")
    assert blocking_violations(page) == []
    assert page.evaluate(SCROLL_WIDTH) <= width
