"""The quiz pages and the autosave contract, through the views."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from content.models import Choice
from quiz.models import Answer, Attempt, Quiz
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit
from tests.factories import (
    AssertionReasonQuestionFactory,
    NoteFactory,
    QuestionFactory,
    QuizFactory,
    RuleQuizFactory,
    StatementQuestionFactory,
    TopicFactory,
    UserFactory,
)
from tests.helpers import HOUR, T0, graded_attempt, queries_for, right, wrong

pytestmark = pytest.mark.django_db

EXPLANATION = "Because the note says so; the tempting option confuses a partner with an ally."


@pytest.fixture
def questions():
    return [
        QuestionFactory(is_trap=True, trap_note="Taking a partnership for an alliance."),
        StatementQuestionFactory(),
        AssertionReasonQuestionFactory(),
    ]


@pytest.fixture
def quiz(questions):
    return QuizFactory(slug="drill", title="Drill", questions=questions)


@pytest.fixture
def attempt(quiz, student):
    return attempt_start(quiz=quiz, user=student).attempt


def url(name: str, attempt: Attempt) -> str:
    return reverse(name, args=[attempt.public_id])


def unchanged(questions) -> dict:
    """The `was-<id>` fields of a freshly rendered paper with nothing saved."""
    return {f"was-{q.pk}": ":0" for q in questions}


# --- quiz list and detail ------------------------------------------------------------------------


def test_quiz_list_shows_length_time_and_marking(client, quiz):
    RuleQuizFactory(title="Pace", time_limit=None, seconds_per_question=72)
    QuizFactory(title="Hidden", is_published=False)

    html = client.get(reverse("quiz_list")).content.decode()

    assert "Drill" in html and "Pace" in html and "Hidden" not in html
    assert "<strong>3</strong> questions" in html
    assert "<strong>10 min</strong>" in html
    assert "<strong>3 min 36 s</strong> (72 s a question)" in html
    assert "+2 for a correct answer, \u22120.67 (one third of 2) for a wrong one, 0 for a blank" in html


def test_quiz_detail_asks_a_visitor_to_log_in(client, quiz):
    html = client.get(reverse("quiz_detail", args=["drill"])).content.decode()
    assert f'href="{reverse("login")}?next=/quizzes/drill/"' in html
    assert "Start the paper" not in html


def test_quiz_detail_shows_extra_time(student_client, student, quiz):
    from quiz.models import ExtraTime

    ExtraTime.objects.create(user=student, minutes_per_hour=20)
    html = student_client.get(reverse("quiz_detail", args=["drill"])).content.decode()
    assert "extra-time allowance of 20 minutes per hour, <strong>13 min 20 s</strong>" in html


def test_quiz_detail_unknown_or_unpublished_is_404(client, questions):
    QuizFactory(slug="draft", questions=questions, is_published=False)
    assert client.get(reverse("quiz_detail", args=["draft"])).status_code == 404
    assert client.get(reverse("quiz_detail", args=["nope"])).status_code == 404


def test_quiz_start_creates_an_attempt_and_opens_the_paper(student_client, student, quiz):
    response = student_client.post(reverse("quiz_start", args=["drill"]))
    attempt = Attempt.objects.get(user=student)
    assert response.status_code == 302
    assert response["Location"] == url("attempt_paper", attempt)
    # A second Start (another tab) resumes the same paper.
    assert student_client.post(reverse("quiz_start", args=["drill"]))["Location"] == url("attempt_paper", attempt)
    assert Attempt.objects.count() == 1


def test_quiz_start_needs_login_and_post(student_client, quiz):
    assert Client().post(reverse("quiz_start", args=["drill"]))["Location"].startswith(reverse("login"))
    assert student_client.get(reverse("quiz_start", args=["drill"])).status_code == 405
    assert Attempt.objects.count() == 0


def test_quiz_start_refusal_is_a_message(student_client, questions):
    QuizFactory(slug="later", questions=questions, opens_at=datetime(2099, 1, 1, tzinfo=UTC))
    response = student_client.post(reverse("quiz_start", args=["later"]), follow=True)
    assert "This quiz opens on 1 January 2099, 05:30." in response.content.decode()
    assert Attempt.objects.count() == 0


# --- the paper -----------------------------------------------------------------------------------


def test_paper_follows_the_form_contract(student_client, attempt, questions):
    html = student_client.get(url("attempt_paper", attempt)).content.decode()
    for question in questions:
        ids = sorted(int(v) for v in re.findall(rf'name="q-{question.pk}" id="c-\d+" value="(\d+)"', html))
        assert ids == sorted(question.choices.values_list("pk", flat=True))
        assert f'name="mark-{question.pk}"' in html
    assert f'data-answer-url="{url("attempt_answer", attempt)}"' in html
    assert 'role="timer"' in html
    assert re.search(r'data-seconds-left="(600|599)"', html)


def test_paper_never_holds_the_key_explanation_or_trap_note(student_client, attempt, questions):
    paper = url("attempt_paper", attempt)
    before = student_client.get(paper).content.decode()
    # Move every key to another option: the page must not change at all.
    for question in questions[:2]:
        key, other = right(question), wrong(question)
        Choice.objects.filter(pk=key.pk).update(is_correct=False)
        Choice.objects.filter(pk=other.pk).update(is_correct=True)
    after = student_client.get(paper).content.decode()

    strip = lambda html: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)  # noqa: E731
    assert strip(before) == strip(after)
    assert EXPLANATION not in before
    assert "Taking a partnership for an alliance." not in before
    assert "is_correct" not in before and "is-key" not in before and "The answer" not in before


def test_paper_shows_saved_answers_and_palette_states(student_client, attempt, questions):
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    answer_save(
        user=attempt.user, attempt_public_id=attempt.public_id, question_id=questions[1].pk, choice_id=None, marked=True
    )

    html = student_client.get(url("attempt_paper", attempt)).content.decode()

    assert re.search(rf'value="{right(questions[0]).pk}" checked', html)
    assert re.search(rf'data-palette="{questions[0].pk}"\s+aria-label="Question 1: Answered"', html)
    assert 'aria-label="Question 2: Marked for review"' in html
    assert 'aria-label="Question 3: Not visited"' in html
    assert "<span data-answered>1</span> of 3 answered" in html


def test_paper_of_another_student_is_404(client, attempt):
    client.force_login(UserFactory())
    assert client.get(url("attempt_paper", attempt)).status_code == 404
    assert client.get(url("attempt_result", attempt)).status_code == 404


def test_paper_needs_login(client, attempt):
    assert client.get(url("attempt_paper", attempt))["Location"].startswith(reverse("login"))


def test_paper_of_a_closed_attempt_redirects_to_the_result(student_client, attempt):
    attempt_submit(attempt=attempt)
    assert student_client.get(url("attempt_paper", attempt))["Location"] == url("attempt_result", attempt)


def test_paper_touched_after_the_deadline_closes_the_attempt(student_client, attempt, questions):
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    with time_machine.travel(attempt.deadline + timedelta(minutes=5)):
        response = student_client.get(url("attempt_paper", attempt))
    attempt.refresh_from_db()
    assert response["Location"] == url("attempt_result", attempt)
    assert (attempt.status, attempt.score) == (Attempt.Status.TIMED_OUT, Decimal("2.00"))


# --- autosave ------------------------------------------------------------------------------------


def test_answer_saves_and_reports_progress(student_client, attempt, questions):
    with time_machine.travel(attempt.started_at + timedelta(seconds=90), tick=False):
        response = student_client.post(
            url("attempt_answer", attempt),
            {"question": questions[1].pk, "choice": right(questions[1]).pk, "marked": "on"},
        )
    assert response.status_code == 200
    assert response.json() == {"saved": True, "answered": 1, "marked": 1, "seconds_left": 510}
    answer = Answer.objects.get(attempt=attempt)
    assert (answer.question_id, answer.choice_id, answer.marked) == (questions[1].pk, right(questions[1]).pk, True)


def test_answer_empty_choice_clears(student_client, attempt, questions):
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=True,
    )
    response = student_client.post(url("attempt_answer", attempt), {"question": questions[0].pk, "choice": ""})
    assert response.json()["answered"] == 0 and response.json()["marked"] == 0
    assert Answer.objects.get(attempt=attempt).choice_id is None


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Send 'question' as a question id and 'choice' as a choice id, or empty to clear."),
        (
            {"question": "abc", "choice": ""},
            "Send 'question' as a question id and 'choice' as a choice id, or empty to clear.",
        ),
        (
            {"question": "{q0}", "choice": "x"},
            "Send 'question' as a question id and 'choice' as a choice id, or empty to clear.",
        ),
        ({"question": "{q0}", "choice": "", "marked": "yes"}, "Send 'marked' as 'on', or leave it out."),
        ({"question": "{q0}", "choice": "{c1}"}, "That choice is not an option of this question."),
        ({"question": "{stranger}", "choice": ""}, "That question is not on this paper."),
        (
            {"question": "99999999999999999999", "choice": ""},
            "Send 'question' as a question id and 'choice' as a choice id, or empty to clear.",
        ),
        ({"question": str(2**63 - 1), "choice": ""}, "That question is not on this paper."),
        ({"question": "{q0}", "choice": str(2**63 - 1)}, "That choice is not an option of this question."),
    ],
    ids=[
        "empty",
        "question-not-int",
        "choice-not-int",
        "marked-bad",
        "forged-choice",
        "foreign-question",
        "id-too-big",
        "largest-id",
        "largest-choice-id",
    ],
)
def test_answer_bad_request_is_400_and_saves_nothing(student_client, attempt, questions, data, error):
    stranger = QuestionFactory()
    values = {"q0": questions[0].pk, "c1": right(questions[1]).pk, "stranger": stranger.pk}
    response = student_client.post(url("attempt_answer", attempt), {k: v.format(**values) for k, v in data.items()})
    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert Answer.objects.count() == 0


def test_answer_to_another_students_attempt_is_404(client, attempt, questions):
    client.force_login(UserFactory())
    response = client.post(url("attempt_answer", attempt), {"question": questions[0].pk, "choice": ""})
    assert (response.status_code, response.json()) == (
        404,
        {"error": "There is nothing at this address for you: it may be mistyped, or belong to someone else's account."},
    )
    assert Answer.objects.count() == 0


def test_answer_signed_out_is_403_json(client, attempt, questions):
    response = client.post(url("attempt_answer", attempt), {"question": questions[0].pk, "choice": ""})
    assert response.status_code == 403
    assert response.json() == {
        "error": "You are signed out. Sign in again: your saved answers are kept.",
        "signed_out": True,
    }


def test_answer_needs_post(student_client, attempt):
    assert student_client.get(url("attempt_answer", attempt)).status_code == 405


def test_answer_after_submit_is_409(student_client, attempt, questions):
    attempt_submit(attempt=attempt)
    response = student_client.post(url("attempt_answer", attempt), {"question": questions[0].pk, "choice": ""})
    assert response.status_code == 409
    assert response.json() == {
        "error": "This paper has already been submitted; nothing more can be saved.",
        "closed": True,
    }


@pytest.mark.parametrize(("seconds", "status"), [(-1, 200), (5, 200), (6, 409)])
def test_answer_around_the_deadline(student_client, attempt, questions, settings, seconds, status):
    settings.QUIZ_GRACE_SECONDS = 5
    with time_machine.travel(attempt.deadline + timedelta(seconds=seconds), tick=False):
        response = student_client.post(
            url("attempt_answer", attempt), {"question": questions[0].pk, "choice": right(questions[0]).pk}
        )
    assert response.status_code == status
    attempt.refresh_from_db()
    if status == 409:
        assert response.json()["closed"] is True
        assert (attempt.status, attempt.score) == (Attempt.Status.TIMED_OUT, Decimal("0.00"))
        assert not Answer.objects.filter(choice__isnull=False).exists()
    else:
        assert response.json()["seconds_left"] == (1 if seconds < 0 else 0)
        assert attempt.is_open


# --- the clock check: the server's seconds left, for the page's countdown ---------------------------


def test_state_reports_the_servers_seconds_left(student_client, attempt):
    with time_machine.travel(attempt.started_at + timedelta(seconds=90), tick=False):
        response = student_client.get(url("attempt_state", attempt))
    assert (response.status_code, response.json()) == (200, {"open": True, "seconds_left": 510})
    assert "no-cache" in response["Cache-Control"]


def test_state_of_an_untimed_round_has_no_clock(student_client, attempt):
    Attempt.objects.filter(pk=attempt.pk).update(is_timed=False)
    response = student_client.get(url("attempt_state", attempt))
    assert (response.status_code, response.json()) == (200, {"open": True, "seconds_left": None})


@pytest.mark.parametrize(("seconds", "status"), [(-1, 200), (5, 200), (6, 409)])
def test_state_around_the_deadline_lets_the_server_close_the_paper(
    student_client, attempt, questions, settings, seconds, status
):
    settings.QUIZ_GRACE_SECONDS = 5
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    with time_machine.travel(attempt.deadline + timedelta(seconds=seconds), tick=False):
        response = student_client.get(url("attempt_state", attempt))
    attempt.refresh_from_db()
    if status == 409:
        assert (response.status_code, response.json()) == (
            409,
            {"error": "Time is up: the server closed this paper at its deadline.", "closed": True},
        )
        assert (attempt.status, attempt.score) == (Attempt.Status.TIMED_OUT, Decimal("2.00"))
    else:
        assert (response.status_code, response.json()) == (200, {"open": True, "seconds_left": 1 if seconds < 0 else 0})
        assert attempt.is_open


def test_state_after_submit_is_409(student_client, attempt):
    attempt_submit(attempt=attempt)
    response = student_client.get(url("attempt_state", attempt))
    assert (response.status_code, response.json()) == (409, {"error": "This paper has been submitted.", "closed": True})


def test_state_of_another_students_attempt_is_404_json(client, attempt):
    client.force_login(UserFactory())
    response = client.get(url("attempt_state", attempt))
    assert (response.status_code, response.json()) == (
        404,
        {"error": "There is nothing at this address for you: it may be mistyped, or belong to someone else's account."},
    )
    assert Attempt.objects.get(pk=attempt.pk).is_open


def test_state_signed_out_is_403_json(client, attempt):
    response = client.get(url("attempt_state", attempt))
    assert (response.status_code, response.json()) == (
        403,
        {"error": "You are signed out. Sign in again: your saved answers are kept.", "signed_out": True},
    )


def test_state_needs_get(student_client, attempt):
    assert student_client.post(url("attempt_state", attempt)).status_code == 405
    assert Attempt.objects.get(pk=attempt.pk).is_open


def test_answer_enforces_csrf(student, attempt, questions):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    response = client.post(url("attempt_answer", attempt), {"question": questions[0].pk, "choice": ""})
    assert response.status_code == 403
    assert Answer.objects.count() == 0


def test_submit_enforces_csrf(student, attempt):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    assert client.post(url("attempt_submit", attempt), {"intent": "submit"}).status_code == 403
    assert Attempt.objects.get(pk=attempt.pk).is_open


# --- submitting ----------------------------------------------------------------------------------


def test_submit_confirmation_states_what_is_unanswered(student_client, attempt, questions):
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=True,
    )
    html = student_client.get(url("attempt_submit", attempt)).content.decode()
    assert "You have answered <strong>1</strong> of 3 questions: <strong>2</strong> are unanswered" in html
    assert "and 1 is marked for review" in html


def test_submit_saves_the_form_and_grades(student_client, attempt, questions):
    form = {
        "intent": "submit",
        **unchanged(questions),
        f"q-{questions[0].pk}": right(questions[0]).pk,
        f"q-{questions[1].pk}": wrong(questions[1]).pk,
        f"mark-{questions[1].pk}": "on",
    }
    response = student_client.post(url("attempt_submit", attempt), form)

    assert response["Location"] == url("attempt_result", attempt)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.correct_count, attempt.wrong_count, attempt.blank_count) == (
        Attempt.Status.SUBMITTED,
        Decimal("1.33"),
        1,
        1,
        1,
    )
    assert Answer.objects.get(attempt=attempt, question=questions[1]).marked is True


def test_submit_without_javascript_save_and_clear(student_client, attempt, questions):
    paper = url("attempt_submit", attempt)
    form = {**unchanged(questions), f"q-{questions[0].pk}": right(questions[0]).pk}
    saved = student_client.post(paper, {**form, "intent": "save"})
    assert saved["Location"] == url("attempt_paper", attempt)
    assert Answer.objects.get(attempt=attempt).choice_id == right(questions[0]).pk

    cleared = student_client.post(paper, {**form, "intent": f"clear-{questions[0].pk}"})
    assert cleared["Location"] == f"{url('attempt_paper', attempt)}#q-{questions[0].pk}"
    assert Answer.objects.get(attempt=attempt).choice_id is None

    review = student_client.post(paper, {**form, "intent": "review"})
    assert review["Location"] == url("attempt_submit", attempt)
    assert Attempt.objects.get(pk=attempt.pk).is_open


@pytest.mark.parametrize("bad", ["forged", "malformed"])
def test_submit_bad_form_is_400_and_changes_nothing(student_client, attempt, questions, bad):
    forged = {f"q-{questions[0].pk}": right(questions[1]).pk}
    malformed = {f"q-{questions[0].pk}": "first"}
    form = {"intent": "submit", **unchanged(questions), **(forged if bad == "forged" else malformed)}

    response = student_client.post(url("attempt_submit", attempt), form)

    assert response.status_code == 400
    message = (
        "That choice is not an option of this question. Nothing was saved."
        if bad == "forged"
        else "The form could not be read; nothing was saved. Please try again."
    )
    assert message in response.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).is_open
    assert Answer.objects.count() == 0


def test_submit_twice_grades_once(student_client, attempt, questions):
    student_client.post(
        url("attempt_submit", attempt), {"intent": "submit", f"q-{questions[0].pk}": right(questions[0]).pk}
    )
    first = Attempt.objects.get(pk=attempt.pk)
    again = student_client.post(
        url("attempt_submit", attempt), {"intent": "submit", f"q-{questions[1].pk}": right(questions[1]).pk}
    )
    second = Attempt.objects.get(pk=attempt.pk)
    assert again["Location"] == url("attempt_result", attempt)
    assert (
        (second.score, second.submitted_at)
        == (first.score, first.submitted_at)
        == (Decimal("2.00"), first.submitted_at)
    )
    assert Answer.objects.get(attempt=attempt, question=questions[1]).choice_id is None


def test_submit_from_a_stale_tab_keeps_answers_saved_elsewhere(student_client, attempt, questions):
    """Tab A rendered Q1 unanswered; another device then saved Q1 and marked Q2. A's submit changes only Q3."""
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    answer_save(
        user=attempt.user, attempt_public_id=attempt.public_id, question_id=questions[1].pk, choice_id=None, marked=True
    )
    stale_tab = {**unchanged(questions), f"q-{questions[2].pk}": right(questions[2]).pk, "intent": "submit"}

    student_client.post(url("attempt_submit", attempt), stale_tab)

    saved = {a.question_id: (a.choice_id, a.marked) for a in Answer.objects.filter(attempt=attempt)}
    assert saved == {
        questions[0].pk: (right(questions[0]).pk, False),
        questions[1].pk: (None, True),
        questions[2].pk: (right(questions[2]).pk, False),
    }
    assert Attempt.objects.get(pk=attempt.pk).score == Decimal("4.00")


