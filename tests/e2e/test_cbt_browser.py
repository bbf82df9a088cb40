"""The paper one question per screen, as in UPSC/NTA computer-based tests: by mouse, by keyboard and
without JavaScript; its palette beside the question on a laptop (scrolling within itself on a short
screen) and docked on a phone; the keyboard shortcuts list; axe; the README's screenshots."""

import re

import pytest
from playwright.sync_api import expect

from quiz.models import Answer, Attempt
from tests.e2e.axe import blocking_violations
from tests.e2e.conftest import SCREENSHOTS, WIDTHS
from tests.e2e.paper import (
    RESULT_URL,
    choose,
    expect_palette,
    expect_ready,
    expect_saved,
    option,
    section,
    start,
)
from tests.factories import PASSWORD, QuestionFactory, QuizFactory, StatementQuestionFactory
from tests.helpers import right, wrong

pytestmark = pytest.mark.django_db(transaction=True)

ON_QUESTION = re.compile(r"/attempts/[0-9a-f-]{36}/\?q=(\d+)$")


def one_per_screen(page):
    """Switch the paper to one question per screen, as a student does, from the palette."""
    page.get_by_role("button", name="One question per screen").click()
    expect(page.locator("#paper")).to_have_attribute("data-layout", "one")


def saved(attempt) -> dict:
    return {a.question_id: (a.choice_id, a.marked) for a in Answer.objects.filter(attempt=attempt)}


def expect_on(page, question, position: int):
    """Only `question` is on screen, and the address and the palette say which it is."""
    expect(section(page, question)).to_be_visible()
    expect(page.locator("section.question:visible")).to_have_count(1)
    expect(page.locator(f'[data-palette="{question.pk}"]')).to_have_attribute("aria-current", "step")
    expect(page).to_have_url(re.compile(rf"\?q={position}$"))


def button(page, question, name: str):
    return section(page, question).get_by_role("button", name=name, exact=True)


def test_cbt_by_mouse_saves_marks_and_moves(page, live_server, sign_in):
    q1, q2, q3 = QuestionFactory.create_batch(3)
    sign_in()
    attempt = start(page, live_server, QuizFactory(questions=[q1, q2, q3]))
    one_per_screen(page)
    expect_ready(page)
    expect(section(page, q1)).to_be_visible()  # the first question, alone
    expect(page.locator("section.question:visible")).to_have_count(1)
    expect_palette(page, q1, "not-answered")  # on screen is visited
    expect_palette(page, q2, "not-visited")

    choose(page, option(q1, 2))
    expect_saved(page, q1)
    button(page, q1, "Save & Next").click()
    expect_on(page, q2, 2)
    expect_palette(page, q1, "answered")
    expect_palette(page, q2, "not-answered")

    choose(page, right(q2))
    expect_saved(page, q2)
    button(page, q2, "Mark for review & Next").click()
    expect_on(page, q3, 3)
    expect_palette(page, q2, "answered-marked")
    expect_saved(page, q2)

    button(page, q3, "Mark for review & Next").click()  # the last: it stays, marked
    expect_on(page, q3, 3)
    expect_palette(page, q3, "marked")
    expect_saved(page, q3)
    expect(page.locator("#progress")).to_have_text("2 of 3 answered, 2 marked")

    button(page, q3, "Previous").click()
    expect_on(page, q2, 2)
    button(page, q2, "Save & Next").click()  # unmarks it, as in the exam hall
    expect_palette(page, q2, "answered")
    expect_saved(page, q2)
    page.locator(f'[data-palette="{q1.pk}"]').click()
    expect_on(page, q1, 1)
    button(page, q1, "Clear response").click()
    expect_saved(page, q1)
    expect_palette(page, q1, "not-answered")
    assert saved(attempt) == {q1.pk: (None, False), q2.pk: (right(q2).pk, False), q3.pk: (None, True)}

    # A reload stays on the question, one per screen: the layout is the paper's.
    page.locator(f'[data-palette="{q2.pk}"]').click()
    page.reload()
    expect_ready(page)
    expect_on(page, q2, 2)
    expect(page.locator(f"#c-{right(q2).pk}")).to_be_checked()

    page.locator(".paper-bar").get_by_role("button", name="Submit").click()
    expect(page.locator("#submit-dialog")).to_contain_text("You have answered 1 of 3 questions. 2 are unanswered.")
    page.locator("#confirm-submit").click()
    expect(page).to_have_url(RESULT_URL)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.layout, attempt.correct_count) == (Attempt.Status.SUBMITTED, "one", 1)


