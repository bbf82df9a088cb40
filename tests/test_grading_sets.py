"""Set-based grading (quiz/services/grading.py) and the tallies it counts (quiz/services/tallies.py).

The grader is held to the per-attempt grader it replaced, kept here as the oracle: each paper read
answer by answer, its key from the pinned version, its marks rounded once, its time measured or
estimated, its review cards moved by `practice.card_after` and `practice.sure_miss_after`.
"""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from content.models import QuestionVersion
from content.services import question_version_current
from quiz import policy
from quiz.models import Answer, Attempt, AttemptQuestion, QuestionTally, Quiz, ReviewCard, StatementTally
from quiz.practice import CardState, card_after, sure_miss_after
from quiz.scoring import Outcome, outcome_of, to_decimal, totals_of
from quiz.selectors import progress
from quiz.services import grading
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit
from quiz.services.regrade import attempts_regrade
from quiz.services.tallies import tallies_rebuild
from tests.factories import (
    AssertionReasonQuestionFactory,
    QuestionFactory,
    QuizFactory,
    StatementQuestionFactory,
    UserFactory,
)
from tests.helpers import DAY, MINUTE, T0, answers_saved, db_examples, graded_attempt, right, wrong

pytestmark = pytest.mark.django_db

PICKS = ("right", "wrong", "wrong2", "none", "cleared")
SCHEMES = [(Decimal(2), 1, 3), (Decimal("2.5"), 1, 4), (Decimal("0.29"), 2, 3), (Decimal(1), 0, 1)]


def _expected(attempt: Attempt, now) -> dict:
    """What the per-attempt grader stored for `attempt` closed at `now`: answers, totals and the cards it moved."""
    versions = {item.question_id: item.version for item in attempt.items.select_related("version")}
    marking = attempt.marking
    answers, confidences = {}, {}
    previous = attempt.started_at
    given = list(Answer.objects.filter(attempt=attempt).select_related("choice").order_by("first_saved_at", "pk"))
    measured = any(answer.active_seconds for answer in given)
    for answer in given:
        chosen = versions[answer.question_id].is_correct(answer.choice.key) if answer.choice_id else None
        outcome = outcome_of(chosen_is_correct=chosen)
        spent = answer.time_spent
        if measured:
            if answer.active_seconds or answer.choice_id is not None:
                spent = timedelta(seconds=answer.active_seconds)
        elif answer.choice_id is not None:
            spent, previous = answer.first_saved_at - previous, answer.first_saved_at
        answers[answer.question_id] = (outcome.value, to_decimal(marking.marks_for(outcome)), spent)
        confidences[answer.question_id] = answer.confidence
    for question_id in versions.keys() - answers.keys():
        answers[question_id] = (Outcome.BLANK.value, to_decimal(marking.marks_for(Outcome.BLANK)), None)
    totals = totals_of(marking, [Outcome(outcome) for outcome, _, _ in answers.values()])
    status = Attempt.Status.SUBMITTED if now < attempt.deadline else Attempt.Status.TIMED_OUT
    today = now.date()
    cards = {}
    for card in ReviewCard.objects.filter(user=attempt.user):
        cards[card.question_id] = (card.box, card.due_on, card.misses, card.last_seen_at, card.sure_miss)
    for question_id, (outcome, _, _) in answers.items():
        old = cards.get(question_id)
        before = CardState(box=old[0], due_on=old[1]) if old else None
        after = card_after(before, outcome=Outcome(outcome), today=today)
        was = bool(old and old[4])
        sure_miss = sure_miss_after(was=was, outcome=Outcome(outcome), confidence=confidences.get(question_id, ""))
        if after is None or (after == before and outcome == Outcome.CORRECT and sure_miss == was):
            continue
        misses = (old[2] if old else 0) + (outcome != Outcome.CORRECT)
        cards[question_id] = (after.box, after.due_on, misses, now, sure_miss)
    return {
        "answers": answers,
        "attempt": (
            status,
            min(now, attempt.deadline) - attempt.started_at,
            totals.questions,
            (totals.correct, totals.wrong, totals.blank),
            to_decimal(totals.score),
            to_decimal(totals.maximum),
        ),
        "cards": cards,
    }


def _stored(attempt: Attempt) -> dict:
    attempt.refresh_from_db()
    return {
        "answers": {a.question_id: (a.outcome, a.marks, a.time_spent) for a in Answer.objects.filter(attempt=attempt)},
        "attempt": (
            attempt.status,
            attempt.time_taken,
            attempt.question_count,
            (attempt.correct_count, attempt.wrong_count, attempt.blank_count),
            attempt.score,
            attempt.max_score,
        ),
        "cards": {
            c.question_id: (c.box, c.due_on, c.misses, c.last_seen_at, c.sure_miss)
            for c in ReviewCard.objects.filter(user=attempt.user)
        },
    }


