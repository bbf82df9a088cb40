"""Every state change of an attempt: start, save an answer, submit, expire. One function each.

Each locks the attempt's row before it changes anything (PostgreSQL `SELECT … FOR UPDATE`; on
SQLite, the database's one write lock: IMMEDIATE transactions take it at BEGIN, a lone write
statement when it starts). Most run in one transaction; the autosave is a single statement that
locks and writes at once. So an autosave racing a submit either lands before the grading or is
refused: an acknowledged answer is always graded, and two submits grade once.
"""

import functools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format

from content.models import Choice, Question
from content.selectors import giveaway_pairs
from content.services import question_versions_current
from quiz.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    ExtraTime,
    Quiz,
    ReviewCard,
    grace,
    key_visible_at,
    seconds_until,
)
from quiz.practice import CardState, card_after
from quiz.scoring import Outcome, outcome_of, to_decimal, totals_of

PRACTICE_ROUND_SIZE = 20
UNTIMED_WINDOW = timedelta(days=1)


class QuizError(Exception):
    """A request the rules refuse; `message` is meant for the student."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class QuizUnavailable(QuizError):
    """The quiz cannot be started now (unpublished, outside its window, no attempts left, empty)."""


class PaperRunning(QuizUnavailable):
    """The student is sitting another paper: one at a time."""

    def __init__(self, message: str, attempt: "Attempt"):
        super().__init__(message)
        self.attempt = attempt


class AttemptClosed(QuizError):
    """The attempt is closed, or its deadline and grace have passed: nothing more is saved."""


class AttemptNotFound(QuizError):
    """No attempt with that id belongs to the student: whether it exists at all is not told."""


NOT_FOUND_MESSAGE = "There is nothing at this address for you: it may be mistyped, or belong to someone else's account."


class InvalidAnswer(QuizError):
    """The question is not on this paper, or the choice is not one of its options."""


@dataclass(frozen=True)
class Progress:
    answered: int
    marked: int
    seconds_left: int


# --- start -----------------------------------------------------------------------------------------


def attempt_start(*, quiz: Quiz, user, now: datetime | None = None) -> Attempt:
    """The student's open attempt at `quiz`, or a new one with its questions drawn and frozen.

    An open practice round is submitted first (one paper at a time), rather than refusing the start:
    practice should never stand between a student and a timed paper.
    """
    now = now or timezone.now()
    _close_expired_of(user, now=now)
    with transaction.atomic():
        current = _open_attempt_locked(user)
        if current is not None and current.quiz.is_practice and not quiz.is_practice:
            _close(current, now=now)
            current = None
        if current is not None:
            return _resume(current, quiz=quiz)
        _check_can_start(quiz=quiz, user=user, now=now)
        question_ids = _draw(quiz)
        if not question_ids:
            raise QuizUnavailable("This quiz has no published questions yet.")
        return _attempt_create(
            quiz=quiz, user=user, question_ids=question_ids, time_allowed=quiz.time_for(len(question_ids)), now=now
        )


def practice_start(
    *, user, size: int = PRACTICE_ROUND_SIZE, timed: bool = False, now: datetime | None = None
) -> Attempt:
    """A 'Practise my mistakes' round of the student's due review cards, most urgent first.

    Untimed by default (no clock; left open, it closes a day later); timed, it runs at UPSC's
    pace. It is graded like any paper, and grading moves the cards (see quiz/practice.py).
    """
    now = now or timezone.now()
    _close_expired_of(user, now=now)
    quiz = Quiz.objects.practice()
    with transaction.atomic():
        current = _open_attempt_locked(user)
        if current is not None:
            return _resume(current, quiz=quiz)
        # A question of a quiz whose key shows only after it closes waits until then, even when
        # another quiz put it in a box: a practice round shows its key straight after.
        withheld = Answer.objects.filter(attempt__user=user).exclude(key_visible_at(now, prefix="attempt__"))
        question_ids = list(
            ReviewCard.objects.filter(user=user, question__status=Question.Status.PUBLISHED)
            .due(timezone.localdate(now))
            .exclude(question__in=withheld.values("question"))
            .order_by("box", "due_on", "pk")
            .values_list("question_id", flat=True)[:size]
        )
        if not question_ids:
            raise QuizUnavailable("Nothing is due for review today. Questions you miss in a quiz come back here.")
        return _attempt_create(
            quiz=quiz,
            user=user,
            question_ids=question_ids,
            time_allowed=quiz.time_for(len(question_ids)) if timed else None,
            now=now,
        )


def _close_expired_of(user, *, now: datetime) -> None:
    # An abandoned sitting is closed in its own transaction, so that it stays closed and graded
    # even when the new start is then refused (no attempts left, quiz closed).
    for expired in Attempt.objects.filter(user=user).expired(now):
        attempt_expire(attempt=expired, now=now)


def _open_attempt_locked(user) -> Attempt | None:
    return (
        Attempt.objects.select_for_update(of=("self",)).filter(user=user).in_progress().select_related("quiz").first()
    )


def _attempt_create(
    *, quiz: Quiz, user, question_ids: list[int], time_allowed: timedelta | None, now: datetime
) -> Attempt:
    """A new sitting with its questions, their option order, its deadline and marking frozen.

    `time_allowed` None: untimed (a practice round), kept open for a day at most.
    """
    if time_allowed is None:
        deadline = now + UNTIMED_WINDOW
    else:
        allowance = ExtraTime.objects.filter(user=user).first()
        deadline = now + (allowance.stretch(time_allowed) if allowance is not None else time_allowed)
    if quiz.closes_at is not None:
        deadline = min(deadline, quiz.closes_at)
    number = Attempt.objects.filter(user=user, quiz=quiz).count() + 1
    try:
        # A savepoint: a second Start racing this one (another tab) trips the "one open
        # attempt" constraint, and then simply resumes the attempt the first one made.
        with transaction.atomic():
            attempt = Attempt.objects.create(
                user=user,
                quiz=quiz,
                number=number,
                started_at=now,
                deadline=deadline,
                is_timed=time_allowed is not None,
                marks_per_correct=quiz.marks_per_correct,
                penalty_numerator=quiz.penalty_numerator,
                penalty_denominator=quiz.penalty_denominator,
                question_count=len(question_ids),
            )
    except IntegrityError as error:
        # Either unique constraint may trip first (SQLite names the columns, PostgreSQL the constraint);
        # anything else, such as a broken check constraint, is a real error.
        if not any(
            name in str(error)
            for name in ("attempt_one_open_per_student", "attempt_unique_number", "quiz_attempt.user_id")
        ):
            raise
        return _resume(Attempt.objects.in_progress().select_related("quiz").get(user=user), quiz=quiz)
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


def _resume(current: Attempt, *, quiz: Quiz) -> Attempt:
    """The open paper, if it is of this quiz: one paper at a time."""
    if current.quiz_id != quiz.pk:
        ends = date_format(timezone.localtime(current.deadline), "H:i")
        raise PaperRunning(f"Finish your paper \u201c{current.quiz.title}\u201d first: it ends at {ends}.", current)
    return current


def _check_can_start(*, quiz: Quiz, user, now: datetime) -> None:
    if not quiz.is_published:
        raise QuizUnavailable("This quiz is not published.")
    state = quiz.window_state(now)
    if state == "upcoming":
        opens = date_format(timezone.localtime(quiz.opens_at), "j F Y, H:i")
        raise QuizUnavailable(f"This quiz opens on {opens}.")
    if state == "closed":
        raise QuizUnavailable("This quiz has closed; its papers can still be reviewed.")
    if quiz.attempts_allowed is not None:
        taken = Attempt.objects.filter(user=user, quiz=quiz).count()
        if taken >= quiz.attempts_allowed:
            raise QuizUnavailable(
                f"You have used all {quiz.attempts_allowed} attempt{'s' if quiz.attempts_allowed != 1 else ''} "
                "this quiz allows."
            )


def _draw(quiz: Quiz) -> list[int]:
    """The question ids of a new sitting, in the order they will be shown."""
    if quiz.selection == Quiz.Selection.FIXED:
        return list(
            quiz.quiz_questions.filter(question__status=Question.Status.PUBLISHED)
            .order_by("order")
            .values_list("question_id", flat=True)
        )
    candidates = list(Question.objects.filter(quiz.draw_filter()).order_by("pk").values_list("pk", flat=True))
    count = min(quiz.rule_count, len(candidates)) if quiz.rule_count else len(candidates)
    return _draw_apart(random.sample(candidates, len(candidates)), count=count, apart=giveaway_pairs(candidates))


def _draw_apart(shuffled: list[int], *, count: int, apart: set[frozenset[int]]) -> list[int]:
    """The first `count` of `shuffled` that keep each other's secrets: a question whose stem reveals
    a fact another tests never sits on the same paper (the pairs come from the bank's fact links)."""
    drawn: list[int] = []
    for pk in shuffled:
        if len(drawn) == count:
            break
        if not any(frozenset((pk, other)) in apart for other in drawn):
            drawn.append(pk)
    return drawn


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


# --- answers -------------------------------------------------------------------------------------


def answer_save(
    *,
    user,
    attempt_public_id: UUID,
    question_id: int,
    choice_id: int | None,
    marked: bool,
    was: tuple[int | None, bool] | None = None,
    now: datetime | None = None,
) -> Progress:
    """Save one answer (None clears it) and its review mark, if the student's paper still accepts answers.

    `was` is the (choice, mark) the page last knew saved: when given, only what differs from it is
    written, so a page left open elsewhere cannot undo, say, an answer by toggling its mark.
    Someone else's paper and no paper at all are the same AttemptNotFound.
    """
    now = now or timezone.now()
    fields = ("choice", "marked") if was is None else tuple(_fields_changed(choice_id, marked, was))
    save = functools.partial(
        _answer_upsert_if_open,
        user_id=user.pk,
        attempt_public_id=attempt_public_id,
        question_id=question_id,
        choice_id=choice_id,
        marked=marked,
        fields=fields,
        now=now,
    )
    if not save():
        # Rare: say why nothing was saved. A paper that is not the student's is told without a lock.
        if not Attempt.objects.filter(public_id=attempt_public_id, user_id=user.pk).exists():
            raise AttemptNotFound(NOT_FOUND_MESSAGE)
        with transaction.atomic():
            refusal = _answer_refusal(
                user_id=user.pk,
                attempt_public_id=attempt_public_id,
                question_id=question_id,
                choice_id=choice_id,
                now=now,
            )
            if refusal is None and not save():
                # Nothing the checks see stops it, yet the statement saved nothing: the question or
                # its options changed in between (an admin's edit). Never acknowledge that.
                refusal = InvalidAnswer("This answer could not be saved: reload the page and answer again.")
        # Raised after the transaction, so that closing an expired attempt is kept.
        if refusal is not None:
            raise refusal
    return _answer_progress(attempt_public_id=attempt_public_id, now=now)


def _fields_changed(choice_id: int | None, marked: bool, was: tuple[int | None, bool]):
    if choice_id != was[0]:
        yield "choice"
    if marked != was[1]:
        yield "marked"


# The autosave is the request a sitting makes dozens of times, so it is plain SQL: a save is one
# statement, plus one to count progress. Built with the ORM, the lookup, lock, checks and upsert
# took 3 more queries and about 17 times the CPU (bench/README.md, "The limit"). Tests run both
# statements on SQLite and PostgreSQL, so a renamed column fails them.
#
# The upsert inserts only if the SELECT finds the student's paper open and in time, the question
# on it and the choice one of its options. On PostgreSQL the SELECT locks the attempt's row: a
# submit holding it makes the statement wait, then see the paper closed and insert nothing; a
# submit that comes after waits for the save, then grades it. On SQLite a write statement holds
# the database's one write lock from its start.
_ANSWER_UPSERT_SQL = """
    INSERT INTO {answer} (attempt_id, question_id, choice_id, marked, first_saved_at, saved_at, outcome)
    SELECT a.id, i.question_id, %(choice)s, %(marked)s, %(now)s, %(now)s, ''
      FROM {attempt} a
      JOIN {item} i ON i.attempt_id = a.id AND i.question_id = %(question)s
     WHERE a.public_id = %(public_id)s AND a.user_id = %(user)s
       AND a.status = %(open)s AND a.deadline >= %(cutoff)s
       {choice_check}
     {lock}
    ON CONFLICT (attempt_id, question_id) DO UPDATE SET {updates}
"""
_CHOICE_CHECK_SQL = "AND EXISTS (SELECT 1 FROM {choice} c WHERE c.id = %(choice)s AND c.question_id = i.question_id)"
_ANSWER_PROGRESS_SQL = """
    SELECT a.deadline,
           (SELECT COUNT(choice_id) FROM {answer} WHERE attempt_id = a.id),
           (SELECT COUNT(CASE WHEN marked THEN 1 END) FROM {answer} WHERE attempt_id = a.id)
      FROM {attempt} a
     WHERE a.public_id = %(public_id)s
"""


def _answer_tables() -> dict[str, str]:
    models = {"attempt": Attempt, "item": AttemptQuestion, "choice": Choice, "answer": Answer}
    return {name: connection.ops.quote_name(model._meta.db_table) for name, model in models.items()}


# `vendor` only keys the caches: the SQL is built for `connection`, once per database kind.
@functools.cache
def _answer_upsert_sql(vendor: str, *, has_choice: bool, fields: tuple[str, ...]) -> str:
    tables = _answer_tables()
    columns = [Answer._meta.get_field(name).column for name in (*fields, "saved_at")]
    return _ANSWER_UPSERT_SQL.format(
        choice_check=_CHOICE_CHECK_SQL.format(**tables) if has_choice else "",
        # SQLite has no row locks: see above.
        lock="FOR UPDATE OF a" if connection.features.has_select_for_update_of else "",
        updates=", ".join(f"{column} = excluded.{column}" for column in columns),
        **tables,
    )


@functools.cache
def _answer_progress_sql(vendor: str) -> str:
    return _ANSWER_PROGRESS_SQL.format(**_answer_tables())


def _answer_upsert_if_open(
    *,
    user_id: int,
    attempt_public_id: UUID,
    question_id: int,
    choice_id: int | None,
    marked: bool,
    fields: tuple[str, ...],
    now: datetime,
) -> bool:
    """Insert the answer, or update `fields` of it, if the paper takes it; False (nothing written) if not."""
    ops = connection.ops
    sql = _answer_upsert_sql(connection.vendor, has_choice=choice_id is not None, fields=fields)
    params = {
        "choice": choice_id,
        "marked": marked,
        "now": ops.adapt_datetimefield_value(now),
        "question": question_id,
        "public_id": _public_id_param(attempt_public_id),
        "user": user_id,
        "open": Attempt.Status.IN_PROGRESS.value,
        "cutoff": ops.adapt_datetimefield_value(now - grace()),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _public_id_param(attempt_public_id: UUID):
    """The public id as this database stores it (a uuid on PostgreSQL, 32 hex digits on SQLite)."""
    return Attempt._meta.get_field("public_id").get_db_prep_value(attempt_public_id, connection)


def _answer_progress(*, attempt_public_id: UUID, now: datetime) -> Progress:
    with connection.cursor() as cursor:
        cursor.execute(_answer_progress_sql(connection.vendor), {"public_id": _public_id_param(attempt_public_id)})
        deadline, answered, marked = cursor.fetchone()
    column = Attempt._meta.get_field("deadline").get_col(Attempt._meta.db_table)
    for convert in connection.ops.get_db_converters(column):
        deadline = convert(deadline, column, connection)
    return Progress(answered=answered, marked=marked, seconds_left=seconds_until(deadline, now))


def _answer_refusal(
    *, user_id: int, attempt_public_id: UUID, question_id: int, choice_id: int | None, now: datetime
) -> QuizError | None:
    """Why the student's paper does not take this answer, closing it if its time ran out; None if it does.

    The same checks as the upsert's, in the order a student needs to hear them.
    """
    attempt = Attempt.objects.select_for_update(of=("self",)).get(public_id=attempt_public_id, user_id=user_id)
    if refusal := _refusal(attempt, now=now):
        return refusal
    if not attempt.items.filter(question_id=question_id).exists():
        return InvalidAnswer("That question is not on this paper.")
    if choice_id is not None and not Choice.objects.filter(pk=choice_id, question_id=question_id).exists():
        return InvalidAnswer("That choice is not an option of this question.")
    return None


def answers_save(
    *, attempt: Attempt, choices: dict[int, int | None], marked: dict[int, bool], now: datetime | None = None
) -> None:
    """Save a whole paper's form at once (the page without JavaScript). All or nothing.

    `choices` maps question ids to a choice id, or None to clear; `marked` maps the question ids
    the form showed to their review mark. Questions absent from both are left as they were.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        refusal = _refusal(locked, now=now)
        if refusal is None:
            _answers_write(locked, choices=choices, marked=marked, now=now)
    if refusal is not None:
        raise refusal


def _refusal(attempt: Attempt, *, now: datetime) -> AttemptClosed | None:
    """Why a locked attempt takes no more answers, closing it if its time has run out; None if it does."""
    if attempt.has_expired_at(now):
        _close(attempt, now=now)
    if attempt.status == Attempt.Status.TIMED_OUT:
        return AttemptClosed("Time is up: the deadline has passed, so this was not saved.")
    if attempt.status == Attempt.Status.SUBMITTED:
        return AttemptClosed("This paper has already been submitted; nothing more can be saved.")
    return None


def _answers_write(attempt: Attempt, *, choices: dict[int, int | None], marked: dict[int, bool], now: datetime) -> None:
    options = dict.fromkeys(attempt.items.values_list("question_id", flat=True), None)
    for question_id, choice_id in Choice.objects.filter(question__in=list(options)).values_list("question_id", "pk"):
        options[question_id] = (options[question_id] or set()) | {choice_id}
    for question_id, choice_id in choices.items():
        if question_id not in options:
            raise InvalidAnswer("That question is not on this paper.")
        if choice_id is not None and choice_id not in (options[question_id] or ()):
            raise InvalidAnswer("That choice is not an option of this question.")
    for question_id in marked:
        if question_id not in options:
            raise InvalidAnswer("That question is not on this paper.")
    saved = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    changed = []
    for question_id in choices.keys() | marked.keys():
        answer = saved.get(question_id)
        choice_id = choices.get(question_id, answer.choice_id if answer else None)
        is_marked = marked.get(question_id, answer.marked if answer else False)
        if answer is None and choice_id is None and not is_marked:
            continue  # never touched: stays "not visited"
        if answer is not None and (answer.choice_id, answer.marked) == (choice_id, is_marked):
            continue
        changed.append(Answer(attempt=attempt, question_id=question_id, choice_id=choice_id, marked=is_marked))
    if changed:
        _answers_upsert(changed, now=now)


def _answers_upsert(answers: list[Answer], *, now: datetime) -> None:
    """Insert answers, or update the choice and mark of existing ones, in one statement.

    `first_saved_at` always keeps the first save's time: grading estimates time spent from it.
    """
    for answer in answers:
        answer.first_saved_at = answer.saved_at = now
    Answer.objects.bulk_create(
        answers,
        update_conflicts=True,
        unique_fields=["attempt", "question"],
        update_fields=["choice", "marked", "saved_at"],
    )


# --- closing -------------------------------------------------------------------------------------


def attempt_submit(
    *,
    attempt: Attempt,
    choices: dict[int, int | None] | None = None,
    marked: dict[int, bool] | None = None,
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
        if locked.accepts_answers_at(now) and (choices or marked):
            _answers_write(locked, choices=choices or {}, marked=marked or {}, now=now)
        _close(locked, now=now)
    return locked


def attempt_expire(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Close an attempt whose time has run out, grading what was saved in time."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=attempt.pk)
        if locked.has_expired_at(now):
            _close(locked, now=now)
    return locked


def attempts_close_expired(*, now: datetime | None = None) -> int:
    """Close every abandoned attempt past its deadline and grace; returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    for attempt in Attempt.objects.expired(now).only("pk"):
        if not attempt_expire(attempt=attempt, now=now).is_open:
            closed += 1
    return closed


def _close(attempt: Attempt, *, now: datetime) -> None:
    """Grade a locked, open attempt and close it: submitted in time, or timed out."""
    attempt.status = Attempt.Status.SUBMITTED if now < attempt.deadline else Attempt.Status.TIMED_OUT
    attempt.submitted_at = now
    attempt.time_taken = min(now, attempt.deadline) - attempt.started_at
    outcomes = _grade(attempt)
    _review_cards_move(attempt=attempt, outcomes=outcomes, now=now)
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


def _grade(attempt: Attempt) -> dict[int, Outcome]:
    """Store each answer's outcome and marks, and the attempt's totals, from the key of each pinned version.

    Returns each question's outcome.
    """
    marking = attempt.marking
    versions = {item.question_id: item.version for item in attempt.items.select_related("version")}
    question_ids = list(versions)
    answers = list(Answer.objects.filter(attempt=attempt).select_related("choice").order_by("first_saved_at", "pk"))
    outcomes: dict[int, Outcome] = {}
    previous = attempt.started_at
    for answer in answers:
        # Against the key the student was set (the pinned version's), matched by the choice's key.
        chosen = versions[answer.question_id].is_correct(answer.choice.key) if answer.choice_id else None
        outcome = outcome_of(chosen_is_correct=chosen)
        answer.outcome, answer.marks = outcome.value, to_decimal(marking.marks_for(outcome))
        if answer.choice_id is not None:
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
    _store_totals(attempt, totals_of(marking, outcomes.values()))
    return outcomes


def _store_totals(attempt: Attempt, totals) -> None:
    attempt.question_count = totals.questions
    attempt.correct_count, attempt.wrong_count, attempt.blank_count = totals.correct, totals.wrong, totals.blank
    attempt.score, attempt.max_score = to_decimal(totals.score), to_decimal(totals.maximum)


def _review_cards_move(*, attempt: Attempt, outcomes: dict[int, Outcome], now: datetime) -> None:
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
        not_before = timezone.localdate(quiz.closes_at + grace()) + timedelta(days=1)
    cards = {
        card.question_id: card
        for card in ReviewCard.objects.filter(user_id=attempt.user_id, question__in=list(outcomes))
    }
    created, changed = [], []
    for question_id, outcome in outcomes.items():
        card = cards.get(question_id)
        before = CardState(box=card.box, due_on=card.due_on) if card else None
        after = card_after(before, outcome=outcome, today=today)
        if after is None or (after == before and outcome == Outcome.CORRECT):
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
    ReviewCard.objects.bulk_create(created)
    ReviewCard.objects.bulk_update(changed, ["box", "due_on", "misses", "last_seen_at"])


# --- regrade -------------------------------------------------------------------------------------


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
            _store_totals(attempt, totals_of(marking, outcomes))
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
            for attempt in changed_attempts:
                now_wrong = {
                    a.question_id: Outcome.WRONG
                    for a in changed_answers
                    if a.attempt_id == attempt.pk and a.outcome == Outcome.WRONG.value
                }
                if now_wrong:
                    _review_cards_move(attempt=attempt, outcomes=now_wrong, now=timezone.now())
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