def test_submit_applies_a_change_made_on_the_page(student_client, attempt, questions):
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=True,
    )
    was = f"{right(questions[0]).pk}:1"
    # On this page the student switched Q1 to a wrong option and unmarked it; the autosave never landed.
    form = {f"was-{questions[0].pk}": was, f"q-{questions[0].pk}": wrong(questions[0]).pk, "intent": "save"}

    student_client.post(url("attempt_submit", attempt), form)

    answer = Answer.objects.get(attempt=attempt, question=questions[0])
    assert (answer.choice_id, answer.marked) == (wrong(questions[0]).pk, False)


def test_answer_after_the_deadline_says_time_is_up(student_client, attempt, questions):
    with time_machine.travel(attempt.deadline + timedelta(minutes=1)):
        response = student_client.post(url("attempt_answer", attempt), {"question": questions[0].pk, "choice": ""})
    assert response.status_code == 409
    assert response.json() == {"error": "Time is up: the deadline has passed, so this was not saved.", "closed": True}


def test_answer_with_was_keeps_an_answer_saved_elsewhere(student_client, attempt, questions):
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    # A stale page, which saw Q1 blank, marks it for review.
    data = {"question": questions[0].pk, "choice": "", "marked": "on", "was": ":0"}
    response = student_client.post(url("attempt_answer", attempt), data)
    assert response.json()["answered"] == 1 and response.json()["marked"] == 1
    answer = Answer.objects.get(attempt=attempt)
    assert (answer.choice_id, answer.marked) == (right(questions[0]).pk, True)


