"""The students' tallies (quiz/models/tallies.py): counted at grading, recounted by a regrade.

`tallies_add` counts closed papers' answers in: two upserts (`INSERT … SELECT … ON CONFLICT DO
UPDATE`, PostgreSQL and SQLite alike) add each answer to its student's question and statement
rows, and move a row's "latest" (outcome, or the version a statement is shown as) only for a
later answer, so the order papers are counted in never matters. `tallies_rebuild` recounts from
scratch by the same two statements: the regrade for what it changed, the migration for everything.
"""

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from content.models import Choice, QuestionVersion
from quiz.models import Answer, Attempt, AttemptQuestion, QuestionTally, StatementJudgement, StatementTally
from quiz.scoring import Outcome
from quiz.selectors.progress import JUDGED_KINDS

_TABLES = {
    "answers": Answer._meta.db_table,
    "attempts": Attempt._meta.db_table,
    "items": AttemptQuestion._meta.db_table,
    "choices": Choice._meta.db_table,
    "questions": QuestionTally._meta.db_table,
    "statements": StatementTally._meta.db_table,
    "judgements": StatementJudgement._meta.db_table,
}

# A later answer (its paper closed later; at the same moment, the later row) replaces the latest.
_LATER = "(excluded.last_submitted_at, excluded.last_answer_id) > ({table}.last_submitted_at, {table}.last_answer_id)"

_QUESTIONS_SQL = """
INSERT INTO {questions} (user_id, question_id, correct, wrong, blank, last_outcome, last_submitted_at, last_answer_id)
SELECT t.user_id, a.question_id,
    CASE WHEN a.outcome = %s THEN 1 ELSE 0 END, CASE WHEN a.outcome = %s THEN 1 ELSE 0 END,
    CASE WHEN a.outcome = %s THEN 1 ELSE 0 END, a.outcome, t.submitted_at, a.id
FROM {answers} a JOIN {attempts} t ON t.id = a.attempt_id
WHERE a.attempt_id IN ({ids}){only}
ON CONFLICT (user_id, question_id) DO UPDATE SET
    correct = {questions}.correct + excluded.correct,
    wrong = {questions}.wrong + excluded.wrong,
    blank = {questions}.blank + excluded.blank,
    last_outcome = CASE WHEN {later} THEN excluded.last_outcome ELSE {questions}.last_outcome END,
    last_submitted_at = CASE WHEN {later} THEN excluded.last_submitted_at ELSE {questions}.last_submitted_at END,
    last_answer_id = CASE WHEN {later} THEN excluded.last_answer_id ELSE {questions}.last_answer_id END
"""

# An answer judges a statement when its pinned version is a statement kind that says how (its
# judgements) and the chosen option is one of that version's: `QuestionVersion.misjudged_by`.
_STATEMENTS_SQL = """
INSERT INTO {statements}
    (user_id, question_id, statement_key, judged, misjudged, version_id, number, last_submitted_at, last_answer_id)
SELECT t.user_id, a.question_id, j.statement_key, 1, CASE WHEN j.misjudged THEN 1 ELSE 0 END,
    aq.version_id, j.number, t.submitted_at, a.id
FROM {answers} a
JOIN {attempts} t ON t.id = a.attempt_id
JOIN {items} aq ON aq.attempt_id = a.attempt_id AND aq.question_id = a.question_id
JOIN {choices} c ON c.id = a.choice_id
JOIN {judgements} j ON j.version_id = aq.version_id AND j.choice_key = c.key
WHERE a.attempt_id IN ({ids}){only}
ON CONFLICT (user_id, question_id, statement_key) DO UPDATE SET
    judged = {statements}.judged + excluded.judged,
    misjudged = {statements}.misjudged + excluded.misjudged,
    version_id = CASE WHEN {later} THEN excluded.version_id ELSE {statements}.version_id END,
    number = CASE WHEN {later} THEN excluded.number ELSE {statements}.number END,
    last_submitted_at = CASE WHEN {later} THEN excluded.last_submitted_at ELSE {statements}.last_submitted_at END,
    last_answer_id = CASE WHEN {later} THEN excluded.last_answer_id ELSE {statements}.last_answer_id END
"""


