"""Statement, pair and assertion-reason questions laid out cleanly at every width: on the paper, the
result and the admin's preview, no statement's label overlaps its text and nothing overflows its card.

The check that would have caught "Statement-I:" printed on top of its statement (issue 17): the
label's box and its text's box, measured in the browser, for one shipped question of every kind."""

import pytest
from django.db.models import F, Max
from django.db.models.functions import Length
from django.urls import reverse
from playwright.sync_api import expect

from content.models import Question
from tests.e2e.axe import blocking_violations
from tests.e2e.conftest import WIDTHS
from tests.e2e.paper import RESULT_URL, choose, start
from tests.factories import PASSWORD, QuizFactory
from tests.helpers import right, wrong

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {**WIDTHS, "tablet": {"width": 768, "height": 1024}}

# Each statement's label and text as drawn (the boxes of their lines of text, which is what the eye
# sees: a no-wrap label spills out of a shrunken <dt>, whose own box then no longer covers it), each
# card's and the page's widths, measured at once.
MEASURE = """(cardSelector) => {
  const lines = (el) => { const range = document.createRange(); range.selectNodeContents(el);
    return [...range.getClientRects()].map((r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom})); };
  const statements = [...document.querySelectorAll('.statement-list dt')].map((dt) => ({
    label: dt.textContent.trim(), text: dt.nextElementSibling.textContent.trim().slice(0, 40),
    labelLines: lines(dt), textLines: lines(dt.nextElementSibling),
    labelFits: dt.scrollWidth <= dt.clientWidth,
  }));
  const cards = [...document.querySelectorAll(cardSelector)].map((card) => ({
    id: card.id, scrollWidth: card.scrollWidth, clientWidth: card.clientWidth,
  }));
  const page = document.scrollingElement;
  return {statements, cards, page: {scrollWidth: page.scrollWidth, clientWidth: page.clientWidth}};
}"""


def overlap(a: dict, b: dict) -> bool:
    """Whether two boxes share any area (touching edges do not)."""
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def laid_out_cleanly(page, card_selector: str, statements: int) -> list[str]:
    """What is wrong with the page's statements and cards: an empty list when nothing is."""
    found = page.evaluate(MEASURE, card_selector)
    problems = []
    assert len(found["statements"]) == statements
    for s in found["statements"]:
        assert s["labelLines"] and s["textLines"]
        if any(overlap(a, b) for a in s["labelLines"] for b in s["textLines"]):
            problems.append(f"label {s['label']!r} overlaps {s['text']!r}: {s['labelLines']} {s['textLines']}")
        if not s["labelFits"]:
            problems.append(f"label {s['label']!r} spills out of its box")
    for card in found["cards"]:
        if card["scrollWidth"] > card["clientWidth"]:
            problems.append(f"card {card['id']} overflows: {card['scrollWidth']} > {card['clientWidth']}")
    if found["page"]["scrollWidth"] > found["page"]["clientWidth"]:
        problems.append(f"the page scrolls sideways: {found['page']['scrollWidth']} > {found['page']['clientWidth']}")
    return problems


def one_of_each_kind() -> list[Question]:
    """The shipped question of each kind with the longest statements: the hardest to lay out."""
    return [
        Question.objects.filter(kind=kind, status=Question.Status.PUBLISHED)
        .annotate(longest=Max(Length("statements__text")))
        .order_by(F("longest").desc(nulls_last=True), "key")
        .first()
        for kind in Question.Kind.values
    ]


def statements_in(questions) -> int:
    return sum(q.statements.count() for q in questions)


@pytest.mark.parametrize("size", SIZES)
def test_statement_questions_laid_out_cleanly_on_the_paper_and_result(
    page, live_server, sign_in, bank, screenshot, size
):
    questions = one_of_each_kind()
    assert [q.kind for q in questions] == Question.Kind.values
    quiz = QuizFactory(questions=questions, title="One of each kind")
    assertion_reason = questions[Question.Kind.values.index(Question.Kind.ASSERTION_REASON)]
    page.set_viewport_size(SIZES[size])
    sign_in()
    start(page, live_server, quiz)
    assert laid_out_cleanly(page, "section.question", statements_in(questions)) == []
    if size in WIDTHS:
        screenshot(page, f"assertion-reason-paper-{size}", locator=page.locator(f"#q-{assertion_reason.pk}"))
        assert blocking_violations(page) == []

    choose(page, right(questions[0]))
    choose(page, wrong(assertion_reason))
    page.locator(".paper-bar [data-open-submit]").click()
    page.get_by_role("button", name="Submit paper").click()
    expect(page).to_have_url(RESULT_URL)
    assert laid_out_cleanly(page, "article.card", statements_in(questions)) == []
    # The marks by topic, Score column included, in view without scrolling the table sideways.
    by_topic = page.locator("#by-topic + .table-responsive")
    assert by_topic.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    if size in WIDTHS:
        screenshot(page, f"assertion-reason-result-{size}", locator=page.locator(f"#q-{assertion_reason.pk}"))
        assert blocking_violations(page) == []


@pytest.mark.parametrize("size", SIZES)
def test_statement_questions_laid_out_cleanly_in_the_admin_preview(page, live_server, log_in, staff, bank, size):
    page.set_viewport_size(SIZES[size])
    log_in(page, staff.username, PASSWORD, admin=True)
    for question in one_of_each_kind():
        page.goto(f"{live_server.url}{reverse('admin:content_question_preview', args=[question.pk])}")
        expect(page.get_by_role("heading", name="As a student sees it")).to_be_visible()
        assert laid_out_cleanly(page, ".preview-as-student", question.statements.count()) == [], question.key
        if size in WIDTHS:
            assert blocking_violations(page) == [], question.key
