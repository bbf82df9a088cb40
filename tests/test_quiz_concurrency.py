"""Races between real database connections: two submits, autosave against submit, two starts.

They need PostgreSQL (row locks, one connection per thread); CI runs the suite on it as well.
"""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from quiz.models import Answer, Attempt
from quiz.services import grading
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit
from quiz.services.errors import AttemptClosed
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import MINUTE, T0, right

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: CI runs it with DATABASE_URL"),
]


def run_together(*jobs) -> list:
    """Run each job in its own thread and connection, released at the same instant; return results or errors."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # the test inspects what each thread met
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def slow_grading(monkeypatch):
    """Grading that counts its calls and takes long enough for the other thread to collide with it."""
    calls = []
    real = grading._grade

    def grade(attempts):
        calls.extend(attempt.pk for attempt in attempts)
        real(attempts)
        time.sleep(0.3)  # graded, not yet committed: the window a lost answer would slip through

    monkeypatch.setattr(grading, "_grade", grade)
    return calls


@pytest.fixture
def sitting():
    questions = QuestionFactory.create_batch(3)
    attempt = attempt_start(quiz=QuizFactory(questions=questions), user=UserFactory()).attempt
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    return attempt, questions


def test_attempt_submit_at_the_same_instant_grades_once(sitting, slow_grading):
    attempt, _ = sitting
    results = run_together(lambda: attempt_submit(attempt=attempt), lambda: attempt_submit(attempt=attempt))

    assert all(isinstance(result, Attempt) for result in results), results
    assert slow_grading == [attempt.pk]
    graded = Attempt.objects.get(pk=attempt.pk)
    assert (graded.status, graded.score, graded.blank_count) == (Attempt.Status.SUBMITTED, Decimal("2.00"), 2)
    assert Answer.objects.filter(attempt=attempt).count() == 3


def test_answer_save_racing_a_submit_is_graded_or_refused(sitting, slow_grading):
    attempt, questions = sitting
    late = questions[1]
    choice = right(late).pk

    def autosave():
        time.sleep(0.1)  # arrives while the submit is grading
        return answer_save(
            user=attempt.user, attempt_public_id=attempt.public_id, question_id=late.pk, choice_id=choice, marked=False
        )

    submitted, saved = run_together(lambda: attempt_submit(attempt=attempt), autosave)

    assert isinstance(submitted, Attempt)
    graded = Attempt.objects.get(pk=attempt.pk)
    answer = Answer.objects.get(attempt=attempt, question=late)
    if isinstance(saved, AttemptClosed):
        # Refused, so never acknowledged: the paper is graded without it.
        assert (answer.choice_id, answer.outcome, graded.score) == (None, "blank", Decimal("2.00"))
    else:
        # Acknowledged, so it must be in the grade.
        assert (answer.choice_id, answer.outcome, graded.score) == (choice, "correct", Decimal("4.00"))


def test_submit_waits_for_an_autosave_holding_the_lock_and_grades_it(sitting):
    """The other order: the save's statement holds the paper's row when the submit comes."""
    attempt, questions = sitting
    late = questions[1]
    choice = right(late).pk

    def autosave():
        with transaction.atomic():  # holds the row lock the statement took until this commits
            answer_save(
                user=attempt.user,
                attempt_public_id=attempt.public_id,
                question_id=late.pk,
                choice_id=choice,
                marked=False,
            )
            time.sleep(0.3)
        return time.monotonic()

    def submit():
        time.sleep(0.1)  # arrives while the save is uncommitted
        graded = attempt_submit(attempt=attempt)
        return graded, time.monotonic()

    saved_at, (graded, submitted_at) = run_together(autosave, submit)

    assert saved_at < submitted_at
    answer = Answer.objects.get(attempt=attempt, question=late)
    assert (answer.choice_id, answer.outcome, graded.score) == (choice, "correct", Decimal("4.00"))


def test_attempt_start_twice_at_once_makes_one_attempt():
    questions = QuestionFactory.create_batch(2)
    quiz, student = QuizFactory(questions=questions), UserFactory()

    first, second = run_together(
        lambda: attempt_start(quiz=quiz, user=student).attempt, lambda: attempt_start(quiz=quiz, user=student).attempt
    )

    assert isinstance(first, Attempt) and isinstance(second, Attempt), (first, second)
    assert first.pk == second.pk
    assert Attempt.objects.count() == 1


def test_two_closers_at_once_grade_each_expired_paper_once(slow_grading):
    """Two cron closers on two machines: SKIP LOCKED hands each batch to one of them."""
    quiz = QuizFactory(questions=QuestionFactory.create_batch(2), time_limit=MINUTE)
    papers = [attempt_start(quiz=quiz, user=UserFactory(), now=T0).attempt for _ in range(6)]
    later = T0 + timedelta(minutes=2)

    def closer():
        return grading.attempts_close_expired(now=later, batch_size=2)

    counts = run_together(closer, closer)

    # Each takes a batch of two at once; the first to finish takes the third.
    assert sorted(counts) == [2, 4], counts
    assert sorted(slow_grading) == sorted(paper.pk for paper in papers)  # each graded once
    assert set(Attempt.objects.values_list("status", "blank_count")) == {(Attempt.Status.TIMED_OUT, 2)}
    assert Answer.objects.count() == 12
