"""A deadline storm's grading on PostgreSQL: `python -m bench.grading [--papers N] [--questions N] [--database-url URL]`

One process, production settings, a throwaway database `test_<name>` beside the one the URL names
(default `h16b_bench`, so `test_h16b_bench`), dropped at the end. Data: a bank of `--questions`
questions (three in five single-answer, one in five "which statements", one in five
assertion-reason, so the statement tallies are in play), one fixed quiz of them all, `--papers`
students each with one open paper past its deadline, nine in ten questions answered with an option
picked by a fixed formula (about a quarter right), no review cards yet: the first mock of the
series. Students, papers, pinned questions and answers are bulk-inserted with SQL
(`generate_series`), then `VACUUM ANALYZE`.

Measured in one run, wall clock (the database does the work; its CPU is not this process's):
1. the bare `UPDATE` of the same answer rows: one statement setting the three columns grading sets;
2. `close_expired_attempts`' service, `grading.attempts_close_expired`, batches of 500 papers:
   blank rows, outcomes, marks and times, totals, review cards and the students' tallies.
"""

import argparse
import os
import time
from datetime import UTC, datetime, timedelta

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/h16b_bench")
parser.add_argument("--papers", type=int, default=10_000)
parser.add_argument("--questions", type=int, default=100)
parser.add_argument("--batch-size", type=int, default=500)
args = parser.parse_args()

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-grading-" + "x" * 50,
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "CONN_MAX_AGE": "0",
    }
)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from content.services import question_versions_current  # noqa: E402
from quiz.models import Answer, Attempt, QuestionTally, ReviewCard, StatementTally  # noqa: E402
from quiz.services import grading  # noqa: E402
from tests.factories import (  # noqa: E402
    AssertionReasonQuestionFactory,
    QuestionFactory,
    QuizFactory,
    StatementQuestionFactory,
)

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)

_PAPERS_SQL = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
SELECT '!', false, 'bench-' || n, '', '', '', false, true, %(t0)s FROM generate_series(1, %(papers)s) n;
INSERT INTO quiz_attempt (public_id, user_id, quiz_id, number, status, started_at, deadline, is_timed, layout,
    marks_per_correct, penalty_numerator, penalty_denominator,
    question_count, correct_count, wrong_count, blank_count)
SELECT gen_random_uuid(), u.id, %(quiz)s, 1, 'in_progress', %(t0)s, %(deadline)s, true, 'all', 2, 1, 3, 0, 0, 0, 0
FROM auth_user u WHERE u.username LIKE 'bench-%%';
INSERT INTO quiz_attemptquestion (attempt_id, question_id, version_id, position, choice_order)
SELECT t.id, qq.question_id, v.id, qq."order", '[]'
FROM quiz_attempt t
CROSS JOIN quiz_quizquestion qq
JOIN content_questionversion v ON v.question_id = qq.question_id
WHERE qq.quiz_id = %(quiz)s;
INSERT INTO quiz_answer (attempt_id, question_id, choice_id, marked, first_saved_at, saved_at, outcome)
SELECT aq.attempt_id, aq.question_id, c.id, false,
    %(t0)s + make_interval(secs => aq.position * 60 + (aq.attempt_id * 7 + aq.question_id) %% 50),
    %(t0)s + make_interval(secs => aq.position * 60 + (aq.attempt_id * 7 + aq.question_id) %% 50), ''
FROM quiz_attemptquestion aq
JOIN content_choice c
    ON c.question_id = aq.question_id AND c."order" = 1 + (aq.attempt_id * 31 + aq.question_id * 17) %% 4
WHERE (aq.attempt_id * 13 + aq.question_id * 7) %% 10 <> 0;
"""


def main() -> None:
    setup_test_environment()
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        measure()
    finally:
        connection.close()
        connection.creation.destroy_test_db(database, verbosity=0)


def papers_made() -> None:
    kinds = [
        QuestionFactory,
        QuestionFactory,
        QuestionFactory,
        StatementQuestionFactory,
        AssertionReasonQuestionFactory,
    ]
    questions = [kinds[n % 5]() for n in range(args.questions)]
    question_versions_current(question_ids=[q.pk for q in questions])
    quiz = QuizFactory(questions=questions, time_limit=timedelta(hours=2))
    params = {"t0": T0, "deadline": T0 + timedelta(hours=2), "quiz": quiz.pk, "papers": args.papers}
    with connection.cursor() as cursor:
        cursor.execute(_PAPERS_SQL, params)


def vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def timed(action) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def bare_update() -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE quiz_answer SET outcome = '', marks = NULL, time_spent = NULL")


def measure() -> None:
    started = time.perf_counter()
    papers_made()
    vacuum()
    answered = Answer.objects.count()
    setup = time.perf_counter() - started
    bare_wall, _ = timed(bare_update)
    vacuum()
    closed = []
    with CaptureQueriesContext(connection) as statements:
        grade_wall, grade_cpu = timed(
            lambda: closed.append(
                grading.attempts_close_expired(now=T0 + timedelta(hours=3), batch_size=args.batch_size)
            )
        )
    graded = Answer.objects.count()
    assert closed == [args.papers], closed
    assert not Attempt.objects.in_progress().exists()
    assert graded == args.papers * args.questions
    print(f"{args.papers} papers of {args.questions} questions: {answered} answers saved, {graded} graded")
    print(
        f"{ReviewCard.objects.count()} review cards, {QuestionTally.objects.count()} question tallies, "
        f"{StatementTally.objects.count()} statement tallies written; data made in {setup:.0f} s\n"
    )
    print("| what | wall s | this process's CPU s |\n| --- | ---: | ---: |")
    print(f"| bare UPDATE of the {answered} answer rows, one statement | {bare_wall:.1f} | - |")
    print(f"| grading.attempts_close_expired, batches of {args.batch_size} | {grade_wall:.1f} | {grade_cpu:.1f} |")
    print(f"\nratio grading / bare UPDATE: {grade_wall / bare_wall:.1f} ({connection.vendor})\n")
    print("Where grading's time goes (seconds, summed over the batches):\n")
    print("| statement | count | s |\n| --- | ---: | ---: |")
    by_kind: dict[str, list[float]] = {}
    for query in statements.captured_queries:
        kind = " ".join(query["sql"].split())[:70]
        by_kind.setdefault(kind, []).append(float(query["time"]))
    for kind, times in sorted(by_kind.items(), key=lambda item: -sum(item[1])):
        print(f"| `{kind}…` | {len(times)} | {sum(times):.2f} |")


if __name__ == "__main__":
    main()
