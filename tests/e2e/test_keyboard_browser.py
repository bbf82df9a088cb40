"""The paper with the keyboard alone: paper.js's shortcuts (1 to 4, n, p, m), Tab through every control,
and a focus indicator that can always be seen."""

import pytest
from playwright.sync_api import expect

from quiz.models import Answer, Attempt
from tests.e2e.paper import RESULT_URL, expect_palette, expect_ready, expect_saved, option, section, start
from tests.factories import QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db(transaction=True)

# What has focus, and whether it shows: a solid ring at least 2 px wide, on the element or, for
# Bootstrap's toggle buttons (a clipped checkbox), on its label. Bootstrap's own faint glow is a
# box-shadow; app.css replaces it with the outline, so the outline is what is required.
FOCUS = """() => {
  const el = document.activeElement;
  const shown = el.matches(".btn-check") ? el.nextElementSibling : el;
  const style = getComputedStyle(shown);
  const outline = style.outlineStyle === "solid" && parseFloat(style.outlineWidth) >= 2
    && !style.outlineColor.endsWith(", 0)") && style.outlineColor !== "transparent";
  const rect = shown.getBoundingClientRect();
  return {
    id: el.id,
    name: (el.getAttribute("aria-label") || (el.labels && el.labels[0] ? el.labels[0].textContent : el.textContent))
      .trim().replace(/\\s+/g, " "),
    tag: el.tagName.toLowerCase(),
    visible: outline,
    onScreen: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight,
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUS)


def expect_focus_on(page, element_id: str) -> dict:
    expect(page.locator(f"#{element_id}")).to_be_focused()
    # Bootstrap scrolls smoothly: the focused option comes into view over a few frames.
    page.wait_for_function(f"() => ({FOCUS})().onScreen", timeout=5_000)
    now = focused(page)
    assert (now["visible"], now["onScreen"]) == (True, True), now
    return now


def test_paper_keyboard_shortcuts_answer_move_and_mark(page, live_server, sign_in):
    q1, q2, q3 = QuestionFactory.create_batch(3)
    quiz = QuizFactory(questions=[q1, q2, q3])
    sign_in()
    page.goto(f"{live_server.url}{quiz.get_absolute_url()}")
    page.get_by_role("button", name="Start the paper").focus()
    page.keyboard.press("Enter")
    expect_ready(page)
    attempt = Attempt.objects.get()

    page.keyboard.press("2")
    expect(page.locator(f"#c-{option(q1, 2).pk}")).to_be_checked()
    expect_focus_on(page, f"c-{option(q1, 2).pk}")
    expect_saved(page, q1)

    page.keyboard.press("n")
    expect_focus_on(page, f"c-{option(q2, 1).pk}")  # nothing chosen yet: the first option
    expect(section(page, q2)).to_be_in_viewport()
    page.keyboard.press("1")
    expect_saved(page, q2)
    page.keyboard.press("m")
    expect_palette(page, q2, "answered-marked")
    expect(page.locator(f"#mark-{q2.pk}")).to_be_checked()
    expect_saved(page, q2)

    page.keyboard.press("n")
    expect_focus_on(page, f"c-{option(q3, 1).pk}")
    page.keyboard.press("n")  # past the last question: stays
    expect_focus_on(page, f"c-{option(q3, 1).pk}")
    page.keyboard.press("m")
    expect_palette(page, q3, "marked")
    expect_saved(page, q3)
    page.keyboard.press("m")  # m toggles
    expect_palette(page, q3, "not-answered")
    expect_saved(page, q3)

    page.keyboard.press("p")
    expect_focus_on(page, f"c-{option(q2, 1).pk}")  # back to the chosen option
    page.keyboard.press("4")  # changes the answer
    expect(page.locator(f"#c-{option(q2, 4).pk}")).to_be_checked()
    expect_saved(page, q2)
    page.keyboard.press("p")
    page.keyboard.press("p")  # before the first: stays
    expect_focus_on(page, f"c-{option(q1, 2).pk}")
    expect(page.locator("#progress")).to_have_text("2 of 3 answered, 1 marked")

    answers = {a.question_id: (a.choice_id, a.marked) for a in Answer.objects.filter(attempt=attempt)}
    assert answers == {q1.pk: (option(q1, 2).pk, False), q2.pk: (option(q2, 4).pk, True), q3.pk: (None, False)}

    # Submit by keyboard; inside the open dialog the number keys answer nothing.
    page.locator(".paper-bar [data-open-submit]").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#submit-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You have answered 2 of 3 questions. 1 is unanswered. 1 is marked for review.")
    page.keyboard.press("3")
    expect(page.locator(f"#c-{option(q1, 2).pk}")).to_be_checked()
    # Bootstrap moves focus into the dialog once it has faded in, and keeps Tab inside it.
    page.wait_for_function("() => document.getElementById('submit-dialog').contains(document.activeElement)")
    for _ in range(4):
        if page.evaluate("document.activeElement.id") == "confirm-submit":
            break
        page.keyboard.press("Tab")
    expect_focus_on(page, "confirm-submit")
    page.keyboard.press("Enter")
    expect(page).to_have_url(RESULT_URL)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.correct_count, attempt.wrong_count, attempt.blank_count) == (
        Attempt.Status.SUBMITTED,
        0,
        2,
        1,
    )


def test_paper_tab_reaches_every_control_with_visible_focus(page, live_server, sign_in):
    q1, q2 = QuestionFactory.create_batch(2)
    quiz = QuizFactory(questions=[q1, q2])
    sign_in()
    start(page, live_server, quiz)
    page.locator(f"#c-{option(q1, 1).pk}").check()
    expect_saved(page, q1)
    page.reload()  # Tab starts from the top of the page, as for a student arriving at it
    expect_ready(page)

    stops = []
    while len(stops) < 40 and [stop["name"] for stop in stops[-2:]] != ["Save answers", "Submit"]:
        page.keyboard.press("Tab")
        # Bootstrap scrolls smoothly: the newly focused control comes into view over a few frames.
        page.wait_for_function(f"() => ({FOCUS})().onScreen", timeout=5_000)
        stops.append(focused(page))
    assert [stop for stop in stops if not stop["visible"]] == []

    navbar = page.evaluate(
        "Array.from(document.querySelectorAll('nav.navbar a[href], nav.navbar button'))"
        ".filter((el) => el.offsetParent !== null).map((el) => el.textContent.trim())"
    )
    assert [stop["name"] for stop in stops] == [
        "Skip to content",
        *navbar,
        "Keyboard shortcuts",
        "Submit",
        "Question palette",
        "Question 1: Answered",
        "Question 2: Not visited",
        "All on one page",
        "One question per screen",
        f"(a) {option(q1, 1).text}",  # a radio group is one stop, at its chosen option
        "Sure",  # the confidence tags: a radio group too, at its first when none is chosen
        "Mark for review (question 1)",
        "Clear response (question 1)",
        f"(a) {option(q2, 1).text}",
        "Sure",
        "Mark for review (question 2)",
        "Clear response (question 2)",
        "Save answers",
        "Submit",
    ]
    # Tabbing into a question counts as seeing it, as clicking does.
    expect_palette(page, q2, "not-answered")