_JUDGEMENTS_SQL = """
INSERT INTO {judgements} (version_id, choice_key, statement_key, number, misjudged) VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (version_id, choice_key, statement_key) DO NOTHING
"""


def tallies_add(*, attempt_ids: list[int], questions: list[int] | None = None) -> None:
    """Count closed papers' graded answers (`questions`: only those) into their students' tallies.

    The papers must belong to different students: one upsert never updates a row twice.
    """
    if not attempt_ids:
        return
    judgements_ensure(attempt_ids=attempt_ids)
    ids = ", ".join(["%s"] * len(attempt_ids))
    only, only_params = "", []
    if questions is not None:
        only = f" AND a.question_id IN ({', '.join(['%s'] * len(questions))})"
        only_params = list(questions)
    outcomes = [Outcome.CORRECT.value, Outcome.WRONG.value, Outcome.BLANK.value]
    with connection.cursor() as cursor:
        for sql, table, params in (
            (_QUESTIONS_SQL, _TABLES["questions"], outcomes),
            (_STATEMENTS_SQL, _TABLES["statements"], []),
        ):
            later = _LATER.format(table=table)
            cursor.execute(
                sql.format(ids=ids, only=only, later=later, **_TABLES), [*params, *attempt_ids, *only_params]
            )


def judgements_ensure(*, attempt_ids: list[int]) -> None:
    """Store how each option of the papers' statement-question versions judges each statement, for
    the versions not stored yet (a version never changes, so its rows never do)."""
    versions = (
        QuestionVersion.objects.filter(
            kind__in=JUDGED_KINDS,
            pk__in=AttemptQuestion.objects.filter(attempt__in=attempt_ids).values("version"),
        )
        .exclude(Exists(StatementJudgement.objects.filter(version=OuterRef("pk"))))
        .only("pk", "kind", "statements", "choices")
    )
    rows = [
        (version.pk, choice["key"], statement["key"], number, number in misjudged)
        for version in versions
        for choice in version.choices
        for misjudged in [set(version.misjudged_by(choice["key"]) or ())]
        for number, (_, statement) in enumerate(version.labelled_statements(), start=1)
    ]
    if rows:
        # One statement however many rows (bulk_create would split them by SQLite's parameter
        # limit); two graders meeting a new version at once both compute the same rows: one is kept.
        with connection.cursor() as cursor:
            cursor.executemany(_JUDGEMENTS_SQL.format(**_TABLES), rows)


def tallies_rebuild(*, users: list[int] | None = None, questions: list[int] | None = None) -> None:
    """Recount the tallies of `users` (None: everyone) for `questions` (None: all) from their closed papers.

    Their rows are dropped and the papers counted in again by `tallies_add`, one paper per student
    per round (each student's first paper, then each one's second, …).
    """
    with transaction.atomic():
        for model in (QuestionTally, StatementTally):
            rows = model.objects.all()
            if users is not None:
                rows = rows.filter(user__in=users)
            if questions is not None:
                rows = rows.filter(question__in=questions)
            rows.delete()
        papers = Attempt.objects.closed().order_by("user", "submitted_at", "pk")
        if users is not None:
            papers = papers.filter(user__in=users)
        if questions is not None:
            papers = papers.filter(answers__question__in=questions).distinct()
        rounds: list[list[int]] = []
        seen: dict[int, int] = {}
        for pk, user_id in papers.values_list("pk", "user_id"):
            n = seen[user_id] = seen.get(user_id, -1) + 1
            if n == len(rounds):
                rounds.append([])
            rounds[n].append(pk)
        for round_ in rounds:
            for start in range(0, len(round_), 500):
                tallies_add(attempt_ids=round_[start : start + 500], questions=questions)