@pytest.fixture
def mixed_questions(db):
    return [
        QuestionFactory(),
        StatementQuestionFactory(),
        AssertionReasonQuestionFactory(),
        QuestionFactory(),
        StatementQuestionFactory(),
    ]


sitting = st.fixed_dictionaries(
    {
        "scheme": st.sampled_from(range(len(SCHEMES))),
        "late": st.booleans(),  # started early enough that the deadline has passed at `now`
        "picks": st.lists(st.sampled_from(PICKS), min_size=5, max_size=5),
        # When each question is first answered, from the start: in any order, some at one instant.
        "seconds": st.lists(st.integers(min_value=0, max_value=5) | st.just(60), min_size=5, max_size=5),
        "cards": st.lists(st.sampled_from([None, 1, 2, 3, 4, 5]), min_size=5, max_size=5),
        "sure_misses": st.lists(st.booleans(), min_size=5, max_size=5),  # cards already "sure but wrong"
        "tags": st.lists(st.sampled_from(["", "sure", "fifty", "guess"]), min_size=5, max_size=5),
        # Seconds the page measured on each question; all 0 is a paper without JavaScript.
        "measured": st.lists(st.integers(min_value=0, max_value=90), min_size=5, max_size=5) | st.just([0] * 5),
        "due_in": st.integers(min_value=-3, max_value=3),
    }
)


@db_examples(25)
@given(sittings=st.lists(sitting, min_size=1, max_size=3), key_edited=st.booleans(), shuffled=st.booleans())
def test_attempts_close_grades_a_batch_as_the_per_attempt_grader(mixed_questions, sittings, key_edited, shuffled):
    with transaction.atomic():
        quiz = QuizFactory(questions=mixed_questions, shuffle_options=shuffled, time_limit=timedelta(minutes=30))
        now = T0 + timedelta(hours=1)
        attempts = []
        for n, s in enumerate(sittings):
            marks, numerator, denominator = SCHEMES[s["scheme"]]
            quiz.marks_per_correct, quiz.penalty_numerator, quiz.penalty_denominator = marks, numerator, denominator
            quiz.save()
            user = UserFactory(username=f"sitter{n}")
            for question, box, sure_miss in zip(mixed_questions, s["cards"], s["sure_misses"], strict=True):
                if box is not None:
                    due = None if box == 5 else now.date() + timedelta(days=s["due_in"])
                    ReviewCard.objects.create(
                        user=user, question=question, box=box, due_on=due, last_seen_at=T0, sure_miss=sure_miss
                    )
            started = now - timedelta(minutes=45 if s["late"] else 10)
            attempt = attempt_start(quiz=quiz, user=user, now=started).attempt
            rows = zip(mixed_questions, s["picks"], s["seconds"], s["tags"], s["measured"], strict=True)
            for question, pick, seconds, tag, measured in rows:
                moment = started + timedelta(seconds=seconds)
                if moment > attempt.deadline:
                    continue
                save = {"user": user, "attempt_public_id": attempt.public_id, "question_id": question.pk}
                if pick == "none":
                    if measured:  # looked at, left blank
                        answer_save(**save, choice_id=None, marked=False, seconds=measured, now=moment)
                    continue
                choice = {"right": right(question), "wrong": wrong(question), "wrong2": wrong(question, 1)}.get(
                    pick, wrong(question)
                )
                answer_save(**save, choice_id=choice.pk, marked=False, confidence=tag, seconds=measured, now=moment)
                if pick == "cleared":
                    answer_save(**save, choice_id=None, marked=True, now=moment)
            attempts.append(attempt)
        if key_edited:  # after the papers started: they keep the key they were set
            question = mixed_questions[0]
            old, new = right(question), wrong(question)
            old.is_correct, new.is_correct = False, True
            old.save()
            new.save()
            question_version_current(question=question)
        expected = {a.pk: _expected(a, now) for a in attempts}
        locked = list(Attempt.objects.filter(pk__in=[a.pk for a in attempts]).select_related("quiz"))
        grading.attempts_close(locked, now=now)
        for attempt in attempts:
            assert _stored(attempt) == expected[attempt.pk]
        transaction.set_rollback(True)


def _tallies() -> dict:
    return {
        "questions": sorted(
            QuestionTally.objects.values_list(
                "user", "question", "correct", "wrong", "blank", "last_outcome", "last_answer_id"
            )
        ),
        "statements": sorted(
            StatementTally.objects.values_list(
                "user", "question", "statement_key", "judged", "misjudged", "version", "number", "last_answer_id"
            )
        ),
    }