def test_cbt_by_keyboard_answers_moves_marks_and_lists_the_shortcuts(page, live_server, sign_in):
    q1, q2, q3 = QuestionFactory.create_batch(3)
    sign_in()
    attempt = start(page, live_server, QuizFactory(questions=[q1, q2, q3]))
    one_per_screen(page)
    expect_ready(page)

    page.keyboard.press("2")
    expect(page.locator(f"#c-{option(q1, 2).pk}")).to_be_focused()
    expect_saved(page, q1)
    page.keyboard.press("n")
    expect_on(page, q2, 2)
    expect(page.locator(f"#c-{option(q2, 1).pk}")).to_be_focused()
    page.keyboard.press("m")
    expect_palette(page, q2, "marked")
    expect_saved(page, q2)
    page.keyboard.press("n")
    expect_on(page, q3, 3)
    page.keyboard.press("4")
    expect_saved(page, q3)
    page.keyboard.press("p")
    page.keyboard.press("p")
    expect_on(page, q1, 1)
    expect(page.locator(f"#c-{option(q1, 2).pk}")).to_be_focused()

    # ? lists the shortcuts; inside the list keys answer nothing; Esc goes back where the student was.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    page.wait_for_function("() => document.getElementById('shortcuts-dialog').contains(document.activeElement)")
    expect(dialog.locator("dd").nth(1)).to_have_text("next question")
    page.keyboard.press("3")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#c-{option(q1, 2).pk}")).to_be_focused()
    expect(page.locator(f"#c-{option(q1, 2).pk}")).to_be_checked()

    # Save & Next by keyboard: Tab to it from the chosen option, Enter.
    button(page, q1, "Save & Next").focus()
    page.keyboard.press("Enter")
    expect_on(page, q2, 2)
    assert saved(attempt) == {
        q1.pk: (option(q1, 2).pk, False),
        q2.pk: (None, True),
        q3.pk: (option(q3, 4).pk, False),
    }


def test_cbt_without_javascript_each_move_is_a_form_post(browser, live_server, log_in, student):
    q1, q2, q3 = QuestionFactory.create_batch(3)
    quiz = QuizFactory(questions=[q1, q2, q3])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, student.username, PASSWORD)
    attempt = start(page, live_server, quiz, script=False)
    page.get_by_role("button", name="One question per screen").click()
    expect(page.locator("section.question:visible")).to_have_count(1)
    expect(page.get_by_role("button", name="Keyboard shortcuts")).to_be_hidden()  # they need the script

    choose(page, wrong(q1))
    button(page, q1, "Save & Next").click()
    expect(page).to_have_url(ON_QUESTION)
    assert ON_QUESTION.search(page.url).group(1) == "2"
    expect(section(page, q2)).to_be_visible()
    expect(section(page, q1)).to_be_hidden()
    assert saved(attempt) == {q1.pk: (wrong(q1).pk, False)}
    expect_palette(page, q1, "answered")
    expect_palette(page, q2, "not-answered")

    choose(page, right(q2))
    button(page, q2, "Mark for review & Next").click()
    expect(section(page, q3)).to_be_visible()
    assert saved(attempt)[q2.pk] == (right(q2).pk, True)
    expect_palette(page, q2, "answered-marked")

    choose(page, right(q3))
    page.locator(f'[data-palette="{q1.pk}"]').click()  # a palette cell saves the question on screen, then goes
    expect(section(page, q1)).to_be_visible()
    assert saved(attempt)[q3.pk] == (right(q3).pk, False)
    button(page, q1, "Clear response").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(section(page, q1)).to_be_visible()
    assert saved(attempt)[q1.pk] == (None, False)

    page.locator("#paper").get_by_role("button", name="Submit").click()
    expect(page.locator("main")).to_contain_text("You have answered 2 of 3 questions: 1 is unanswered")
    page.get_by_role("button", name="Submit paper").click()
    expect(page).to_have_url(RESULT_URL)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.correct_count, attempt.blank_count) == (Attempt.Status.SUBMITTED, 2, 1)
    context.close()


