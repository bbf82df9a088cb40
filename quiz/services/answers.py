"""Saving answers: the autosave (one answer, many times a sitting) and the paper form (all at once).

"May this answer be saved?" has one rule (`policy.accepts_answers`: open and in time; plus: the
question is on the paper, the choice one of its options) in two forms kept side by side here: the
autosave's single SQL statement, and `answers_check`, its ORM twin, which the form path and the
autosave's explanation of a refusal use. tests/test_answer_rules.py holds the two to the same
answers across attempt states. What a save changes is decided once, by `changed_fields`.
"""

import functools
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from content.models import Choice
from quiz import policy
from quiz.models import Answer, Attempt, AttemptQuestion
from quiz.services.errors import AttemptClosed, AttemptNotFound, InvalidAnswer, QuizError
from quiz.services.grading import attempt_expire


@dataclass(frozen=True)
class Progress:
    answered: int
    marked: int
    seconds_left: int


# (choice id or None, review mark, confidence) as the page last knew them saved; the confidence is
# None when the page did not say (a client from before confidence, which never sends one).
Was = tuple[int | None, bool, str | None]


def changed_fields(
    *, choice_id: int | None, marked: bool, confidence: str | None = None, was: Was | None
) -> tuple[str, ...]:
    """What a save writes: only what differs from `was`, so a page left open on another device
    cannot undo an answer saved since (say, by toggling its mark). Unknown `was`: all it sends.
    A confidence of None was not sent, so it is never written; "" clears it."""
    if was is None:
        return ("choice", "marked", *(("confidence",) if confidence is not None else ()))
    return tuple(
        name
        for name, changed in (
            ("choice", choice_id != was[0]),
            ("marked", marked != was[1]),
            ("confidence", confidence is not None and (was[2] is None or confidence != was[2])),
        )
        if changed
    )


def answer_save(
    *,
    user,
    attempt_public_id: UUID,
    question_id: int,
    choice_id: int | None,
    marked: bool,
    confidence: str | None = None,
    seconds: int = 0,
    was: Was | None = None,
    now: datetime | None = None,
) -> Progress:
    """Save one answer (None clears it), its review mark and its confidence (None: leave it; ""
    clears it), if the student's paper still accepts answers; add `seconds` the page measured the
    question being worked on, capped so the paper's answers never add up to more than its time so far.

    Someone else's paper and no paper at all are the same AttemptNotFound.
    """
    now = now or timezone.now()
    save = functools.partial(
        _answer_upsert_if_open,
        user_id=user.pk,
        attempt_public_id=attempt_public_id,
        question_id=question_id,
        choice_id=choice_id,
        marked=marked,
        confidence=confidence or "",
        seconds=seconds,
        fields=changed_fields(choice_id=choice_id, marked=marked, confidence=confidence, was=was),
        now=now,
    )
    if not save():
        # Rare: say why nothing was saved. A paper that is not the student's is told without a lock.
        if not Attempt.objects.filter(public_id=attempt_public_id, user_id=user.pk).exists():
            raise AttemptNotFound()
        with transaction.atomic():
            locked = Attempt.objects.select_for_update(of=("self",)).get(public_id=attempt_public_id, user_id=user.pk)
            refusal = answers_check(locked, choices={question_id: choice_id}, marked={}, now=now)
            if refusal is None and not save():
                # Nothing the checks see stops it, yet the statement saved nothing: the question or
                # its options changed in between (an admin's edit). Never acknowledge that.
                refusal = InvalidAnswer("changed")
        _refuse(locked, refusal, now=now)
    return _answer_progress(attempt_public_id=attempt_public_id, now=now)


def answers_save(
    *,
    attempt: Attempt,
    choices: dict[int, int | None],
    marked: dict[int, bool],
    confidences: dict[int, str] | None = None,
    seconds: dict[int, int] | None = None,
    now: datetime | None = None,
) -> None:
    """Save a whole paper's form at once (the page without JavaScript). All or nothing.

    `choices` maps question ids to a choice id, or None to clear; `marked` maps the question ids
    the form showed to their review mark; `confidences` to a confidence, or "" to clear it;
    `seconds` to the time the page measured on them since their last save (the page with
    JavaScript sends it). Questions absent from all four are left as they were.
    """
    now = now or timezone.now()
    form = {"choices": choices, "marked": marked, "confidences": confidences or {}, "seconds": seconds or {}}
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        refusal = answers_check(locked, **form, now=now)
        if refusal is None:
            answers_write(locked, **form, now=now)
    _refuse(locked, refusal, now=now)


def _refuse(attempt: Attempt, refusal: QuizError | None, *, now: datetime) -> None:
    """Raise the refusal, after closing the paper if it was refused because its time ran out."""
    if refusal is None:
        return
    if policy.has_expired(attempt, now):
        attempt_expire(attempt=attempt, now=now)
    raise refusal


def answers_check(
    attempt: Attempt,
    *,
    choices: dict[int, int | None],
    marked: dict[int, bool],
    now: datetime,
    confidences: dict[int, str] | None = None,
    seconds: dict[int, int] | None = None,
) -> QuizError | None:
    """Why a locked attempt does not take these answers, in the order a student needs to hear it; None if it does.

    The ORM twin of the autosave statement's conditions (`_ANSWER_UPSERT_SQL`).
    """
    if refusal := policy.answer_refusal(attempt, now):
        return AttemptClosed(refusal)
    on_paper = set(AttemptQuestion.objects.filter(attempt=attempt).values_list("question_id", flat=True))
    if not (choices.keys() | marked.keys() | (confidences or {}).keys() | (seconds or {}).keys()) <= on_paper:
        return InvalidAnswer("not_on_paper")
    chosen = {choice_id for choice_id in choices.values() if choice_id is not None}
    options = dict(Choice.objects.filter(pk__in=chosen).values_list("pk", "question_id"))
    if any(
        choice_id is not None and options.get(choice_id) != question_id for question_id, choice_id in choices.items()
    ):
        return InvalidAnswer("not_an_option")
    return None


