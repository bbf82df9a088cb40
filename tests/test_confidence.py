"""Confidence tags and measured time on answers: the autosave contract, the paper form, grading.

The risk report, History's calibration, item analysis and practice that read them are tested in
tests/test_risk.py.
"""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from quiz.models import Answer, Attempt
from quiz.services.attempts import attempt_start
from tests.factories import QuestionFactory, QuizFactory
from tests.helpers import answers_saved, right, wrong

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions():
    return [QuestionFactory(), QuestionFactory(), QuestionFactory()]


@pytest.fixture
def attempt(questions, student):
    return attempt_start(quiz=QuizFactory(questions=questions, time_limit=timedelta(minutes=10)), user=student).attempt


def _save(client, attempt, **data):
    return client.post(reverse("attempt_answer", args=[attempt.public_id]), data)


def _answer(attempt, question) -> Answer:
    return Answer.objects.get(attempt=attempt, question=question)


# --- the autosave --------------------------------------------------------------------------------


def test_confidence_autosave_saves_changes_and_clears(student_client, attempt, questions):
    q = questions[0]
    response = _save(student_client, attempt, question=q.pk, choice=right(q).pk, confidence="sure", was=":0:")
    assert response.json() == {
        "saved": True,
        "answered": 1,
        "marked": 0,
        "seconds_left": response.json()["seconds_left"],
    }
    assert (_answer(attempt, q).choice_id, _answer(attempt, q).confidence) == (right(q).pk, "sure")

    _save(student_client, attempt, question=q.pk, choice=right(q).pk, confidence="fifty", was=f"{right(q).pk}:0:sure")
    assert _answer(attempt, q).confidence == "fifty"

    _save(student_client, attempt, question=q.pk, choice=right(q).pk, confidence="", was=f"{right(q).pk}:0:fifty")
    assert _answer(attempt, q).confidence == ""
    assert _answer(attempt, q).choice_id == right(q).pk


def test_confidence_autosave_tag_without_an_option_is_saved_blank(student_client, attempt, questions):
    q = questions[1]
    assert (
        _save(student_client, attempt, question=q.pk, choice="", confidence="guess", was=":0:").json()["answered"] == 0
    )
    assert (_answer(attempt, q).choice_id, _answer(attempt, q).confidence) == (None, "guess")


def test_confidence_autosave_left_out_leaves_it_as_it_was(student_client, attempt, questions):
    q = questions[0]
    answers_saved(attempt, {q: None}, now=timezone.now(), confidences={q: "sure"})
    # A client from before confidence: no `confidence`, a two-part `was`.
    _save(student_client, attempt, question=q.pk, choice=wrong(q).pk, was=":0")
    assert (_answer(attempt, q).choice_id, _answer(attempt, q).confidence) == (wrong(q).pk, "sure")


def test_confidence_autosave_was_keeps_a_tag_saved_elsewhere(student_client, attempt, questions):
    q = questions[0]
    answers_saved(attempt, {q: right(q)}, now=timezone.now(), confidences={q: "sure"})
    # A stale page that saw Q1 answered but untagged changes only its mark: the tag saved since stays.
    _save(
        student_client, attempt, question=q.pk, choice=right(q).pk, marked="on", confidence="", was=f"{right(q).pk}:0:"
    )
    answer = _answer(attempt, q)
    assert (answer.marked, answer.confidence) == (True, "sure")
    # And a stale page that changes only the tag keeps the option chosen since.
    _save(student_client, attempt, question=q.pk, choice="", confidence="guess", was=":0:")
    answer = _answer(attempt, q)
    assert (answer.choice_id, answer.confidence) == (right(q).pk, "guess")


def test_confidence_autosave_unknown_was_applies_all_it_sends(student_client, attempt, questions):
    q = questions[0]
    answers_saved(attempt, {q: right(q)}, now=timezone.now(), confidences={q: "sure"})
    _save(student_client, attempt, question=q.pk, choice=right(q).pk, confidence="", was="?")
    assert _answer(attempt, q).confidence == ""


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"confidence": "certain"},
            "Send 'confidence' as 'sure', 'fifty' or 'guess', empty to clear it, or leave it out.",
        ),
        ({"was": ":0:maybe"}, "Send 'was' as '<choice id or empty>:<1 or 0>:<confidence or empty>', or '?'."),
        ({"seconds": "-1"}, "Send 'seconds' as a whole number from 0 to 86400, or leave it out."),
        ({"seconds": "86401"}, "Send 'seconds' as a whole number from 0 to 86400, or leave it out."),
        ({"seconds": "1.5"}, "Send 'seconds' as a whole number from 0 to 86400, or leave it out."),
    ],
)
def test_confidence_autosave_bad_input_is_400_and_saves_nothing(student_client, attempt, questions, data, error):
    response = _save(student_client, attempt, question=questions[0].pk, choice="", **data)
    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert Answer.objects.count() == 0