def test_answer_with_a_malformed_was_is_400(student_client, attempt, questions):
    data = {"question": questions[0].pk, "choice": "", "was": "yes"}
    response = student_client.post(url("attempt_answer", attempt), data)
    assert response.status_code == 400
    assert response.json() == {"error": "Send 'was' as '<choice id or empty>:<1 or 0>:<confidence or empty>', or '?'."}
    assert Answer.objects.count() == 0


def test_submit_applies_everything_for_a_question_with_a_save_in_flight(student_client, attempt, questions):
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=wrong(questions[0]).pk,
        marked=True,
    )
    # The page picked the key again while a save to another option was unconfirmed: "?" applies all.
    form = {f"was-{questions[0].pk}": "?", f"q-{questions[0].pk}": right(questions[0]).pk, "intent": "save"}
    student_client.post(url("attempt_submit", attempt), form)
    answer = Answer.objects.get(attempt=attempt)
    assert (answer.choice_id, answer.marked) == (right(questions[0]).pk, False)


def test_paper_is_never_cached(student_client, attempt):
    response = student_client.get(url("attempt_paper", attempt))
    assert "no-store" in response["Cache-Control"]


def test_quiz_detail_resumes_by_link_and_blocks_a_second_paper(student_client, student, attempt, questions):
    html = student_client.get(reverse("quiz_detail", args=["drill"])).content.decode()
    assert f'href="{url("attempt_paper", attempt)}">Resume your paper</a>' in html

    QuizFactory(slug="mock", title="Mock", questions=questions)
    html = student_client.get(reverse("quiz_detail", args=["mock"])).content.decode()
    assert f'You are sitting <a href="{url("attempt_paper", attempt)}">Drill</a>' in html
    assert "Start the paper" not in html
    refused = student_client.post(reverse("quiz_start", args=["mock"]), follow=True).content.decode()
    assert "Finish your paper \u201cDrill\u201d first" in refused
    assert Attempt.objects.count() == 1