@pytest.mark.parametrize("layout", ["one", "all"])
def test_cbt_palette_of_a_full_mock_scrolls_within_itself_on_a_short_laptop(page, live_server, sign_in, layout):
    """1366x657 with 100 questions: the palette is 995 px tall; every cell and the legend stay reachable."""
    page.set_viewport_size({"width": 1366, "height": 657})
    questions = QuestionFactory.create_batch(100)
    sign_in()
    start(page, live_server, QuizFactory(questions=questions))
    if layout == "one":
        one_per_screen(page)
        expect_ready(page)
    palette = page.locator("details.palette")
    bar = page.locator(".paper-bar").bounding_box()
    # No taller than the screen below the sticky bar, so it scrolls within itself.
    assert palette.bounding_box()["height"] <= 657 - bar["height"]
    assert palette.evaluate("(el) => el.scrollHeight > el.clientHeight")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1366

    def reach(locator):
        """Scrolled to (the palette within itself, the page if need be): on screen, below the bar."""
        locator.scroll_into_view_if_needed()
        expect(locator).to_be_in_viewport()
        box = locator.bounding_box()
        assert bar["height"] <= box["y"] and box["y"] + box["height"] <= 657

    reach(page.locator(".palette-legend li").last)
    reach(page.locator(f'[data-palette="{questions[0].pk}"]'))
    last = page.locator(f'[data-palette="{questions[-1].pk}"]')
    reach(last)
    last.click()
    expect(section(page, questions[-1]).locator("h2")).to_be_in_viewport()


def test_cbt_palette_is_docked_on_a_phone_one_tap_away(page, live_server, sign_in):
    page.set_viewport_size(WIDTHS["phone"])
    questions = QuestionFactory.create_batch(30)
    sign_in()
    start(page, live_server, QuizFactory(questions=questions))
    one_per_screen(page)
    expect_ready(page)
    summary = page.locator("details.palette summary")
    # Docked at the foot of the screen, folded, wherever the page is scrolled.
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    expect(summary).to_be_in_viewport()
    box = summary.bounding_box()
    assert box["y"] >= 812 - 80 and box["y"] + box["height"] <= 812
    expect(page.locator(f'[data-palette="{questions[0].pk}"]')).to_be_hidden()

    summary.click()
    cell = page.locator(f'[data-palette="{questions[-1].pk}"]')
    cell.scroll_into_view_if_needed()
    expect(cell).to_be_in_viewport()
    page.locator(".palette-legend li").last.scroll_into_view_if_needed()
    expect(page.locator(".palette-legend li").last).to_be_in_viewport()
    cell.click()
    expect_on(page, questions[-1], 30)
    expect(cell).to_be_hidden()  # folded again over the question it opened
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTHS["phone"]["width"]


def test_shortcuts_button_opens_an_accessible_list(page, live_server, sign_in):
    q1, q2 = QuestionFactory.create_batch(2)
    sign_in()
    start(page, live_server, QuizFactory(questions=[q1, q2]))
    shortcuts = page.get_by_role("button", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    shortcuts.click()
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    terms = dialog.locator("dt")
    expect(terms).to_have_text(["1 to 4", "n", "p", "m", "s, f, g", "?", "Esc"])
    page.wait_for_function("() => document.getElementById('shortcuts-dialog').contains(document.activeElement)")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(shortcuts).to_be_focused()  # back on the button that opened it
    # All on one page, ? opens it too.
    page.keyboard.press("?")
    expect(dialog).to_be_visible()


@pytest.mark.parametrize("size", WIDTHS)
def test_cbt_axe_scan_and_screenshots(page, live_server, sign_in, screenshot, size):
    page.set_viewport_size(WIDTHS[size])
    page.emulate_media(reduced_motion="reduce")
    s1, s2 = StatementQuestionFactory.create_batch(2)
    others = QuestionFactory.create_batch(8)
    questions = [s1, others[0], s2, *others[1:]]
    sign_in()
    start(page, live_server, QuizFactory(questions=questions, title="Prelims practice: partnerships and alliances"))
    one_per_screen(page)
    expect_ready(page)
    choose(page, right(s1))
    expect_saved(page, s1)
    button(page, s1, "Save & Next").click()
    choose(page, wrong(questions[1]))
    expect_saved(page, questions[1])
    button(page, questions[1], "Mark for review & Next").click()
    button(page, s2, "Mark for review & Next").click()
    expect_on(page, questions[3], 4)
    expect_palette(page, s2, "marked")
    assert blocking_violations(page) == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTHS[size]["width"]
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.move(0, 0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if size == "phone":
        # What the phone's screen shows: a full page would draw the docked palette mid-page.
        page.screenshot(path=str(SCREENSHOTS / "cbt-paper-phone.png"))
    else:
        screenshot(page, f"cbt-paper-{size}")
    if size == "phone":
        page.locator("details.palette summary").click()
        expect(page.locator(f'[data-palette="{s1.pk}"]')).to_be_in_viewport()
        assert blocking_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / "cbt-palette-phone.png"))
        page.locator("details.palette summary").click()
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert blocking_violations(page) == []
