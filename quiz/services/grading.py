"""Closing a paper: grading it against the versions it showed, and moving the student's review cards.

A paper closes in one of two ways: its student submits it (quiz/services/attempts.py), or its time
runs out. Closing by the clock happens in exactly one function, `attempt_expire`; pages that find an
expired paper call it (through `_get_attempt_for_user`) or show `policy.effective_status`, and the
`close_expired_attempts` command is its cron path.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from quiz import policy
from quiz.models import Answer, Attempt, Quiz, ReviewCard
from quiz.practice import CardState, card_after, sure_miss_after
from quiz.scoring import Outcome, outcome_of, to_decimal, totals_of


def attempt_expire(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Close an attempt whose time has run out, grading what was saved in time; others are returned as they are."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=attempt.pk)
        if policy.has_expired(locked, now):
            attempt_close(locked, now=now)
    return locked


def attempts_close_expired(*, now: datetime | None = None) -> int:
    """Close every abandoned attempt past its deadline and grace; returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    for attempt in Attempt.objects.filter(policy.expired_q(now)).only("pk"):
        if not attempt_expire(attempt=attempt, now=now).is_open:
            closed += 1
    return closed


def attempt_close(attempt: Attempt, *, now: datetime) -> None:
    """Grade a locked, open attempt and close it: submitted in time, or timed out (callers hold the lock)."""
    attempt.status = Attempt.Status.SUBMITTED if now < attempt.deadline else Attempt.Status.TIMED_OUT
    attempt.submitted_at = now
    attempt.time_taken = min(now, attempt.deadline) - attempt.started_at
    outcomes, confidences = _grade(attempt)
    review_cards_move(attempt=attempt, outcomes=outcomes, confidences=confidences, now=now)
    attempt.save(
        update_fields=[
            "status",
            "submitted_at",
            "time_taken",
            "question_count",
            "correct_count",
            "wrong_count",
            "blank_count",
            "score",
            "max_score",
        ]
    )


def _grade(attempt: Attempt) -> tuple[dict[int, Outcome], dict[int, str]]:
    """Store each answer's outcome and marks, and the attempt's totals, from the key of each pinned version.

    Returns each question's outcome, and the confidence of each answer given one. Time spent is
    what the page measured when it measured any (`Answer.active_seconds`), else the estimate.
    """
    marking = attempt.marking
    versions = {item.question_id: item.version for item in attempt.items.select_related("version")}
    question_ids = list(versions)
    answers = list(Answer.objects.filter(attempt=attempt).select_related("choice").order_by("first_saved_at", "pk"))
    outcomes: dict[int, Outcome] = {}
    previous = attempt.started_at
    measured = any(answer.active_seconds for answer in answers)
    for answer in answers:
        # Against the key the student was set (the pinned version's), matched by the choice's key.
        chosen = versions[answer.question_id].is_correct(answer.choice.key) if answer.choice_id else None
        outcome = outcome_of(chosen_is_correct=chosen)
        answer.outcome, answer.marks = outcome.value, to_decimal(marking.marks_for(outcome))
        if measured:
            answer.time_spent = timedelta(seconds=answer.active_seconds)
        elif answer.choice_id is not None:
            answer.time_spent, previous = answer.first_saved_at - previous, answer.first_saved_at
        outcomes[answer.question_id] = outcome
    Answer.objects.bulk_update(answers, ["outcome", "marks", "time_spent"])
    # A question never touched gets a blank answer row, so every question of a graded paper has one.
    answered = {a.question_id for a in answers}
    missing = [pk for pk in question_ids if pk not in answered]
    blank = Outcome.BLANK
    Answer.objects.bulk_create(
        Answer(
            attempt=attempt,
            question_id=pk,
            first_saved_at=attempt.started_at,
            saved_at=attempt.started_at,
            outcome=blank.value,
            marks=to_decimal(marking.marks_for(blank)),
        )
        for pk in missing
    )
    outcomes |= dict.fromkeys(missing, blank)
    totals_store(attempt, totals_of(marking, outcomes.values()))
    return outcomes, {a.question_id: a.confidence for a in answers if a.confidence}


def totals_store(attempt: Attempt, totals) -> None:
    """Copy graded totals onto the attempt (the caller saves it)."""
    attempt.question_count = totals.questions
    attempt.correct_count, attempt.wrong_count, attempt.blank_count = totals.correct, totals.wrong, totals.blank
    attempt.score, attempt.max_score = to_decimal(totals.score), to_decimal(totals.maximum)


def review_cards_move(
    *, attempt: Attempt, outcomes: dict[int, Outcome], now: datetime, confidences: dict[int, str] | None = None
) -> None:
    """Move the student's review cards by a graded paper's outcomes (the rules: quiz/practice.py).

    In a practice round a blank moves nothing: the round may have been closed for the student
    (a timed quiz started, or a day passed), and skipping a question is not forgetting it. A quiz
    that shows its key only after it closes sends its misses to practice the day after that.
    """
    quiz = attempt.quiz
    if quiz.is_practice:
        outcomes = {pk: outcome for pk, outcome in outcomes.items() if outcome != Outcome.BLANK}
    today = timezone.localdate(now)
    not_before = None
    if quiz.explanations == Quiz.Explanations.AFTER_CLOSE and quiz.closes_at is not None:
        not_before = timezone.localdate(quiz.closes_at + policy.grace()) + timedelta(days=1)
    cards = {
        card.question_id: card
        for card in ReviewCard.objects.filter(user_id=attempt.user_id, question__in=list(outcomes))
    }
    created, changed = [], []
    for question_id, outcome in outcomes.items():
        card = cards.get(question_id)
        before = CardState(box=card.box, due_on=card.due_on) if card else None
        after = card_after(before, outcome=outcome, today=today)
        confidence = (confidences or {}).get(question_id, "")
        sure_miss = sure_miss_after(was=bool(card and card.sure_miss), outcome=outcome, confidence=confidence)
        if after is None or (after == before and outcome == Outcome.CORRECT and sure_miss == card.sure_miss):
            continue
        if card is None:
            card = ReviewCard(user_id=attempt.user_id, question_id=question_id)
            created.append(card)
        else:
            changed.append(card)
        card.box, card.due_on, card.last_seen_at = after.box, after.due_on, now
        if not_before is not None and card.due_on is not None:
            card.due_on = max(card.due_on, not_before)
        card.misses += outcome != Outcome.CORRECT
        card.sure_miss = sure_miss
    ReviewCard.objects.bulk_create(created)
    ReviewCard.objects.bulk_update(changed, ["box", "due_on", "misses", "last_seen_at", "sure_miss"])
