"""Closing papers: grading them against the versions they showed, and moving the students' review cards.

A paper closes in one of two ways: its student submits it (quiz/services/attempts.py), or its time
runs out. Closing by the clock is decided in exactly one place, `_expired_close`, behind
`attempt_expire` (a page found one expired paper: through `_get_attempt_for_user`, a start, a
refused save) and `attempts_close_expired` (the cron command: every expired paper, in batches).

There is one grader, `attempts_close`, and it is set-based: for any number of locked, open papers
(a submit is a batch of one) it writes every answer's outcome, marks and time in one UPDATE, the
papers' blank rows in one INSERT, their totals in one bulk UPDATE, the review cards in three
statements per quiz and the students' tallies in two (quiz/services/tallies.py), whatever the
number of papers or questions. PostgreSQL and SQLite run the same statements.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Lag
from django.utils import timezone

from quiz import policy
from quiz.models import Answer, Attempt, AttemptQuestion, Quiz, ReviewCard
from quiz.practice import BOX_DAYS, LEARNED_BOX
from quiz.scoring import Confidence, Outcome, to_decimal, totals_counted
from quiz.services.tallies import tallies_add

CORRECT, WRONG, BLANK = Outcome.CORRECT.value, Outcome.WRONG.value, Outcome.BLANK.value
# How many expired papers `attempts_close_expired` grades in one transaction: enough that a deadline
# storm is a few dozen statements per batch, few enough that a batch holds its row locks briefly.
CLOSE_BATCH = 500
# A duration of one second, times whole seconds: Django multiplies a duration only by a field it
# knows to be an integer, in each database's own arithmetic (SQLite's microseconds, PostgreSQL's interval).
SECOND = Value(timedelta(seconds=1), output_field=DurationField())


def attempt_expire(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Close an attempt whose time has run out, grading what was saved in time; others are returned as they are."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=attempt.pk)
        _expired_close([locked], now=now)
    return locked


def attempts_close_expired(*, now: datetime | None = None, batch_size: int = CLOSE_BATCH) -> int:
    """Close every abandoned attempt past its deadline and grace, `batch_size` at a time; returns how many
    this call closed.

    Safe to run on several machines at once: each batch locks its papers with `SKIP LOCKED`, so two
    closers take different papers, and a paper another closer has just graded no longer matches
    (PostgreSQL re-reads a locked row before taking it). SQLite has one writer at a time anyway:
    its closers run one after the other.
    """
    now = now or timezone.now()
    closed = 0
    while True:
        with transaction.atomic():
            batch = list(
                Attempt.objects.filter(policy.expired_q(now))
                .select_for_update(of=("self",), skip_locked=True)
                .select_related("quiz")
                .order_by("deadline", "pk")[:batch_size]
            )
            if not batch:
                return closed
            closed += len(_expired_close(batch, now=now))


def _expired_close(locked: list[Attempt], *, now: datetime) -> list[Attempt]:
    """Close those of the locked attempts whose time has run out (`policy.has_expired`); returns them."""
    expired = [attempt for attempt in locked if policy.has_expired(attempt, now)]
    attempts_close(expired, now=now)
    return expired


def attempt_close(attempt: Attempt, *, now: datetime) -> None:
    """Grade a locked, open attempt and close it: `attempts_close` for one paper."""
    attempts_close([attempt], now=now)


def attempts_close(attempts: list[Attempt], *, now: datetime) -> None:
    """Grade locked, open attempts and close them: submitted in time, or timed out (callers hold the locks).

    They belong to different students, as a student has one open paper at a time: the review
    cards' and tallies' upserts rely on it (one statement never updates a row twice).
    """
    if not attempts:
        return
    for attempt in attempts:
        attempt.status = Attempt.Status.SUBMITTED if now < attempt.deadline else Attempt.Status.TIMED_OUT
        attempt.submitted_at = now
        attempt.time_taken = min(now, attempt.deadline) - attempt.started_at
    _grade(attempts)
    Attempt.objects.bulk_update(
        attempts,
        [
            "status",
            "submitted_at",
            "time_taken",
            "question_count",
            "correct_count",
            "wrong_count",
            "blank_count",
            "score",
            "max_score",
        ],
    )
    review_cards_move(attempts=attempts, now=now)
    tallies_add(attempt_ids=[attempt.pk for attempt in attempts])


def _grade(attempts: list[Attempt]) -> None:
    """Store each answer's outcome, marks and time against the key of its pinned version, and each
    attempt's totals (on the objects; the caller saves them)."""
    ids = [attempt.pk for attempt in attempts]
    _blanks_insert(ids)
    answers = Answer.objects.filter(attempt__in=ids)
    graded = (
        answers.order_by()
        .annotate(row_id=F("pk"), new_outcome=_outcome(), new_marks=_marks(attempts), new_time_spent=_time_spent())
        .values("row_id", "new_outcome", "new_marks", "new_time_spent")
    )
    _update_from(graded, {"outcome": "new_outcome", "marks": "new_marks", "time_spent": "new_time_spent"})
    counts = {
        row.pop("attempt"): row
        for row in answers.order_by()
        .values("attempt")
        .annotate(
            correct=_counted(CORRECT),
            wrong=_counted(WRONG),
            blank=_counted(BLANK),
        )
    }
    for attempt in attempts:
        totals_store(attempt, totals_counted(attempt.marking, **counts.get(attempt.pk, _NONE)))