# --- the result ----------------------------------------------------------------------------------


@pytest.fixture
def graded(attempt, questions):
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=wrong(questions[0]).pk,
        marked=False,
    )
    # "2 and 3 only" judges statements 1 and 2 wrongly (1 and 3 are true).
    two_and_three = questions[1].choices.get(text="2 and 3 only")
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[1].pk,
        choice_id=two_and_three.pk,
        marked=True,
    )
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[2].pk,
        choice_id=right(questions[2]).pk,
        marked=False,
    )
    return attempt_submit(attempt=attempt)


def test_result_shows_score_counts_and_breakdown(student_client, graded):
    html = student_client.get(url("attempt_result", graded)).content.decode()
    assert '<div class="display-6 fw-semibold" data-score>0.67</div>' in html
    assert "<div>out of 6.00</div>" in html
    assert "<strong>1</strong> correct" in html and "<strong>2</strong> wrong" in html
    assert '<div class="fs-3 fw-semibold">33.3%</div>' in html
    assert "Negative marking cost you <strong>1.33</strong> marks" in html
    assert "Trap questions: you fell for <strong>1</strong> of 1." in html


def test_result_topic_marks_add_up_to_the_score(student_client, student):
    # One wrong; one right and one wrong; a blank; two right and one wrong: -2/3, 4/3, 0 and 10/3,
    # 4 marks in all, which topic by topic round to -0.67 + 1.33 + 0.00 + 3.33 = 3.99.
    topics = [TopicFactory(name=f"Topic {n}", order=n) for n in range(4)]
    plan = [(0, "wrong"), (1, "right"), (1, "wrong"), (2, "blank"), (3, "right"), (3, "right"), (3, "wrong")]
    questions = [QuestionFactory(note=NoteFactory(topic=topics[topic])) for topic, _ in plan]
    choose = {"right": right, "wrong": wrong, "blank": lambda q: None}
    picks = {q: choose[how](q) for q, (_, how) in zip(questions, plan, strict=True)}
    attempt = graded_attempt(user=student, quiz=QuizFactory(questions=questions), picks=picks, now=timezone.now())
    assert attempt.score == Decimal("4.00")

    html = student_client.get(url("attempt_result", attempt)).content.decode()
    start = html.index('id="by-topic"')
    table = html[start : html.index("</table>", start)]
    scores = re.findall(r'<td class="text-end">(\u2212?[\d.]+)</td></tr>', table)
    assert scores == ["\u22120.67", "1.33", "0.00", "3.34"]
    assert '<td class="text-end" data-topic-total>4.00</td>' in table


