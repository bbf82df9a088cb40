"""Regrade: the one explicit way to re-mark closed attempts against a corrected key (as Moodle does it)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from content.services import question_versions_current
from quiz.models import Answer, Attempt, AttemptQuestion, Quiz
from quiz.scoring import Outcome, outcome_of, to_decimal, totals_of
from quiz.services.grading import review_cards_move, totals_store
from quiz.services.tallies import tallies_rebuild


@dataclass(frozen=True)
class Regrade:
    """One closed attempt whose stored marks disagree with the key as it is now."""

    attempt: Attempt
    old_score: Decimal
    new_score: Decimal
    old_counts: tuple[int, int, int]  # correct, wrong, blank
    new_counts: tuple[int, int, int]
    answers_changed: int
    questions: tuple[int, ...]  # whose outcome changed


def attempts_regrade(*, quizzes, apply: bool) -> list[Regrade]:
    """Recompute the stored marks of the quizzes' closed attempts from the key as it is now.

    With `apply` False nothing is written: the list is the dry run an admin confirms. With it
    True, the same is recomputed under row locks (never trusting an earlier dry run) and stored.
    Each attempt keeps its own marking scheme; totals count outcomes, never sum rounded marks.
    Applied, each answer whose outcome changed has its question re-pinned to the current version,
    as the key it is now marked by is that version's (the review would otherwise show the old key
    beside the new mark). An answer the corrected key now marks wrong goes into the student's practice, box 1; one now
    marked right leaves its card alone (reviewing it again does no harm).
    """
    with transaction.atomic():
        attempts = Attempt.objects.closed().filter(quiz__in=quizzes).select_related("user", "quiz").order_by("pk")
        if apply:
            attempts = attempts.select_for_update(of=("self",))
        attempts = list(attempts)
        answers: dict[int, list[Answer]] = {a.pk: [] for a in attempts}
        for answer in Answer.objects.filter(attempt__in=[a.pk for a in attempts]).select_related("choice"):
            answers[answer.attempt_id].append(answer)
        regrades, changed_answers, changed_attempts = [], [], []
        for attempt in attempts:
            marking = attempt.marking
            outcomes, changed = [], []
            for answer in answers[attempt.pk]:
                outcome = outcome_of(chosen_is_correct=answer.choice.is_correct if answer.choice_id else None)
                outcomes.append(outcome)
                if answer.outcome != outcome.value:
                    answer.outcome, answer.marks = outcome.value, to_decimal(marking.marks_for(outcome))
                    changed.append(answer)
            if not changed:
                continue
            old_score = attempt.score
            old_counts = (attempt.correct_count, attempt.wrong_count, attempt.blank_count)
            totals_store(attempt, totals_of(marking, outcomes))
            regrades.append(
                Regrade(
                    attempt=attempt,
                    old_score=old_score,
                    new_score=attempt.score,
                    old_counts=old_counts,
                    new_counts=(attempt.correct_count, attempt.wrong_count, attempt.blank_count),
                    answers_changed=len(changed),
                    questions=tuple(a.question_id for a in changed),
                )
            )
            changed_answers += changed
            changed_attempts.append(attempt)
        if apply:
            Answer.objects.bulk_update(changed_answers, ["outcome", "marks"])
            Attempt.objects.bulk_update(
                changed_attempts, ["correct_count", "wrong_count", "blank_count", "score", "max_score"]
            )
            _items_repin(changed_answers)
            # An answer the corrected key now marks wrong is a miss to practise, like any other.
            # One paper at a time: a student's papers may share a question, and each miss counts.
            for attempt in changed_attempts:
                now_wrong = [
                    a.question_id
                    for a in changed_answers
                    if a.attempt_id == attempt.pk and a.outcome == Outcome.WRONG.value
                ]
                if now_wrong:
                    review_cards_move(attempts=[attempt], questions=now_wrong, now=timezone.now())
            # The history's tallies: recounted for the students and questions whose marks (and
            # re-pinned versions) changed.
            if changed_answers:
                tallies_rebuild(
                    users=sorted({a.user_id for a in changed_attempts}),
                    questions=sorted({a.question_id for a in changed_answers}),
                )
    return regrades


def _items_repin(answers: list[Answer]) -> None:
    """Pin each regraded answer's question to its current version, so its review shows the key it is marked by.

    Only those answers: a question whose marks a regrade left alone keeps the version its paper showed.
    """
    pairs = {(answer.attempt_id, answer.question_id) for answer in answers}
    if not pairs:
        return
    versions = question_versions_current(question_ids=[question_id for _, question_id in pairs])
    items = [
        item
        for item in AttemptQuestion.objects.filter(attempt__in={a for a, _ in pairs}, question__in=list(versions)).only(
            "pk", "attempt_id", "question_id"
        )
        if (item.attempt_id, item.question_id) in pairs
    ]
    for item in items:
        item.version = versions[item.question_id]
    AttemptQuestion.objects.bulk_update(items, ["version"])


def regrade_elsewhere(*, regrades: list[Regrade], quizzes) -> list[Quiz]:
    """Other quizzes whose closed attempts hold the questions a regrade changes: to select as well."""
    changed = {question_id for regrade in regrades for question_id in regrade.questions}
    closed = Attempt.objects.closed().filter(answers__question__in=changed).exclude(quiz__in=list(quizzes))
    return list(Quiz.objects.filter(pk__in=closed.values("quiz")))
