"""The paper one question per screen (the CBT layout) and the switch between layouts, through the views:
the form's moves (next, prev, mark-next, go-<n>) with its question number `q`, and what a forged
number does (nothing)."""

import re

import pytest
from django.urls import reverse

from quiz.models import Answer, Attempt
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_layout_set, attempt_start, attempt_submit
from tests.factories import QuestionFactory, QuizFactory, StatementQuestionFactory
from tests.helpers import queries_for, right, wrong

pytestmark = pytest.mark.django_db

SECTION = re.compile(r'<section [^>]*id="q-(\d+)"[^>]*>')
FORM_UNREADABLE = "The form could not be read; nothing was saved. Please try again."


@pytest.fixture
def questions():
    return QuestionFactory.create_batch(3)


@pytest.fixture
def attempt(questions, student):
    attempt = attempt_start(quiz=QuizFactory(questions=questions), user=student).attempt
    return attempt_layout_set(attempt=attempt, layout=Attempt.Layout.ONE)


def paper(attempt: Attempt) -> str:
    return reverse("attempt_paper", args=[attempt.public_id])


def submit(attempt: Attempt) -> str:
    return reverse("attempt_submit", args=[attempt.public_id])


def shown(html: str) -> list[int]:
    """The question ids whose sections the page shows (the others carry `hidden`)."""
    return [int(m.group(1)) for m in SECTION.finditer(html) if not m.group(0).endswith(" hidden>")]


def form(questions, **fields) -> dict:
    """The paper's form as a freshly rendered page posts it, nothing saved yet, plus `fields`."""
    return {**{f"was-{q.pk}": ":0" for q in questions}, **fields}


def saved(attempt: Attempt) -> dict:
    return {a.question_id: (a.choice_id, a.marked) for a in Answer.objects.filter(attempt=attempt)}


def test_paper_one_per_screen_shows_the_numbered_question_alone(student_client, attempt, questions):
    html = student_client.get(paper(attempt) + "?q=2").content.decode()

    assert shown(html) == [questions[1].pk]
    assert '<input type="hidden" name="q" value="2">' in html
    assert 'data-layout="one"' in html
    # The question on screen is visited; the palette's cells are buttons of the form, the current one marked.
    assert re.search(
        rf'value="go-2" class="palette-item state-not-answered" data-palette="{questions[1].pk}"\s+'
        'aria-label="Question 2: Not answered" aria-current="step">2</button>',
        html,
    )
    assert 'aria-label="Question 1: Not visited">1</button>' in html
    for intent in ("mark-next", "prev", "next", f"clear-{questions[1].pk}"):
        assert f'name="intent" value="{intent}"' in html
    assert ">Save &amp; Next</button>" in html and ">Mark for review &amp; Next</button>" in html
    assert f'<input type="checkbox" name="mark-{questions[1].pk}" id="mark-{questions[1].pk}" hidden>' in html
    assert html.count('data-move="prev" disabled') == 1  # the first question's Previous


def test_paper_one_per_screen_starts_at_the_first_question(student_client, attempt, questions):
    html = student_client.get(paper(attempt)).content.decode()
    assert shown(html) == [questions[0].pk]
    assert '<input type="hidden" name="q" value="1">' in html


def test_paper_all_on_one_page_shows_every_question_and_ignores_q(student_client, attempt, questions):
    attempt_layout_set(attempt=attempt, layout=Attempt.Layout.ALL)
    html = student_client.get(paper(attempt) + "?q=99").content.decode()
    assert shown(html) == [q.pk for q in questions]
    assert 'name="q"' not in html and "go-1" not in html
    assert 'value="layout-one"' in html


@pytest.mark.parametrize("q", ["0", "4", "x", "", "٢", "1_0"])
def test_paper_one_per_screen_address_naming_no_question_shows_the_first(student_client, attempt, q):
    response = student_client.get(paper(attempt), {"q": q}, follow=True)
    assert response.redirect_chain == [(paper(attempt), 302)]
    html = response.content.decode()
    assert "This paper has no question at that number: here is its first question." in html
    assert '<input type="hidden" name="q" value="1">' in html


