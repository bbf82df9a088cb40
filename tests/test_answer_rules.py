"""The autosave's SQL statement and its ORM twin decide "may this answer be saved?" alike.

The autosave checks the paper, the question and the choice inside one SQL statement for speed
(quiz/services/answers.py); the form and the autosave's explanation of a refusal use the ORM
check `answers_check` and `policy.accepts_answers`. A property test drives both over attempt
states, deadlines around the grace, owners, questions and choices, and requires the same answer.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from content.services import question_versions_current
from quiz import policy
from quiz.models import Attempt, AttemptQuestion
from quiz.services import answers
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import T0, db_examples, right, wrong

pytestmark = pytest.mark.django_db

# Every example runs in a savepoint that is rolled back, so examples share the fixtures safely.
examples = db_examples(150)

STATUSES = [Attempt.Status.IN_PROGRESS, Attempt.Status.SUBMITTED, Attempt.Status.TIMED_OUT]


def _attempt(*, user, quiz, status: str, deadline_offset: int, on_paper: list) -> Attempt:
    closed = status != Attempt.Status.IN_PROGRESS
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        number=1,
        status=status,
        started_at=T0 - timedelta(hours=1),
        deadline=T0 + timedelta(seconds=deadline_offset),
        submitted_at=T0 if closed else None,
        score=Decimal(0) if closed else None,
        marks_per_correct=Decimal(2),
        penalty_numerator=1,
        penalty_denominator=3,
    )
    versions = question_versions_current(question_ids=[q.pk for q in on_paper])
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(attempt=attempt, question=q, version=versions[q.pk], position=n)
        for n, q in enumerate(on_paper, start=1)
    )
    return attempt


def test_answer_rules_sql_and_orm_accept_and_refuse_the_same_saves():
    owner, stranger = UserFactory(username="owner"), UserFactory(username="stranger")
    on, off = QuestionFactory(), QuestionFactory()
    quiz = QuizFactory(questions=[on, off])
    grace = int(policy.grace().total_seconds())
    choices = {
        "none": None,
        "own option": right(on).pk,
        "own wrong option": wrong(on).pk,
        "other's option": right(off).pk,
    }

    @examples
    @given(
        status=st.sampled_from(STATUSES),
        deadline_offset=st.integers(min_value=-3 * grace, max_value=3 * grace),
        by_owner=st.booleans(),
        question_on_paper=st.booleans(),
        choice=st.sampled_from(sorted(choices)),
        marked=st.booleans(),
        confidence=st.sampled_from(["", "sure", "fifty", "guess"]),
        seconds=st.integers(min_value=0, max_value=7200),
    )
    def check(status, deadline_offset, by_owner, question_on_paper, choice, marked, confidence, seconds):
        with transaction.atomic():
            attempt = _attempt(user=owner, quiz=quiz, status=status, deadline_offset=deadline_offset, on_paper=[on])
            question = on if question_on_paper else off
            choice_id = choices[choice]
            # A confidence and the seconds measured never decide whether a save is taken.
            check = answers.answers_check(
                attempt, choices={question.pk: choice_id}, marked={}, confidences={question.pk: confidence}, now=T0
            )
            orm = by_owner and check is None
            in_database = Attempt.objects.filter(policy.accepting_q(T0), pk=attempt.pk).exists()
            sql = answers._answer_upsert_if_open(
                user_id=(owner if by_owner else stranger).pk,
                attempt_public_id=attempt.public_id,
                question_id=question.pk,
                choice_id=choice_id,
                marked=marked,
                confidence=confidence,
                seconds=seconds,
                fields=("choice", "marked", "confidence"),
                now=T0,
            )
            assert sql == orm
            assert in_database == policy.accepts_answers(attempt, T0)
            transaction.set_rollback(True)

    check()


def test_answer_rules_accept_up_to_the_grace_and_refuse_after():
    attempt = Attempt(status=Attempt.Status.IN_PROGRESS, deadline=T0)
    grace = policy.grace()
    assert policy.accepts_answers(attempt, T0 + grace) is True
    assert policy.accepts_answers(attempt, T0 + grace + timedelta(microseconds=1)) is False
    assert policy.answer_refusal(attempt, T0 + grace + timedelta(seconds=1)) == policy.AnswerRefusal.TIME_UP
    assert policy.has_expired(attempt, T0 + grace + timedelta(seconds=1)) is True
    assert policy.effective_status(attempt, T0 + grace + timedelta(seconds=1)) == Attempt.Status.TIMED_OUT
    assert policy.effective_status(attempt, T0) == Attempt.Status.IN_PROGRESS


def test_answer_rules_changed_fields_is_what_differs_from_was():
    assert answers.changed_fields(choice_id=7, marked=False, was=None) == ("choice", "marked")
    assert answers.changed_fields(choice_id=7, marked=False, was=(7, False, "")) == ()
    assert answers.changed_fields(choice_id=None, marked=False, was=(7, False, "")) == ("choice",)
    assert answers.changed_fields(choice_id=7, marked=True, was=(7, False, "")) == ("marked",)


def test_answer_rules_changed_fields_writes_a_confidence_only_when_sent_and_changed():
    assert answers.changed_fields(choice_id=7, marked=False, confidence="sure", was=None) == (
        "choice",
        "marked",
        "confidence",
    )
    assert answers.changed_fields(choice_id=7, marked=False, confidence="sure", was=(7, False, "sure")) == ()
    assert answers.changed_fields(choice_id=7, marked=False, confidence="", was=(7, False, "sure")) == ("confidence",)
    # Not sent: never written, whatever the page last knew.
    assert answers.changed_fields(choice_id=7, marked=False, confidence=None, was=(7, False, "sure")) == ()
    # Sent by a page that did not say what it knew of it: written.
    assert answers.changed_fields(choice_id=7, marked=False, confidence="guess", was=(7, False, None)) == (
        "confidence",
    )