@pytest.fixture
def three_papers_each(student, mixed_questions):
    """Asha and Ravi each sat a mixed quiz three times, on different days, picking differently."""
    quiz = QuizFactory(questions=mixed_questions)
    ravi = UserFactory(username="ravi")
    for day in range(3):
        for user, pick in ((student, wrong), (ravi, right)):
            picks = {q: (pick if (day + i) % 3 else wrong)(q) for i, q in enumerate(mixed_questions[: 3 + day])}
            graded_attempt(user=user, quiz=quiz, picks=picks, now=T0 + day * DAY)
    return quiz


def test_tallies_rebuild_equals_the_tallies_counted_at_grading(three_papers_each):
    counted = _tallies()
    assert len(counted["questions"]) == 10 and counted["statements"]
    tallies_rebuild()
    assert _tallies() == counted


def test_tallies_count_each_students_answers_and_latest_outcome(student, mixed_questions, three_papers_each):
    single = mixed_questions[0]
    tally = QuestionTally.objects.get(user=student, question=single)
    # Day 0: wrong (i=0, day 0 picks wrong); day 1: wrong; day 2: wrong ("wrong" either way for Asha).
    assert (tally.correct, tally.wrong, tally.blank, tally.last_outcome) == (0, 3, 0, "wrong")
    last = Answer.objects.filter(attempt__user=student, question=single).order_by("-attempt__submitted_at").first()
    assert tally.last_answer_id == last.pk


def test_regrade_recounts_the_tallies_it_changes(student, mixed_questions, three_papers_each):
    quiz = three_papers_each
    single = mixed_questions[0]
    old, new = right(single), wrong(single)  # Asha always chose the first wrong option: now the key
    old.is_correct, new.is_correct = False, True
    old.save()
    new.save()
    attempts_regrade(quizzes=[quiz], apply=True)
    tally = QuestionTally.objects.get(user=student, question=single)
    assert (tally.correct, tally.wrong, tally.blank, tally.last_outcome) == (3, 0, 0, "correct")
    recounted = _tallies()
    tallies_rebuild()
    assert _tallies() == recounted


def test_attempts_close_expired_grades_in_batches(student, mixed_questions):
    quiz = QuizFactory(questions=mixed_questions, time_limit=timedelta(minutes=10))
    papers = [attempt_start(quiz=quiz, user=UserFactory(username=f"late{n}"), now=T0).attempt for n in range(5)]
    running = attempt_start(quiz=quiz, user=student, now=T0 + timedelta(minutes=5)).attempt
    assert grading.attempts_close_expired(now=T0 + 11 * MINUTE, batch_size=2) == 5
    closed = Attempt.objects.filter(pk__in=[p.pk for p in papers])
    assert set(closed.values_list("status", "blank_count", "score")) == {(Attempt.Status.TIMED_OUT, 5, Decimal(0))}
    running.refresh_from_db()
    assert running.is_open
    assert Answer.objects.filter(attempt__in=papers).count() == 25


def test_attempts_close_of_nothing_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        grading.attempts_close([], now=T0)


def test_question_version_stores_its_correct_key(mixed_questions):
    version = question_version_current(question=mixed_questions[1])
    assert version.correct_key == right(mixed_questions[1]).key != ""


def test_history_mastery_reads_the_tallies_not_the_answers(student, mixed_questions, three_papers_each):
    """The tallies are what the history shows: change them and the page's figures follow."""
    single = mixed_questions[0]
    QuestionTally.objects.filter(user=student, question=single).update(correct=7)
    row = next(m for m in progress.topic_mastery(student) if m.topic == single.topic)
    assert (row.correct, row.wrong, row.accuracy) == (7, 3, Fraction(7, 10))


# --- the history's mastery: the tallies against every answer read ---------------------------------


def _answers_read(user):
    """What the history read before the tallies: every graded answer whose result is released, and
    of those, for traps and statements, the ones no quiz seals now."""
    now = timezone.now()
    graded = Answer.objects.filter(policy.key_visible_q(now, prefix="attempt__"), attempt__user=user)
    return graded, graded.exclude(policy.sealed_questions_q(now))