def test_paper_save_and_next_saves_unmarks_and_moves_on(student_client, attempt, questions):
    q1 = questions[0]
    answer_save(user=attempt.user, attempt_public_id=attempt.public_id, question_id=q1.pk, choice_id=None, marked=True)
    data = form(questions, **{"q": "1", "intent": "next", f"q-{q1.pk}": right(q1).pk, f"was-{q1.pk}": ":1"})
    data[f"mark-{q1.pk}"] = "on"  # still ticked on the page: Save & Next unmarks it all the same

    response = student_client.post(submit(attempt), data)

    assert (response.status_code, response["Location"]) == (302, paper(attempt) + "?q=2")
    assert saved(attempt) == {q1.pk: (right(q1).pk, False)}


def test_paper_mark_for_review_and_next_marks_and_moves_on(student_client, attempt, questions):
    q2 = questions[1]
    data = form(questions, **{"q": "2", "intent": "mark-next", f"q-{q2.pk}": wrong(q2).pk})

    response = student_client.post(submit(attempt), data)

    assert (response.status_code, response["Location"]) == (302, paper(attempt) + "?q=3")
    assert saved(attempt) == {q2.pk: (wrong(q2).pk, True)}


def test_paper_mark_for_review_and_next_on_a_blank_marks_it(student_client, attempt, questions):
    response = student_client.post(submit(attempt), form(questions, q="3", intent="mark-next"))
    # The last question: it stays on screen.
    assert response["Location"] == paper(attempt) + "?q=3"
    assert saved(attempt) == {questions[2].pk: (None, True)}


def test_paper_previous_saves_and_leaves_the_mark(student_client, attempt, questions):
    q2 = questions[1]
    answer_save(user=attempt.user, attempt_public_id=attempt.public_id, question_id=q2.pk, choice_id=None, marked=True)
    data = form(questions, **{"q": "2", "intent": "prev", f"q-{q2.pk}": right(q2).pk, f"was-{q2.pk}": ":1"})
    data[f"mark-{q2.pk}"] = "on"

    response = student_client.post(submit(attempt), data)

    assert response["Location"] == paper(attempt) + "?q=1"
    assert saved(attempt) == {q2.pk: (right(q2).pk, True)}
    # Before the first question: it stays.
    assert student_client.post(submit(attempt), form(questions, q="1", intent="prev"))["Location"] == (
        paper(attempt) + "?q=1"
    )


def test_paper_palette_cell_saves_and_goes_to_its_question(student_client, attempt, questions):
    q1 = questions[0]
    data = form(questions, **{"q": "1", "intent": "go-3", f"q-{q1.pk}": right(q1).pk})

    response = student_client.post(submit(attempt), data)

    assert response["Location"] == paper(attempt) + "?q=3"
    assert saved(attempt) == {q1.pk: (right(q1).pk, False)}


def test_paper_one_per_screen_clear_and_save_stay_on_the_question(student_client, attempt, questions):
    q2 = questions[1]
    answer_save(
        user=attempt.user, attempt_public_id=attempt.public_id, question_id=q2.pk, choice_id=right(q2).pk, marked=False
    )
    data = form(questions, **{"q": "2", "intent": f"clear-{q2.pk}", f"q-{q2.pk}": right(q2).pk})
    data[f"was-{q2.pk}"] = f"{right(q2).pk}:0"

    response = student_client.post(submit(attempt), data, follow=True)

    assert response.redirect_chain == [(paper(attempt) + "?q=2", 302)]
    assert "Your answers are saved." in response.content.decode()
    assert saved(attempt) == {q2.pk: (None, False)}