def test_confidence_autosave_after_the_deadline_is_refused(student_client, attempt, questions):
    with time_machine.travel(attempt.deadline + timedelta(minutes=1)):
        response = _save(student_client, attempt, question=questions[0].pk, choice="", confidence="sure")
    assert response.status_code == 409
    assert response.json() == {"error": "Time is up: the deadline has passed, so this was not saved.", "closed": True}
    assert Answer.objects.filter(confidence="sure").count() == 0


# --- measured time -------------------------------------------------------------------------------


def test_time_autosave_adds_seconds_up_per_answer(student_client, attempt, questions):
    q = questions[0]
    with time_machine.travel(attempt.started_at + timedelta(minutes=5), tick=False):
        _save(student_client, attempt, question=q.pk, choice="", seconds="40", was=":0:")
        _save(student_client, attempt, question=q.pk, choice=right(q).pk, seconds="25", was=":0:")
        # A save that changes nothing still brings the time spent since.
        _save(student_client, attempt, question=q.pk, choice=right(q).pk, seconds="5", was=f"{right(q).pk}:0:")
    assert (_answer(attempt, q).choice_id, _answer(attempt, q).active_seconds) == (right(q).pk, 70)


def test_time_autosave_caps_the_paper_at_its_elapsed_time(student_client, attempt, questions):
    with time_machine.travel(attempt.started_at + timedelta(seconds=100), tick=False):
        _save(student_client, attempt, question=questions[0].pk, choice="", seconds="70")
        _save(student_client, attempt, question=questions[1].pk, choice="", seconds="70")
        _save(student_client, attempt, question=questions[1].pk, choice="", seconds="70")
    assert [_answer(attempt, q).active_seconds for q in questions[:2]] == [70, 30]
    with time_machine.travel(attempt.started_at + timedelta(seconds=110), tick=False):
        _save(student_client, attempt, question=questions[2].pk, choice="", seconds="50")
    assert _answer(attempt, questions[2]).active_seconds == 10


def test_time_grading_uses_the_measured_seconds_when_the_page_measured(student_client, attempt, questions):
    with time_machine.travel(attempt.started_at + timedelta(minutes=3), tick=False):
        _save(student_client, attempt, question=questions[0].pk, choice=right(questions[0]).pk, seconds="95")
        _save(student_client, attempt, question=questions[1].pk, choice="", seconds="20")
        student_client.post(reverse("attempt_submit", args=[attempt.public_id]), {"intent": "submit"})
    spent = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "time_spent"))
    assert spent == {
        questions[0].pk: timedelta(seconds=95),
        questions[1].pk: timedelta(seconds=20),
        questions[2].pk: None,
    }


def test_time_grading_estimates_without_a_measure(attempt, questions):
    from quiz.services.attempts import attempt_submit
    from tests.helpers import answers_saved

    moment = answers_saved(
        attempt,
        {questions[0]: right(questions[0]), questions[1]: wrong(questions[1])},
        now=attempt.started_at,
        seconds_apart=30,
    )
    attempt_submit(attempt=attempt, now=moment)
    spent = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "time_spent"))
    assert spent == {
        questions[0].pk: timedelta(seconds=30),
        questions[1].pk: timedelta(seconds=30),
        questions[2].pk: None,
    }


# --- the paper form without JavaScript ------------------------------------------------------------


def _form(attempt, questions, **fields) -> dict:
    return {"intent": "save", **{f"was-{q.pk}": ":0:" for q in questions}} | fields