_NONE = {"correct": 0, "wrong": 0, "blank": 0}


def _counted(outcome: str) -> Count:
    return Count("pk", filter=Q(outcome=outcome))


def _is_right() -> Exists:
    """The answer's choice is the key of the version its paper pinned (matched by the choice's key)."""
    return Exists(
        AttemptQuestion.objects.filter(
            attempt=OuterRef("attempt"), question=OuterRef("question"), version__correct_key=OuterRef("choice__key")
        )
    )


def _outcome() -> Case:
    return Case(
        When(choice__isnull=True, then=Value(BLANK)),
        When(_is_right(), then=Value(CORRECT)),
        default=Value(WRONG),
    )


def _marks(attempts: list[Attempt]) -> Case:
    """Each outcome's marks under its attempt's frozen scheme, rounded once (`scoring.to_decimal`) here in Python:
    a batch holds few schemes, so the SQL only picks among their values."""
    schemes = defaultdict(list)
    for attempt in attempts:
        schemes[attempt.marking].append(attempt.pk)

    def per_scheme(outcome: Outcome) -> Case | Value:
        values = [(to_decimal(marking.marks_for(outcome)), ids) for marking, ids in schemes.items()]
        if len(values) == 1:
            return _decimal(values[0][0])
        return Case(*(When(attempt__in=ids, then=_decimal(value)) for value, ids in values))

    return Case(
        When(choice__isnull=True, then=per_scheme(Outcome.BLANK)),
        When(_is_right(), then=per_scheme(Outcome.CORRECT)),
        default=per_scheme(Outcome.WRONG),
        output_field=DecimalField(max_digits=6, decimal_places=2),
    )


def _decimal(value) -> Value:
    return Value(value, output_field=DecimalField(max_digits=6, decimal_places=2))


def _time_spent() -> Case:
    """What the page measured (`Answer.active_seconds`) on a paper where it measured anything (a
    question never worked on there keeps no time); on any other (no JavaScript), the estimate: from
    the previous first answer on the paper (or its start) to this one's, and a blank keeps what it had."""
    measured = Exists(Answer.objects.filter(attempt=OuterRef("attempt"), active_seconds__gt=0))
    worked_on = Q(active_seconds__gt=0) | Q(choice__isnull=False)
    seconds = ExpressionWrapper(SECOND * Cast("active_seconds", IntegerField()), output_field=DurationField())
    answered_apart = [F("attempt"), ExpressionWrapper(Q(choice__isnull=True), output_field=BooleanField())]
    previous = Window(Lag("first_saved_at"), partition_by=answered_apart, order_by=[F("first_saved_at"), F("pk")])
    return Case(
        When(measured & worked_on, then=seconds),
        When(choice__isnull=True, then=F("time_spent")),
        default=ExpressionWrapper(
            F("first_saved_at") - Coalesce(previous, F("attempt__started_at")), output_field=DurationField()
        ),
        output_field=DurationField(),
    )


_BLANKS_SQL = """
INSERT INTO {answers} ({columns})
SELECT {values} FROM {items} aq JOIN {attempts} t ON t.id = aq.attempt_id
WHERE aq.attempt_id IN ({ids})
    AND NOT EXISTS (SELECT 1 FROM {answers} a WHERE a.attempt_id = aq.attempt_id AND a.question_id = aq.question_id)
"""


def _blanks_insert(attempt_ids: list[int]) -> None:
    """A blank answer row for each question never touched, so every question of a graded paper has one.

    Every other column takes its model default, so a field added to Answer later needs no change here.
    """
    given = {
        "attempt_id": "aq.attempt_id",
        "question_id": "aq.question_id",
        "first_saved_at": "t.started_at",
        "saved_at": "t.started_at",
    }
    columns, values, params = [], [], []
    for field in Answer._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in given:
            values.append(given[field.attname])
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    ids, id_params = _in(attempt_ids)
    sql = _BLANKS_SQL.format(
        answers=Answer._meta.db_table,
        items=AttemptQuestion._meta.db_table,
        attempts=Attempt._meta.db_table,
        columns=", ".join(columns),
        values=", ".join(values),
        ids=ids,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *id_params])


