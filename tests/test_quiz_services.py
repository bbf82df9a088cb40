"""Every state change of an attempt, through the service functions, on a frozen clock."""

import uuid
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import ProtectedError

from content.models import Choice, Question
from quiz.models import Answer, Attempt, AttemptQuestion, ExtraTime, Quiz
from quiz.services import answers
from quiz.services.answers import answer_save, answers_save
from quiz.services.attempts import attempt_start, attempt_submit
from quiz.services.errors import AttemptClosed, AttemptNotFound, InvalidAnswer, PaperRunning, QuizUnavailable
from quiz.services.grading import attempt_expire, attempts_close_expired
from tests.factories import (
    AssertionReasonQuestionFactory,
    NoteFactory,
    QuestionFactory,
    QuizFactory,
    RuleQuizFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
)
from tests.helpers import T0, right, wrong

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def questions():
    return QuestionFactory.create_batch(3)


@pytest.fixture
def quiz(questions):
    return QuizFactory(title="Drill", questions=questions, time_limit=timedelta(minutes=10))


# --- start ---------------------------------------------------------------------------------------


def test_attempt_start_freezes_questions_deadline_and_marking(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt

    assert attempt.number == 1
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert attempt.started_at == T0
    assert attempt.deadline == T0 + timedelta(minutes=10)
    assert (attempt.marks_per_correct, attempt.penalty_numerator, attempt.penalty_denominator) == (Decimal(2), 1, 3)
    assert attempt.question_count == 3
    assert list(attempt.items.values_list("question_id", "position")) == [(q.pk, i) for i, q in enumerate(questions, 1)]


def test_attempt_start_later_quiz_edits_do_not_change_a_sitting(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    quiz.quiz_questions.filter(question=questions[0]).delete()
    Quiz.objects.filter(pk=quiz.pk).update(marks_per_correct=Decimal(4), time_limit=timedelta(minutes=1))

    attempt.refresh_from_db()
    assert attempt.items.count() == 3
    assert attempt.marks_per_correct == Decimal(2)
    assert attempt.deadline == T0 + timedelta(minutes=10)


def test_attempt_start_resumes_the_open_attempt(clock, quiz, student):
    first = attempt_start(quiz=quiz, user=student).attempt
    clock.shift(timedelta(minutes=3))
    again = attempt_start(quiz=quiz, user=student).attempt

    assert again.pk == first.pk
    assert again.deadline == T0 + timedelta(minutes=10)
    assert Attempt.objects.count() == 1


def test_attempt_start_after_a_closed_attempt_makes_attempt_two(clock, quiz, student):
    attempt_submit(attempt=attempt_start(quiz=quiz, user=student).attempt)
    second = attempt_start(quiz=quiz, user=student).attempt
    assert second.number == 2
    assert Attempt.objects.filter(user=student).count() == 2


def test_attempt_start_closes_an_expired_attempt_before_starting_anew(clock, quiz, questions, student):
    first = attempt_start(quiz=quiz, user=student).attempt
    answer_save(
        user=first.user,
        attempt_public_id=first.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    clock.shift(timedelta(minutes=30))

    second = attempt_start(quiz=quiz, user=student).attempt

    first.refresh_from_db()
    assert first.status == Attempt.Status.TIMED_OUT
    assert first.score == Decimal("2.00")
    assert second.number == 2


def test_attempt_start_refuses_when_attempts_are_used_up(clock, questions, student):
    quiz = QuizFactory(questions=questions, attempts_allowed=1)
    attempt_submit(attempt=attempt_start(quiz=quiz, user=student).attempt)

    with pytest.raises(QuizUnavailable) as refused:
        attempt_start(quiz=quiz, user=student)

    assert refused.value.message == "You have used all 1 attempt this quiz allows."
    assert Attempt.objects.count() == 1


def test_attempt_start_refuses_an_unpublished_quiz(clock, questions, student):
    quiz = QuizFactory(questions=questions, is_published=False)
    with pytest.raises(QuizUnavailable, match="not published"):
        attempt_start(quiz=quiz, user=student)
    assert Attempt.objects.count() == 0


def test_attempt_start_refuses_outside_the_window(clock, questions, student):
    upcoming = QuizFactory(questions=questions, opens_at=T0 + timedelta(days=1))
    closed = QuizFactory(questions=questions, closes_at=T0 - timedelta(seconds=1))

    with pytest.raises(QuizUnavailable) as early:
        attempt_start(quiz=upcoming, user=student)
    with pytest.raises(QuizUnavailable) as late:
        attempt_start(quiz=closed, user=student)

    assert early.value.message == "This quiz opens on 23 November 2026, 14:30."  # Asia/Kolkata
    assert late.value.message == "This quiz has closed; its papers can still be reviewed."


def test_attempt_start_deadline_never_runs_past_the_close(clock, questions, student):
    quiz = QuizFactory(questions=questions, closes_at=T0 + timedelta(minutes=4))
    assert attempt_start(quiz=quiz, user=student).attempt.deadline == T0 + timedelta(minutes=4)


def test_attempt_start_extra_time_stretches_the_deadline(clock, questions, student):
    quiz = QuizFactory(questions=questions, time_limit=timedelta(hours=2))
    ExtraTime.objects.create(user=student, minutes_per_hour=20)

    attempt = attempt_start(quiz=quiz, user=student).attempt

    assert attempt.deadline == T0 + timedelta(hours=2, minutes=40)
    assert attempt_start(quiz=quiz, user=UserFactory()).attempt.deadline == T0 + timedelta(hours=2)


def test_attempt_start_pace_quiz_gets_time_per_question(clock, questions, student):
    quiz = RuleQuizFactory(time_limit=None, seconds_per_question=72)
    assert attempt_start(quiz=quiz, user=student).attempt.deadline == T0 + timedelta(seconds=3 * 72)


def test_attempt_start_refuses_an_empty_quiz(clock, student):
    quiz = QuizFactory()
    with pytest.raises(QuizUnavailable, match="no published questions"):
        attempt_start(quiz=quiz, user=student)
    assert Attempt.objects.count() == 0


def test_attempt_start_fixed_quiz_skips_unpublished_questions(clock, questions, student):
    quiz = QuizFactory(questions=questions)
    Question.objects.filter(pk=questions[1].pk).update(status=Question.Status.DRAFT)
    attempt = attempt_start(quiz=quiz, user=student).attempt
    assert list(attempt.items.values_list("question_id", flat=True)) == [questions[0].pk, questions[2].pk]


def test_attempt_start_rule_draws_count_from_matching_questions(clock, student):
    source, other_source = SourceFactory(), SourceFactory()
    topic = TopicFactory()
    wanted = [
        QuestionFactory(
            is_trap=True, trap_note="Not an alliance.", difficulty=3, note=NoteFactory(source=source, topic=topic)
        )
        for _ in range(5)
    ]
    QuestionFactory(is_trap=False, note=NoteFactory(source=source, topic=topic), difficulty=3)  # not a trap
    QuestionFactory(is_trap=True, trap_note="x", difficulty=3, note=NoteFactory(source=other_source, topic=topic))
    QuestionFactory(is_trap=True, trap_note="x", difficulty=1, note=NoteFactory(source=source, topic=topic))
    QuestionFactory(
        is_trap=True, trap_note="x", difficulty=3, note=NoteFactory(source=source), status=Question.Status.DRAFT
    )
    quiz = RuleQuizFactory(rule_traps_only=True, rule_difficulty_min=2, rule_count=4)
    quiz.rule_sources.set([source])
    quiz.rule_topics.set([topic])

    attempt = attempt_start(quiz=quiz, user=student).attempt

    drawn = list(attempt.items.values_list("question_id", flat=True))
    assert len(drawn) == 4
    assert set(drawn) <= {q.pk for q in wanted}
    assert attempt.question_count == 4


def test_attempt_start_shuffles_options_but_not_assertion_reason(clock, student):
    single = QuestionFactory()
    assertion = AssertionReasonQuestionFactory()
    quiz = QuizFactory(questions=[single, assertion], shuffle_options=True)

    attempt = attempt_start(quiz=quiz, user=student).attempt

    items = {item.question_id: item for item in attempt.items.all()}
    assert sorted(items[single.pk].choice_order) == sorted(single.choices.values_list("pk", flat=True))
    assert items[assertion.pk].choice_order == []


# --- answers -------------------------------------------------------------------------------------


def test_answer_save_stores_updates_and_clears(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    q = questions[0]

    first = answer_save(
        user=attempt.user, attempt_public_id=attempt.public_id, question_id=q.pk, choice_id=wrong(q).pk, marked=True
    )
    clock.shift(timedelta(seconds=30))
    second = answer_save(
        user=attempt.user, attempt_public_id=attempt.public_id, question_id=q.pk, choice_id=right(q).pk, marked=False
    )
    answer = Answer.objects.get(attempt=attempt, question=q)

    assert (first.answered, first.marked, first.seconds_left) == (1, 1, 600)
    assert (second.answered, second.marked, second.seconds_left) == (1, 0, 570)
    assert (answer.choice_id, answer.marked) == (right(q).pk, False)
    assert answer.first_saved_at == T0
    assert answer.saved_at == T0 + timedelta(seconds=30)

    cleared = answer_save(
        user=attempt.user, attempt_public_id=attempt.public_id, question_id=q.pk, choice_id=None, marked=True
    )
    assert (cleared.answered, cleared.marked) == (0, 1)
    assert Answer.objects.get(attempt=attempt, question=q).choice_id is None


def test_answer_save_refuses_a_question_not_on_the_paper(clock, quiz, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    stranger = QuestionFactory()
    with pytest.raises(InvalidAnswer) as refused:
        answer_save(
            user=attempt.user,
            attempt_public_id=attempt.public_id,
            question_id=stranger.pk,
            choice_id=right(stranger).pk,
            marked=False,
        )
    assert refused.value.message == "That question is not on this paper."
    assert Answer.objects.count() == 0


def test_answer_save_refuses_a_choice_of_another_question(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    with pytest.raises(InvalidAnswer) as refused:
        answer_save(
            user=attempt.user,
            attempt_public_id=attempt.public_id,
            question_id=questions[0].pk,
            choice_id=right(questions[1]).pk,
            marked=False,
        )
    assert refused.value.message == "That choice is not an option of this question."
    assert Answer.objects.count() == 0


def test_answer_save_treats_someone_elses_and_no_attempt_alike(clock, quiz, questions, student):
    theirs = attempt_start(quiz=quiz, user=UserFactory()).attempt
    messages = []
    for public_id in (theirs.public_id, uuid.uuid4()):
        with pytest.raises(AttemptNotFound) as refused:
            answer_save(
                user=student, attempt_public_id=public_id, question_id=questions[0].pk, choice_id=None, marked=True
            )
        messages.append(refused.value.message)
    assert (
        messages
        == ["There is nothing at this address for you: it may be mistyped, or belong to someone else's account."] * 2
    )
    assert Answer.objects.count() == 0


def test_answer_save_refuses_once_submitted(clock, quiz, questions, student):
    attempt = attempt_submit(attempt=attempt_start(quiz=quiz, user=student).attempt)
    with pytest.raises(AttemptClosed, match="already been submitted"):
        answer_save(
            user=attempt.user,
            attempt_public_id=attempt.public_id,
            question_id=questions[0].pk,
            choice_id=right(questions[0]).pk,
            marked=False,
        )
    assert Answer.objects.filter(choice__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("after_deadline", "accepted"),
    [(timedelta(seconds=-1), True), (timedelta(0), True), (timedelta(seconds=5), True), (timedelta(seconds=6), False)],
    ids=["just-before", "at-deadline", "end-of-grace", "after-grace"],
)
def test_answer_save_at_the_deadline(clock, quiz, questions, student, settings, after_deadline, accepted):
    settings.QUIZ_GRACE_SECONDS = 5
    attempt = attempt_start(quiz=quiz, user=student).attempt
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    clock.move_to(attempt.deadline + after_deadline)

    if accepted:
        progress = answer_save(
            user=attempt.user,
            attempt_public_id=attempt.public_id,
            question_id=questions[1].pk,
            choice_id=right(questions[1]).pk,
            marked=False,
        )
        assert progress.answered == 2
        assert Attempt.objects.get(pk=attempt.pk).is_open
    else:
        with pytest.raises(AttemptClosed) as refused:
            answer_save(
                user=attempt.user,
                attempt_public_id=attempt.public_id,
                question_id=questions[1].pk,
                choice_id=right(questions[1]).pk,
                marked=False,
            )
        assert refused.value.message == "Time is up: the deadline has passed, so this was not saved."
        closed = Attempt.objects.get(pk=attempt.pk)
        # Closed with what was saved in time: one correct answer.
        assert (closed.status, closed.score, closed.correct_count, closed.blank_count) == (
            Attempt.Status.TIMED_OUT,
            Decimal("2.00"),
            1,
            2,
        )
        assert closed.time_taken == timedelta(minutes=10)


def test_answers_save_is_all_or_nothing(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    with pytest.raises(InvalidAnswer):
        answers_save(
            attempt=attempt,
            choices={questions[0].pk: right(questions[0]).pk, questions[1].pk: right(questions[2]).pk},
            marked={},
        )
    assert Answer.objects.count() == 0


def test_answers_save_leaves_untouched_questions_unvisited(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    answers_save(
        attempt=attempt,
        choices={questions[0].pk: right(questions[0]).pk},
        marked={q.pk: q == questions[2] for q in questions},
    )
    saved = {a.question_id: (a.choice_id, a.marked) for a in Answer.objects.filter(attempt=attempt)}
    assert saved == {questions[0].pk: (right(questions[0]).pk, False), questions[2].pk: (None, True)}


# --- submit and expire ---------------------------------------------------------------------------


def test_attempt_submit_grades_each_answer_and_the_totals(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    clock.shift(timedelta(seconds=40))
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    clock.shift(timedelta(seconds=50))
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[1].pk,
        choice_id=wrong(questions[1]).pk,
        marked=True,
    )
    clock.shift(timedelta(seconds=10))

    attempt = attempt_submit(attempt=attempt)

    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.submitted_at == T0 + timedelta(seconds=100)
    assert attempt.time_taken == timedelta(seconds=100)
    assert (attempt.correct_count, attempt.wrong_count, attempt.blank_count) == (1, 1, 1)
    assert (attempt.score, attempt.max_score) == (Decimal("1.33"), Decimal("6.00"))
    graded = {a.question_id: (a.outcome, a.marks, a.time_spent) for a in Answer.objects.filter(attempt=attempt)}
    assert graded == {
        questions[0].pk: ("correct", Decimal("2.00"), timedelta(seconds=40)),
        questions[1].pk: ("wrong", Decimal("-0.67"), timedelta(seconds=50)),
        questions[2].pk: ("blank", Decimal("0.00"), None),
    }


def test_attempt_submit_three_wrong_score_exactly_minus_two(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    for q in questions:
        answer_save(
            user=attempt.user,
            attempt_public_id=attempt.public_id,
            question_id=q.pk,
            choice_id=wrong(q).pk,
            marked=False,
        )
    assert attempt_submit(attempt=attempt).score == Decimal("-2.00")


def test_attempt_submit_saves_the_form_answers_first(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    attempt = attempt_submit(
        attempt=attempt, choices={q.pk: right(q).pk for q in questions}, marked={q.pk: False for q in questions}
    )
    assert (attempt.correct_count, attempt.score) == (3, Decimal("6.00"))


def test_attempt_submit_twice_grades_once(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    first = attempt_submit(attempt=attempt)
    # The key changes after grading: a second submit must not regrade silently.
    Choice.objects.filter(question=questions[0]).update(is_correct=False)
    clock.shift(timedelta(minutes=1))

    second = attempt_submit(attempt=attempt, choices={questions[1].pk: right(questions[1]).pk})

    assert (second.score, second.submitted_at) == (first.score, first.submitted_at) == (Decimal("2.00"), T0)
    assert Answer.objects.get(attempt=attempt, question=questions[1]).choice_id is None


def test_attempt_submit_after_the_grace_ignores_the_form(clock, quiz, questions, student, settings):
    settings.QUIZ_GRACE_SECONDS = 5
    attempt = attempt_start(quiz=quiz, user=student).attempt
    clock.move_to(attempt.deadline + timedelta(seconds=30))

    attempt = attempt_submit(attempt=attempt, choices={questions[0].pk: right(questions[0]).pk})

    assert (attempt.status, attempt.score, attempt.blank_count) == (Attempt.Status.TIMED_OUT, Decimal("0.00"), 3)
    assert attempt.time_taken == timedelta(minutes=10)


def test_attempt_submit_within_the_grace_saves_and_times_out(clock, quiz, questions, student, settings):
    settings.QUIZ_GRACE_SECONDS = 5
    attempt = attempt_start(quiz=quiz, user=student).attempt
    clock.move_to(attempt.deadline + timedelta(seconds=2))

    attempt = attempt_submit(attempt=attempt, choices={questions[0].pk: right(questions[0]).pk})

    assert (attempt.status, attempt.score) == (Attempt.Status.TIMED_OUT, Decimal("2.00"))


def test_attempt_expire_leaves_a_running_attempt_alone(clock, quiz, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    clock.shift(timedelta(minutes=5))
    assert attempt_expire(attempt=attempt).is_open


def test_close_expired_attempts_command_closes_only_abandoned_ones(clock, quiz, questions, student):
    abandoned = attempt_start(quiz=quiz, user=student).attempt
    answer_save(
        user=abandoned.user,
        attempt_public_id=abandoned.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    clock.shift(timedelta(minutes=8))
    running = attempt_start(quiz=quiz, user=UserFactory()).attempt
    clock.shift(timedelta(minutes=3))

    out = StringIO()
    call_command("close_expired_attempts", stdout=out)

    assert out.getvalue() == "Closed 1 expired attempt.\n"
    abandoned.refresh_from_db()
    assert (abandoned.status, abandoned.score) == (Attempt.Status.TIMED_OUT, Decimal("2.00"))
    assert Attempt.objects.get(pk=running.pk).is_open
    assert attempts_close_expired() == 0


# --- history protects authored content -----------------------------------------------------------


def test_answered_question_cannot_be_deleted(clock, quiz, questions, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    with pytest.raises(ProtectedError):
        questions[0].delete()
    assert AttemptQuestion.objects.filter(attempt=attempt).count() == 3


def test_attempt_start_refused_still_closes_the_expired_attempt(clock, questions, student):
    quiz = QuizFactory(questions=questions, attempts_allowed=1)
    first = attempt_start(quiz=quiz, user=student).attempt
    answer_save(
        user=first.user,
        attempt_public_id=first.public_id,
        question_id=questions[0].pk,
        choice_id=right(questions[0]).pk,
        marked=False,
    )
    clock.shift(timedelta(hours=1))

    with pytest.raises(QuizUnavailable):
        attempt_start(quiz=quiz, user=student)

    first.refresh_from_db()
    assert (first.status, first.score) == (Attempt.Status.TIMED_OUT, Decimal("2.00"))


def test_attempt_start_one_paper_at_a_time(clock, quiz, questions, student):
    running = attempt_start(quiz=quiz, user=student).attempt
    other = QuizFactory(title="Mock", questions=questions)

    with pytest.raises(PaperRunning) as refused:
        attempt_start(quiz=other, user=student)

    assert refused.value.message == "Finish your paper \u201cDrill\u201d first: it ends at 14:40."
    assert refused.value.attempt == running
    attempt_submit(attempt=running)
    assert attempt_start(quiz=other, user=student).attempt.quiz == other


def test_attempt_start_after_an_expired_paper_of_another_quiz(clock, quiz, questions, student):
    abandoned = attempt_start(quiz=quiz, user=student).attempt
    clock.shift(timedelta(hours=1))
    fresh = attempt_start(quiz=QuizFactory(questions=questions), user=student).attempt
    abandoned.refresh_from_db()
    assert abandoned.status == Attempt.Status.TIMED_OUT
    assert fresh.is_open


def test_answer_save_with_was_changes_only_what_the_page_changed(clock, quiz, questions, student):
    """A page that last saw Q1 blank and unmarked only toggles the mark: the answer saved elsewhere stays."""
    attempt = attempt_start(quiz=quiz, user=student).attempt
    q = questions[0]
    answer_save(
        user=attempt.user, attempt_public_id=attempt.public_id, question_id=q.pk, choice_id=right(q).pk, marked=False
    )

    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=q.pk,
        choice_id=None,
        marked=True,
        was=(None, False),
    )

    answer = Answer.objects.get(attempt=attempt, question=q)
    assert (answer.choice_id, answer.marked) == (right(q).pk, True)


@pytest.mark.parametrize("started", [0, 1, 500_000, 999_999], ids=lambda us: f"start+{us}us")
@pytest.mark.parametrize(("late", "accepted"), [(0, True), (1, False)], ids=["at-end-of-grace", "1us-after"])
def test_answer_save_cutoff_is_exact_to_the_microsecond(
    clock, quiz, questions, student, settings, started, late, accepted
):
    """The upsert compares the stored deadline in SQL (as text on SQLite): no rounding at either side."""
    settings.QUIZ_GRACE_SECONDS = 5
    clock.move_to(T0 + timedelta(microseconds=started))
    attempt = attempt_start(quiz=quiz, user=student).attempt
    clock.move_to(attempt.deadline + timedelta(seconds=5, microseconds=late))

    def save():
        return answer_save(
            user=student,
            attempt_public_id=attempt.public_id,
            question_id=questions[0].pk,
            choice_id=right(questions[0]).pk,
            marked=False,
        )

    if accepted:
        assert save() == answers.Progress(answered=1, marked=0, seconds_left=0)
    else:
        with pytest.raises(AttemptClosed):
            save()
    assert Answer.objects.filter(choice__isnull=False).count() == (1 if accepted else 0)


def test_answer_save_for_a_foreign_question_after_the_deadline_is_closed(clock, quiz, student):
    attempt = attempt_start(quiz=quiz, user=student).attempt
    clock.shift(timedelta(hours=1))
    with pytest.raises(AttemptClosed):
        answer_save(
            user=attempt.user,
            attempt_public_id=attempt.public_id,
            question_id=QuestionFactory().pk,
            choice_id=None,
            marked=False,
        )
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.TIMED_OUT


def test_answer_save_never_acknowledges_what_the_statement_did_not_write(clock, quiz, questions, student, monkeypatch):
    """If the checks pass but the upsert still writes nothing (an admin moved a choice in between), refuse."""
    attempt = attempt_start(quiz=quiz, user=student).attempt
    monkeypatch.setattr(answers, "_answer_upsert_if_open", lambda **_: False)
    with pytest.raises(InvalidAnswer) as refused:
        answer_save(
            user=student,
            attempt_public_id=attempt.public_id,
            question_id=questions[0].pk,
            choice_id=right(questions[0]).pk,
            marked=False,
        )
    assert refused.value.message == "This answer could not be saved: reload the page and answer again."
    assert Answer.objects.count() == 0