def test_confidence_form_saves_tags_and_clears_an_unchecked_group(student_client, attempt, questions):
    q1, q2 = questions[0], questions[1]
    submit = reverse("attempt_submit", args=[attempt.public_id])
    response = student_client.post(
        submit,
        _form(attempt, questions, **{f"q-{q1.pk}": right(q1).pk, f"conf-{q1.pk}": "fifty", f"conf-{q2.pk}": "guess"}),
    )
    assert response.status_code == 302
    assert dict(Answer.objects.values_list("question_id", "confidence")) == {q1.pk: "fifty", q2.pk: "guess"}
    # The page now says Q2 was saved as a guess; its group sent unchecked clears it.
    student_client.post(
        submit,
        _form(
            attempt,
            questions,
            **{
                f"q-{q1.pk}": right(q1).pk,
                f"was-{q1.pk}": f"{right(q1).pk}:0:fifty",
                f"conf-{q1.pk}": "fifty",
                f"was-{q2.pk}": ":0:guess",
            },
        ),
    )
    assert dict(Answer.objects.values_list("question_id", "confidence")) == {q1.pk: "fifty", q2.pk: ""}


def test_confidence_form_from_a_stale_tab_keeps_a_tag_saved_elsewhere(student_client, attempt, questions):
    q = questions[0]
    answers_saved(attempt, {q: None}, now=timezone.now(), confidences={q: "sure"})
    student_client.post(reverse("attempt_submit", args=[attempt.public_id]), _form(attempt, questions))
    assert _answer(attempt, q).confidence == "sure"


def test_confidence_form_bad_tag_is_400_and_changes_nothing(student_client, attempt, questions):
    q = questions[0]
    response = student_client.post(
        reverse("attempt_submit", args=[attempt.public_id]),
        _form(attempt, questions, **{f"conf-{q.pk}": "certain", f"q-{q.pk}": right(q).pk}),
    )
    assert response.status_code == 400
    assert Answer.objects.count() == 0


def test_confidence_form_submit_saves_tags_then_grades(student_client, attempt, questions):
    q = questions[0]
    student_client.post(
        reverse("attempt_submit", args=[attempt.public_id]),
        _form(attempt, questions, intent="submit", **{f"q-{q.pk}": wrong(q).pk, f"conf-{q.pk}": "sure"}),
    )
    answer = _answer(attempt, q)
    assert (answer.outcome, answer.confidence) == ("wrong", "sure")
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.SUBMITTED


def test_confidence_paper_renders_the_group_with_what_was_saved(student_client, attempt, questions):
    q = questions[0]
    answers_saved(attempt, {q: right(q)}, now=timezone.now(), confidences={q: "fifty"})
    html = student_client.get(reverse("attempt_paper", args=[attempt.public_id])).content.decode()
    assert f'name="was-{q.pk}" value="{right(q).pk}:0:fifty"' in html
    assert f'name="was-{questions[1].pk}" value=":0:"' in html
    assert (
        f'<input type="radio" class="btn-check" name="conf-{q.pk}" id="conf-{q.pk}-fifty" value="fifty" checked>'
        in html
    )
    assert html.count(f'name="conf-{questions[1].pk}"') == 3


def test_time_form_adds_the_seconds_the_page_sends_capped(student_client, attempt, questions):
    q1, q2 = questions[0], questions[1]
    with time_machine.travel(attempt.started_at + timedelta(seconds=60), tick=False):
        _save(student_client, attempt, question=q1.pk, choice=right(q1).pk, seconds="20")
        fields = {f"was-{q1.pk}": f"{right(q1).pk}:0:", f"q-{q1.pk}": right(q1).pk, f"secs-{q1.pk}": "15"}
        student_client.post(
            reverse("attempt_submit", args=[attempt.public_id]),
            _form(attempt, questions, **fields, **{f"secs-{q2.pk}": "90"}),
        )
    # 60 s since the start: 20 saved, then 15 more on Q1, and Q2 gets the 25 left.
    assert [_answer(attempt, q).active_seconds for q in (q1, q2)] == [35, 25]


def test_time_form_bad_seconds_is_400_and_changes_nothing(student_client, attempt, questions):
    q = questions[0]
    response = student_client.post(
        reverse("attempt_submit", args=[attempt.public_id]),
        _form(attempt, questions, **{f"q-{q.pk}": right(q).pk, f"secs-{q.pk}": "ten"}),
    )
    assert response.status_code == 400
    assert Answer.objects.count() == 0


def test_confidence_form_tag_without_was_is_applied_as_sent(student_client, attempt, questions):
    q = questions[0]
    student_client.post(
        reverse("attempt_submit", args=[attempt.public_id]), {"intent": "save", f"conf-{q.pk}": "guess"}
    )
    assert _answer(attempt, q).confidence == "guess"