def _mastery_read(user) -> dict:
    graded, revealing = _answers_read(user)
    topics = sorted(
        graded.values("question__topic")
        .annotate(
            c=Count("pk", filter=Q(outcome="correct")),
            w=Count("pk", filter=Q(outcome="wrong")),
            b=Count("pk", filter=Q(outcome="blank")),
        )
        .order_by()
        .values_list("question__topic", "c", "w", "b")
    )
    latest = revealing.filter(question=OuterRef("question")).order_by("-attempt__submitted_at", "-pk")
    traps = sorted(
        revealing.filter(question__is_trap=True)
        .values("question")
        .annotate(
            met=Count("pk"), fell=Count("pk", filter=Q(outcome="wrong")), last=Subquery(latest.values("outcome")[:1])
        )
        .order_by()
        .values_list("question", "met", "fell", "last")
    )
    pinned = AttemptQuestion.objects.filter(attempt=OuterRef("attempt"), question=OuterRef("question"))
    statements: dict = {}
    for answer in (
        revealing.filter(Exists(pinned.filter(version__kind__in=progress.JUDGED_KINDS)), choice__isnull=False)
        .annotate(version_id=Subquery(pinned.values("version")[:1]))
        .select_related("choice")
        .order_by("attempt__submitted_at", "pk")
    ):
        version = QuestionVersion.objects.get(pk=answer.version_id)
        if version.choice(answer.choice.key) is None:
            continue
        misjudged = set(version.misjudged_by(answer.choice.key) or ())
        for number, (label, shown) in enumerate(version.labelled_statements(), start=1):
            row = statements.setdefault((answer.question_id, shown["key"]), [0, 0, None])
            row[0] += 1
            row[1] += number in misjudged
            row[2] = (shown["text"], label)
    return {
        "topics": topics,
        "traps": traps,
        "statements": sorted((*key, *row) for key, row in statements.items() if row[1]),
    }


def _mastery_shown(user) -> dict:
    """The same figures as the history shows them now, from the tallies."""
    trap_record = progress.trap_record(user)
    shown_traps = {row.question.pk: row for row in trap_record.rows}
    traps = [
        (tally.question_id, tally.correct + tally.wrong + tally.blank, tally.wrong, tally.last_outcome)
        for tally in QuestionTally.objects.filter(user=user, question__is_trap=True).exclude(
            policy.sealed_questions_q(timezone.now())
        )
    ]
    assert trap_record.met == len(traps)
    assert {(r.question.pk, r.met, r.fell, r.last_outcome) for r in shown_traps.values()} == {
        row for row in traps if row[2]
    }
    return {
        "topics": sorted((m.topic.pk, m.correct, m.wrong, m.blank) for m in progress.topic_mastery(user)),
        "traps": sorted(traps),
        "statements": sorted(
            (row.question.pk, row.statement.key, row.judged, row.misjudged, (row.statement.text, row.label))
            for row in progress.statement_mastery(user, limit=1000)
        ),
    }


@db_examples(15)
@given(
    papers=st.lists(
        st.tuples(st.booleans(), st.lists(st.sampled_from(PICKS[:4]), min_size=5, max_size=5)), min_size=1, max_size=4
    ),
    regrade=st.booleans(),
)
def test_history_mastery_from_the_tallies_equals_reading_every_answer(student, mixed_questions, papers, regrade):
    """Papers of an open quiz and of a sealed live mock (its results withheld, its questions sealed),
    some sharing questions, and a corrected key regraded: the figures are the same either way."""
    with transaction.atomic():
        for question in mixed_questions[::2]:
            question.is_trap, question.trap_note = True, "A tempting confusion."
            question.save()
        drill, sealed = QuizFactory(questions=mixed_questions), None
        started = timezone.now() - timedelta(days=2)
        for n, (on_sealed, picks) in enumerate(papers):
            if on_sealed and sealed is None:  # from now on its questions are sealed, those met before too
                sealed = QuizFactory(
                    questions=mixed_questions[2:],
                    explanations=Quiz.Explanations.AFTER_CLOSE,
                    closes_at=timezone.now() + DAY,
                )
            moment = started + n * timedelta(hours=2)
            attempt = attempt_start(quiz=sealed if on_sealed else drill, user=student, now=moment).attempt
            on_paper = set(attempt.items.values_list("question", flat=True))
            chosen = {
                q: {"right": right(q), "wrong": wrong(q), "wrong2": wrong(q, 1), "none": None}[pick]
                for q, pick in zip(mixed_questions, picks, strict=True)
                if q.pk in on_paper
            }
            answers_saved(attempt, chosen, now=moment, seconds_apart=5)
            attempt_submit(attempt=attempt, now=moment + timedelta(minutes=5))
        if regrade:
            question = mixed_questions[1]
            old, new = right(question), wrong(question)
            old.is_correct, new.is_correct = False, True
            old.save()
            new.save()
            attempts_regrade(quizzes=[quiz for quiz in (drill, sealed) if quiz], apply=True)
        assert _mastery_shown(student) == _mastery_read(student)
        transaction.set_rollback(True)