def test_result_reviews_every_question_with_key_explanation_and_note(student_client, graded, questions):
    html = student_client.get(url("attempt_result", graded)).content.decode()
    assert html.count(EXPLANATION) == 3
    assert "<strong>The trap:</strong> Taking a partnership for an alliance." in html
    assert "Your answer judged statements 1 and 2 wrongly." in html
    assert html.count("✓ The answer</span>") == 3
    assert f'href="{questions[0].note.get_absolute_url()}"' in html


def test_result_filter_shows_only_wrong_answers(student_client, graded):
    html = student_client.get(url("attempt_result", graded) + "?show=wrong").content.decode()
    assert html.count(EXPLANATION) == 2
    assert student_client.get(url("attempt_result", graded) + "?show=nonsense").status_code == 200


def test_result_review_waits_while_another_paper_runs(student_client, student, graded, questions):
    running = attempt_start(quiz=QuizFactory(title="Mock", questions=questions[:2]), user=student).attempt

    html = student_client.get(url("attempt_result", graded)).content.decode()

    assert f'You are sitting <a href="{url("attempt_paper", running)}">Mock</a>: reviews, keys and explanations' in html
    assert EXPLANATION not in html and "The answer</span>" not in html and "By topic" not in html
    assert '<div class="display-6 fw-semibold" data-score>0.67</div>' in html  # the score was known already
    assert EXPLANATION not in student_client.get(url("attempt_result", graded) + "?show=wrong").content.decode()

    attempt_submit(attempt=running)
    assert student_client.get(url("attempt_result", graded)).content.decode().count(EXPLANATION) == 3