@pytest.mark.parametrize(
    "fields",
    [
        {"q": "0", "intent": "next"},
        {"q": "4", "intent": "next"},
        {"q": "-1", "intent": "prev"},
        {"q": "x", "intent": "mark-next"},
        {"q": "", "intent": "next"},
        {"q": "\u0661", "intent": "next"},  # an Arabic-Indic one: int() reads it, we do not
        {"q": "1", "intent": "go-4"},
        {"q": "1", "intent": "go-0"},
        {"q": "1", "intent": "go-"},
        {"q": "1", "intent": "go-1.5"},
        {"q": "9", "intent": "go-2"},
        {"q": "1", "intent": "layout-bad"},
        {"q": "1", "intent": "nextt"},
    ],
)
def test_paper_forged_question_number_saves_nothing(student_client, attempt, questions, fields):
    q1 = questions[0]
    data = form(questions, **{f"q-{q1.pk}": right(q1).pk, f"mark-{q1.pk}": "on", **fields})

    response = student_client.post(submit(attempt), data)

    assert response.status_code == 400
    assert FORM_UNREADABLE in response.content.decode()
    assert saved(attempt) == {}
    attempt.refresh_from_db()
    assert (attempt.status, attempt.layout) == (Attempt.Status.IN_PROGRESS, Attempt.Layout.ONE)


def test_paper_layout_switch_saves_the_form_and_is_remembered(student_client, student, questions):
    attempt = attempt_start(quiz=QuizFactory(questions=questions), user=student).attempt
    assert attempt.layout == Attempt.Layout.ALL  # a student's first paper: today's one page
    q1 = questions[0]

    response = student_client.post(
        submit(attempt), form(questions, **{"intent": "layout-one", f"q-{q1.pk}": right(q1).pk})
    )

    assert response["Location"] == paper(attempt)
    attempt.refresh_from_db()
    assert attempt.layout == Attempt.Layout.ONE
    assert saved(attempt) == {q1.pk: (right(q1).pk, False)}
    # The next paper, of another quiz, starts in the layout chosen last.
    attempt_submit(attempt=attempt)
    following = attempt_start(quiz=QuizFactory(questions=QuestionFactory.create_batch(2)), user=student).attempt
    assert following.layout == Attempt.Layout.ONE
    # And back: the switch is per paper.
    student_client.post(submit(following), {"intent": "layout-all", "q": "1"})
    following.refresh_from_db()
    assert following.layout == Attempt.Layout.ALL


def test_paper_layout_of_a_closed_paper_does_not_change(student, attempt):
    closed = attempt_submit(attempt=attempt)
    attempt_layout_set(attempt=closed, layout=Attempt.Layout.ALL)
    assert Attempt.objects.get(pk=closed.pk).layout == Attempt.Layout.ONE


def test_paper_one_per_screen_queries_do_not_grow(student_client, student, django_assert_num_queries):
    """The page one question per screen reads what the page with every question reads: the number adds none."""

    def measure(n: int) -> int:
        questions = [StatementQuestionFactory() if i % 2 else QuestionFactory() for i in range(n)]
        attempt = attempt_start(quiz=QuizFactory(questions=questions, shuffle_options=True), user=student).attempt
        attempt_layout_set(attempt=attempt, layout=Attempt.Layout.ONE)
        for question in questions[: n // 2]:
            answer_save(
                user=student,
                attempt_public_id=attempt.public_id,
                question_id=question.pk,
                choice_id=wrong(question).pk,
                marked=False,
            )
        with django_assert_num_queries(7):  # the first paper of these versions: it reads them to render their texts
            count = queries_for(student_client, paper(attempt) + f"?q={n}", app_only=True)
        moved = queries_for(
            student_client, submit(attempt), method="post", data=form(questions, q="1", intent="next"), status=302
        )
        attempt_submit(attempt=attempt)
        return count, moved

    small, large = measure(5), measure(50)
    assert small == large
    # The paper as on one page (test_quiz_views' PAPER_QUERIES); Save & Next reads the question on screen.
    assert small == (5, 9)