def answers_write(
    attempt: Attempt,
    *,
    choices: dict[int, int | None],
    marked: dict[int, bool],
    now: datetime,
    confidences: dict[int, str] | None = None,
    seconds: dict[int, int] | None = None,
) -> None:
    """Apply checked answers to a locked attempt: only rows whose choice, mark, confidence or time changes are written.

    Measured seconds are added as the autosave adds them, capped at what the paper has left of its
    time so far, so its answers never add up to more than the time since its start.
    """
    confidences, seconds = confidences or {}, seconds or {}
    saved = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    budget = int((now - attempt.started_at).total_seconds()) - sum(a.active_seconds for a in saved.values())
    added = {}
    for question_id in sorted(seconds):
        added[question_id] = max(0, min(seconds[question_id], budget))
        budget -= added[question_id]
    changed = []
    for question_id in choices.keys() | marked.keys() | confidences.keys() | seconds.keys():
        answer = saved.get(question_id)
        choice_id = choices.get(question_id, answer.choice_id if answer else None)
        is_marked = marked.get(question_id, answer.marked if answer else False)
        confidence = confidences.get(question_id, answer.confidence if answer else "")
        active = (answer.active_seconds if answer else 0) + added.get(question_id, 0)
        if answer is None and choice_id is None and not is_marked and not confidence and not active:
            continue  # never touched: stays "not visited"
        if answer is not None and (answer.choice_id, answer.marked, answer.confidence, answer.active_seconds) == (
            choice_id,
            is_marked,
            confidence,
            active,
        ):
            continue
        changed.append(
            Answer(
                attempt=attempt,
                question_id=question_id,
                choice_id=choice_id,
                marked=is_marked,
                confidence=confidence,
                active_seconds=active,
            )
        )
    if changed:
        _answers_upsert(changed, now=now)


def _answers_upsert(answers: list[Answer], *, now: datetime) -> None:
    """Insert answers, or update the choice, mark and confidence of existing ones, in one statement.

    `first_saved_at` always keeps the first save's time: grading estimates time spent from it.
    """
    for answer in answers:
        answer.first_saved_at = answer.saved_at = now
    Answer.objects.bulk_create(
        answers,
        update_conflicts=True,
        unique_fields=["attempt", "question"],
        update_fields=["choice", "marked", "confidence", "active_seconds", "saved_at"],
    )


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
#
# The seconds measured on the page are added to the answer's, capped at what the paper has left of
# its time so far (seconds since its start less what its answers already hold), so a page that
# miscounts, or a client that lies, never makes a paper's questions add up to more than its time.
_ANSWER_UPSERT_SQL = """
    INSERT INTO {answer}
           (attempt_id, question_id, choice_id, marked, confidence, active_seconds, first_saved_at, saved_at, outcome)
    SELECT a.id, i.question_id, %(choice)s, %(marked)s, %(confidence)s,
           {greatest}(0, {least}(%(seconds)s, {elapsed} - (
               SELECT COALESCE(SUM(t.active_seconds), 0) FROM {answer} t WHERE t.attempt_id = a.id))),
           %(now)s, %(now)s, ''
      FROM {attempt} a
      JOIN {item} i ON i.attempt_id = a.id AND i.question_id = %(question)s
     WHERE a.public_id = %(public_id)s AND a.user_id = %(user)s
       AND a.status = %(open)s AND a.deadline >= %(cutoff)s
       {choice_check}
     {lock}
    ON CONFLICT (attempt_id, question_id) DO UPDATE SET {updates},
           active_seconds = {answer}.active_seconds + excluded.active_seconds
"""
# Whole seconds from the paper's start to now, as each database subtracts times.
_ELAPSED_SQL = {
    "postgresql": "CAST(FLOOR(EXTRACT(EPOCH FROM (%(now)s - a.started_at))) AS INTEGER)",
    # julianday() is a float: 100 s can come out as 99.99999, so round to the millisecond before truncating.
    "sqlite": "CAST(ROUND((julianday(%(now)s) - julianday(a.started_at)) * 86400, 3) AS INTEGER)",
}
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
        elapsed=_ELAPSED_SQL[connection.vendor],
        # SQLite's many-argument min() and max() are PostgreSQL's LEAST and GREATEST.
        least="MIN" if connection.vendor == "sqlite" else "LEAST",
        greatest="MAX" if connection.vendor == "sqlite" else "GREATEST",
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
    confidence: str = "",
    seconds: int = 0,
) -> bool:
    """Insert the answer, or update `fields` of it, if the paper takes it; False (nothing written) if not."""
    ops = connection.ops
    sql = _answer_upsert_sql(connection.vendor, has_choice=choice_id is not None, fields=fields)
    params = {
        "choice": choice_id,
        "marked": marked,
        "confidence": confidence,
        "seconds": seconds,
        "now": ops.adapt_datetimefield_value(now),
        "question": question_id,
        "public_id": _public_id_param(attempt_public_id),
        "user": user_id,
        "open": Attempt.Status.IN_PROGRESS.value,
        "cutoff": ops.adapt_datetimefield_value(now - policy.grace()),
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
    return Progress(answered=answered, marked=marked, seconds_left=policy.seconds_until(deadline, now))