def test_result_is_visible_to_staff(staff_client, graded):
    html = staff_client.get(url("attempt_result", graded)).content.decode()
    assert "You are viewing asha's attempt as staff." in html


def test_result_of_an_open_attempt_sends_the_owner_to_the_paper(student_client, attempt):
    assert student_client.get(url("attempt_result", attempt))["Location"] == url("attempt_paper", attempt)


def test_result_hides_the_key_until_an_after_close_quiz_closes(student_client, student, questions):
    closes = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    quiz = QuizFactory(questions=questions, explanations=Quiz.Explanations.AFTER_CLOSE, closes_at=closes)
    attempt = attempt_submit(attempt=attempt_start(quiz=quiz, user=student).attempt)

    html = student_client.get(url("attempt_result", attempt)).content.decode()
    release = date_format(timezone.localtime(closes + timedelta(seconds=5)), "j F Y, H:i:s")
    assert f"your result appears at {release}." in html
    assert EXPLANATION not in html and "The answer</span>" not in html

    with time_machine.travel(closes + timedelta(seconds=6)):  # past the close and its 5 s grace
        assert student_client.get(url("attempt_result", attempt)).content.decode().count(EXPLANATION) == 3


# --- home ----------------------------------------------------------------------------------------


def test_home_shows_quizzes_open_papers_and_recent_scores(student_client, student, quiz, questions):
    graded = attempt_submit(attempt=attempt_start(quiz=quiz, user=student).attempt)
    open_attempt = attempt_start(quiz=QuizFactory(title="Running", questions=questions), user=student).attempt
    html = student_client.get(reverse("home")).content.decode()
    assert f'href="{url("attempt_paper", open_attempt)}">Running</a>' in html
    assert f'href="{url("attempt_result", graded)}">Drill</a>' in html
    assert "<strong>0.00</strong> / 6.00" in html