def _update_from(values, columns: dict[str, str]) -> None:
    """UPDATE the rows of a `values("row_id", ...)` queryset (`row_id`: the pk) from its own computed
    columns, in one statement.

    The ORM builds the SELECT (joins, Exists, windows and durations, in each database's dialect);
    `UPDATE … FROM` (PostgreSQL, SQLite 3.33+) applies it: Django's `update()` takes neither a join nor a window.
    """
    table = values.model._meta.db_table
    select, params = values.query.sql_with_params()
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = g.{source}" for column, source in columns.items())
    sql = f"UPDATE {table} SET {assignments} FROM ({select}) g WHERE {table}.id = g.row_id"  # noqa: S608 - the ORM's SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _in(ids) -> tuple[str, list]:
    """Placeholders and parameters for `IN (…)`."""
    ids = list(ids)
    return ", ".join(["%s"] * len(ids)), ids


def totals_store(attempt: Attempt, totals) -> None:
    """Copy graded totals onto the attempt (the caller saves it)."""
    attempt.question_count = totals.questions
    attempt.correct_count, attempt.wrong_count, attempt.blank_count = totals.correct, totals.wrong, totals.blank
    attempt.score, attempt.max_score = to_decimal(totals.score), to_decimal(totals.maximum)


# A miss: box 1, and "sure but wrong" kept, or set by a wrong answer tagged Sure (`practice.sure_miss_after`).
# New cards are made in the paper's order: a round lists cards of one box and day by when they were
# made (`progress.ROUND_ORDER`), and PostgreSQL inserts a SELECT's rows in no set order without one.
_CARDS_MISSED_SQL = """
INSERT INTO {cards} (user_id, question_id, box, due_on, misses, last_seen_at, sure_miss)
SELECT t.user_id, a.question_id, 1, %s, 1, %s, (a.outcome = %s AND a.confidence = %s)
FROM {answers} a JOIN {attempts} t ON t.id = a.attempt_id
    JOIN {items} aq ON aq.attempt_id = a.attempt_id AND aq.question_id = a.question_id
WHERE a.attempt_id IN ({ids}) AND a.outcome IN ({missed}){only}
ORDER BY a.attempt_id, aq.position
ON CONFLICT (user_id, question_id) DO UPDATE SET
    box = 1, due_on = excluded.due_on, misses = {cards}.misses + 1, last_seen_at = excluded.last_seen_at,
    sure_miss = ({cards}.sure_miss OR excluded.sure_miss)
"""


def review_cards_move(*, attempts: list[Attempt], now: datetime, questions: list[int] | None = None) -> None:
    """Move the students' review cards by graded papers' outcomes (`questions`: only those), in three
    statements per quiz: the set-based form of `practice.card_after` and `practice.sure_miss_after`,
    which state the rules.

    A miss puts the card in box 1, due tomorrow (made if it was not there); a right answer moves a
    card that is due up a box; one not due yet, or learned, stays. In a practice round a blank moves
    nothing: the round may have been closed for the student (a timed quiz started, or a day passed),
    and skipping a question is not forgetting it. A quiz that shows its key only after it closes
    sends its misses to practice the day after that.
    """
    today = timezone.localdate(now)
    by_quiz: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        by_quiz[attempt.quiz_id].append(attempt)
    for group in by_quiz.values():
        quiz = group[0].quiz
        not_before = None
        if quiz.explanations == Quiz.Explanations.AFTER_CLOSE and quiz.closes_at is not None:
            not_before = timezone.localdate(quiz.closes_at + policy.grace()) + timedelta(days=1)

        def due(days: int, not_before=not_before):
            due_on = today + timedelta(days=days)
            return max(due_on, not_before) if not_before is not None else due_on

        ids = [attempt.pk for attempt in group]
        right = Answer.objects.filter(
            attempt__in=ids, outcome=CORRECT, attempt__user=OuterRef("user"), question=OuterRef("question")
        )
        if questions is not None:
            right = right.filter(question__in=questions)
        # A right answer ends "sure but wrong" whether or not its card was due (`practice.sure_miss_after`).
        ReviewCard.objects.filter(Exists(right), sure_miss=True).update(sure_miss=False, last_seen_at=now)
        ReviewCard.objects.filter(Exists(right), due_on__lte=today).update(
            box=F("box") + 1,
            due_on=Case(
                *(When(box=box, then=Value(due(BOX_DAYS[box + 1]))) for box in range(1, LEARNED_BOX - 1)),
                default=None,
            ),
            last_seen_at=now,
        )
        missed = [WRONG] if quiz.is_practice else [WRONG, BLANK]
        id_sql, id_params = _in(ids)
        only_sql, only_params = "", []
        if questions is not None:
            placeholders, only_params = _in(questions)
            only_sql = f" AND a.question_id IN ({placeholders})"
        sql = _CARDS_MISSED_SQL.format(
            cards=ReviewCard._meta.db_table,
            answers=Answer._meta.db_table,
            attempts=Attempt._meta.db_table,
            items=AttemptQuestion._meta.db_table,
            ids=id_sql,
            missed=", ".join(["%s"] * len(missed)),
            only=only_sql,
        )
        params = [
            connection.ops.adapt_datefield_value(due(BOX_DAYS[1])),
            connection.ops.adapt_datetimefield_value(now),
            WRONG,
            Confidence.SURE.value,
            *id_params,
            *missed,
            *only_params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
