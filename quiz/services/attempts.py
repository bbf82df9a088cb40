"""Starting and submitting a paper (closing one by the clock is quiz/services/grading.py's `attempt_expire`).

Each function locks before it changes anything (PostgreSQL `SELECT … FOR UPDATE`; on SQLite, the
database's one write lock, which IMMEDIATE transactions take at BEGIN) and runs in one transaction.
So an autosave racing a submit either lands before the grading or is refused: an acknowledged
answer is always graded, and two submits grade once.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from content.models import Choice, Question
from content.selectors import giveaway_pairs, shared_fact_pairs
from content.services import question_versions_current
from quiz import policy
from quiz.models import Attempt, AttemptQuestion, ExtraTime, Quiz
from quiz.selectors.progress import Scope, cards_for_round
from quiz.services.answers import answers_check, answers_write
from quiz.services.errors import PaperRunning, QuizUnavailable
from quiz.services.grading import attempt_close, attempt_expire

PRACTICE_ROUND_SIZE = 20
UNTIMED_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Started:
    """What a start did: the paper to show, and the practice round it submitted first, if any."""

    attempt: Attempt
    closed_practice: Attempt | None = None


def attempt_start(*, quiz: Quiz, user, now: datetime | None = None) -> Started:
    """The student's open attempt at `quiz`, or a new one with its questions drawn and frozen.

    An open practice round is submitted first (`policy.start_check`): practice never stands
    between a student and a timed paper.
    """
    now = now or timezone.now()
    _close_expired_of(user, now=now)
    with transaction.atomic():
        check, taken, layout = _start_checked(user, quiz=quiz, now=now)
        if check.resume is not None:
            return Started(attempt=check.resume)
        if check.closes_practice is not None:
            attempt_close(check.closes_practice, now=now)
        question_ids = _draw(quiz, now=now)
        if not question_ids:
            raise QuizUnavailable(policy.StartRefusal.EMPTY, quiz=quiz)
        attempt = _attempt_create(
            quiz=quiz,
            user=user,
            number=taken + 1,
            question_ids=question_ids,
            time_allowed=quiz.time_for(len(question_ids)),
            layout=layout,
            now=now,
        )
    return Started(attempt=attempt, closed_practice=check.closes_practice)


def practice_start(
    *,
    user,
    size: int = PRACTICE_ROUND_SIZE,
    timed: bool = False,
    scope: str = Scope.DUE,
    paper: Attempt | None = None,
    now: datetime | None = None,
) -> Attempt:
    """A 'Practise my mistakes' round of the student's review cards, most urgent first: those due
    today, those not due yet, or `paper`'s mistakes (`scope`, `progress.cards_for_round`).

    Untimed by default (no clock; left open, it closes a day later); timed, it runs at UPSC's
    pace. It is graded like any paper, and grading moves the cards (see quiz/practice.py): a card
    answered right before it is due stays where it is, so practising early never skips a wait.
    """
    now = now or timezone.now()
    _close_expired_of(user, now=now)
    quiz = Quiz.objects.practice()
    with transaction.atomic():
        check, taken, layout = _start_checked(user, quiz=quiz, now=now)
        if check.resume is not None:
            return check.resume
        question_ids = list(
            cards_for_round(user, now=now, scope=scope, paper=paper).values_list("question_id", flat=True)[:size]
        )
        if not question_ids:
            raise QuizUnavailable(policy.StartRefusal.EMPTY, quiz=quiz)
        return _attempt_create(
            quiz=quiz,
            user=user,
            number=taken + 1,
            question_ids=question_ids,
            time_allowed=quiz.time_for(len(question_ids)) if timed else None,
            layout=layout,
            now=now,
        )


def _start_checked(user, *, quiz: Quiz, now: datetime) -> tuple[policy.StartCheck, int, str]:
    """Inside the start's transaction: lock the student's open paper, ask `policy.start_check`, and
    raise its refusal. Returns the check, the papers already taken and the layout a new one takes."""
    current, layout = _open_attempt_locked(user)
    taken = Attempt.objects.filter(user=user, quiz=quiz).count()
    check = policy.start_check(quiz=quiz, open_attempt=current, taken=taken, length=None, now=now)
    if check.refusal == policy.StartRefusal.OTHER_PAPER:
        raise PaperRunning(quiz=quiz, attempt=check.other_paper)
    if check.refusal is not None:
        raise QuizUnavailable(check.refusal, quiz=quiz)
    return check, taken, layout


def _close_expired_of(user, *, now: datetime) -> None:
    # An abandoned sitting is closed in its own transaction, so that it stays closed and graded
    # even when the new start is then refused (no attempts left, quiz closed).
    for expired in Attempt.objects.filter(policy.expired_q(now), user=user):
        attempt_expire(attempt=expired, now=now)


def _open_attempt_locked(user) -> tuple[Attempt | None, str]:
    """The student's paper in progress, locked; first the student's row, so that two Starts at once
    (two tabs) run one after the other and the second resumes what the first made. (On SQLite the
    IMMEDIATE transaction already holds the one write lock.)

    With it, the layout of the student's latest paper, which a new one takes: the choice is
    remembered, read with the row at no extra query.
    """
    latest = Attempt.objects.filter(user=OuterRef("pk")).order_by("-started_at", "-pk").values("layout")[:1]
    rows = get_user_model().objects.select_for_update().filter(pk=user.pk)
    layout = rows.annotate(latest=Subquery(latest)).values_list("latest", flat=True).first()
    current = (
        Attempt.objects.select_for_update(of=("self",)).filter(user=user).in_progress().select_related("quiz").first()
    )
    return current, layout or Attempt.Layout.ALL


def _attempt_create(
    *,
    quiz: Quiz,
    user,
    number: int,
    question_ids: list[int],
    time_allowed: timedelta | None,
    layout: str,
    now: datetime,
) -> Attempt:
    """A new sitting with its questions, their option order, its deadline and marking frozen.

    `time_allowed` None: untimed (a practice round), kept open for a day at most.
    """
    if time_allowed is None:
        deadline = now + UNTIMED_WINDOW
        if quiz.closes_at is not None:
            deadline = min(deadline, quiz.closes_at)
    else:
        allowance = ExtraTime.objects.filter(user=user).first()
        deadline = policy.paper_deadline(quiz, now=now, time_allowed=time_allowed, allowance=allowance)
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        number=number,
        started_at=now,
        deadline=deadline,
        is_timed=time_allowed is not None,
        layout=layout,  # the student's latest paper's, whatever quiz it was
        marks_per_correct=quiz.marks_per_correct,
        penalty_numerator=quiz.penalty_numerator,
        penalty_denominator=quiz.penalty_denominator,
        question_count=len(question_ids),
    )
    # Each question is pinned as it is now: the paper, its grading and its review all read this
    # version, so an edit made while it runs, or later, never reaches it.
    versions = question_versions_current(question_ids=question_ids)
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(
            attempt=attempt,
            question_id=question_id,
            version=versions[question_id],
            position=position,
            choice_order=_choice_order(quiz, order),
        )
        for position, (question_id, order) in enumerate(_options_of(question_ids, versions), start=1)
    )
    return attempt


def _draw(quiz: Quiz, *, now: datetime) -> list[int]:
    """The question ids of a new sitting, in the order they will be shown.

    No paper, drawn or fixed, sets a question whose key another quiz seals now
    (`policy.sealed_questions_q`): its review would hide the key, but the paper's score would still
    tell it (answer only that question, and watch the score). A fixed list leaves such a question
    out until the seal lifts; a sealed quiz's own questions are never kept from its own papers."""
    sealed_elsewhere = policy.sealed_questions_q(now, field="pk", excluding=quiz)
    if quiz.selection == Quiz.Selection.FIXED:
        return list(
            quiz.quiz_questions.filter(question__status=Question.Status.PUBLISHED)
            .exclude(question__in=Question.objects.filter(sealed_elsewhere).values("pk"))
            .order_by("order")
            .values_list("question_id", flat=True)
        )
    candidates = list(
        Question.objects.filter(quiz.draw_filter())
        .exclude(sealed_elsewhere)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = min(quiz.rule_count, len(candidates)) if quiz.rule_count else len(candidates)
    return _draw_apart(
        random.sample(candidates, len(candidates)),
        count=count,
        apart=giveaway_pairs(candidates),
        rather_apart=shared_fact_pairs(candidates),
    )


def _draw_apart(
    shuffled: list[int], *, count: int, apart: set[frozenset[int]], rather_apart: set[frozenset[int]] = frozenset()
) -> list[int]:
    """The first `count` of `shuffled` that keep each other's secrets, in their shuffled order.

    `apart`: a question whose stem reveals a fact another tests never sits on the same paper.
    `rather_apart`: two questions that test one fact sit together only when the pool cannot fill the
    paper otherwise (a drill of every trap, say), because a reader who sees a fact from two sides can
    work it out without the notes.
    """
    drawn: list[int] = []
    for pairs in (apart | rather_apart, apart):
        for pk in shuffled:
            if len(drawn) == count:
                break
            if pk not in drawn and not any(frozenset((pk, other)) in pairs for other in drawn):
                drawn.append(pk)
    position = {pk: index for index, pk in enumerate(shuffled)}
    return sorted(drawn, key=position.__getitem__)


def _options_of(question_ids: list[int], versions: dict) -> list[tuple[int, list[int]]]:
    """Each question id with its pinned version's choice ids in authored order, if they may be shuffled."""
    rows = Choice.objects.filter(question__in=question_ids).values_list("question_id", "key", "pk")
    ids = {(question_id, key): pk for question_id, key, pk in rows}
    options = []
    for pk in question_ids:
        version = versions[pk]
        # Assertion-reason options are a fixed, standard set in a standard order; never shuffle them.
        if version.kind == Question.Kind.ASSERTION_REASON:
            options.append((pk, []))
        else:
            options.append((pk, [ids[pk, c["key"]] for c in version.choices if (pk, c["key"]) in ids]))
    return options


def _choice_order(quiz: Quiz, choice_ids: list[int]) -> list[int]:
    if not quiz.shuffle_options or not choice_ids:
        return []
    return random.sample(choice_ids, len(choice_ids))


def attempt_submit(
    *,
    attempt: Attempt,
    choices: dict[int, int | None] | None = None,
    marked: dict[int, bool] | None = None,
    confidences: dict[int, str] | None = None,
    seconds: dict[int, int] | None = None,
    now: datetime | None = None,
) -> Attempt:
    """Close the attempt and grade it, first saving the form's answers if they are in time.

    Submitting a closed attempt changes nothing and returns it: two submits grade once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=attempt.pk)
        if not locked.is_open:
            return locked
        if policy.accepts_answers(locked, now) and (choices or marked or confidences or seconds):
            form = {
                "choices": choices or {},
                "marked": marked or {},
                "confidences": confidences or {},
                "seconds": seconds or {},
            }
            # In time, so only the answers themselves can be refused (InvalidAnswer).
            if refusal := answers_check(locked, **form, now=now):
                raise refusal
            answers_write(locked, **form, now=now)
        attempt_close(locked, now=now)
    return locked


def attempt_layout_set(*, attempt: Attempt, layout: str) -> Attempt:
    """Show an open paper one question per screen, or all on one page; the next paper starts so too.

    A closed paper is left as it was: its layout no longer shows anywhere.
    """
    if layout not in Attempt.Layout.values:
        raise ValueError(layout)
    Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(layout=layout)
    attempt.layout = layout
    return attempt