# --- query counts: the same for a small and a large quiz or history, and exactly so many --------------


def _paper_with(n: int, user) -> Attempt:
    questions = [StatementQuestionFactory() if i % 2 else QuestionFactory() for i in range(n)]
    return attempt_start(quiz=QuizFactory(questions=questions, shuffle_options=True), user=user).attempt


# Every statement, as django_assert_num_queries counts: with the session's and the user's lookups
# and the savepoints of the services' transactions.
# "paper" is the first paper of its questions' versions, which reads them to render their texts,
# and "result" the first review, which reads them to render their keys; "… again" every later
# one, which finds both in the cache (content/fragments.py).
PAPER_QUERIES = {
    "paper": 7,
    "paper again": 6,
    "confirm": 4,
    "autosave": 4,
    "state": 3,
    "submit": 20,
    "result": 11,
    "result again": 10,
}


def test_paper_autosave_submit_result_queries_do_not_grow(student_client, student, django_assert_num_queries):
    def measure(name: str, path: str, **request) -> int:
        with django_assert_num_queries(PAPER_QUERIES[name]):
            return queries_for(student_client, path, app_only=True, **request)

    counts = {}
    for n in (5, 50):
        attempt = _paper_with(n, student)
        items = list(attempt.items.select_related("question"))
        for item in items[: n // 2]:
            answer_save(
                user=attempt.user,
                attempt_public_id=attempt.public_id,
                question_id=item.question_id,
                choice_id=wrong(item.question).pk,
                marked=False,
                confidence="guess",  # the result's risk report and time chart read them: no query more
                seconds=5,
            )
        question = items[-1].question
        counts[n] = {
            "paper": measure("paper", url("attempt_paper", attempt)),
            "paper again": measure("paper again", url("attempt_paper", attempt)),
            "confirm": measure("confirm", url("attempt_submit", attempt)),
            "autosave": measure(
                "autosave",
                url("attempt_answer", attempt),
                method="post",
                # A tag and measured seconds ride in the same statement: no query more.
                data={"question": question.pk, "choice": right(question).pk, "confidence": "sure", "seconds": "12"},
            ),
            "state": measure("state", url("attempt_state", attempt)),
            "submit": measure(
                "submit",
                url("attempt_submit", attempt),
                method="post",
                data={
                    "intent": "submit",
                    **unchanged([i.question for i in items]),
                    f"q-{question.pk}": right(question).pk,
                },
                status=302,
            ),
            "result": measure("result", url("attempt_result", attempt)),
            "result again": measure("result again", url("attempt_result", attempt)),
        }
    assert counts[5] == counts[50]
    # The autosave: the upsert that checks paper, question and choice, and the progress count.
    # The result reads which of its questions another quiz still seals: one query (issue 14, item 1).
    # The clock check reads the attempt alone.
    # The result also counts the paper's mistakes still to practise: one query.
    # The submit grades set-based (quiz/services/grading.py), whatever the paper's length: blank rows,
    # answers, counts, totals, three review-card statements, the statement judgements to store, two tallies.
    assert counts[5] == {
        "paper": 5,
        "paper again": 4,
        "confirm": 2,
        "autosave": 2,
        "state": 1,
        "submit": 16,
        "result": 9,
        "result again": 8,
    }


def test_quiz_list_and_home_queries_do_not_grow(student_client, student, django_assert_num_queries):
    def measure():
        with django_assert_num_queries(7):
            quiz_list = queries_for(student_client, reverse("quiz_list"), app_only=True)
        with django_assert_num_queries(11):
            home = queries_for(student_client, reverse("home"), app_only=True)
        return quiz_list, home

    QuizFactory(questions=[QuestionFactory()])
    RuleQuizFactory()
    small = measure()
    for _ in range(6):
        quiz = QuizFactory(questions=QuestionFactory.create_batch(3))
        attempt_submit(attempt=attempt_start(quiz=quiz, user=student).attempt)
        RuleQuizFactory(rule_traps_only=True)
    assert measure() == small


def test_quiz_detail_queries_do_not_grow(student_client, student, django_assert_num_queries):
    """The student's view: their attempts at the quiz, a paper running elsewhere, their extra time."""

    def measure(quiz) -> int:
        with django_assert_num_queries(8):
            return queries_for(student_client, reverse("quiz_detail", args=[quiz.slug]))

    small = QuizFactory(questions=[QuestionFactory()])
    graded_attempt(user=student, quiz=small, picks={}, now=T0)
    one = measure(small)
    large = QuizFactory(questions=QuestionFactory.create_batch(30))
    for n in range(6):
        graded_attempt(user=student, quiz=large, picks={}, now=T0 + n * HOUR)
    elsewhere = QuizFactory(questions=[QuestionFactory()])
    student_client.post(reverse("quiz_start", args=[elsewhere.slug]))
    assert Attempt.objects.get(quiz=elsewhere).is_open  # a paper running on another quiz
    assert measure(large) == one


def test_quiz_start_queries_do_not_grow(student_client, student, django_assert_num_queries):
    """Starting pins each question's version (making the first one here) and sets the paper in one insert."""

    def measure(questions: int) -> int:
        quiz = QuizFactory(questions=QuestionFactory.create_batch(questions))
        with django_assert_num_queries(21):
            count = queries_for(student_client, reverse("quiz_start", args=[quiz.slug]), method="post", status=302)
        attempt_submit(attempt=Attempt.objects.get(user=student, quiz=quiz))
        return count

    assert measure(50) == measure(5)
