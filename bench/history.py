"""The history page's CPU for a student with many papers against one with few: `python -m bench.history`.

One process, production settings, a throwaway test database (in-memory SQLite by default, so the
database's work is this process's CPU too; or `test_<name>` beside the PostgreSQL database named,
whose server CPU is then not counted). A bank of 400 questions (all kinds, a tenth of them traps),
four fixed quizzes of 100, and two students: one who sat `--few` papers (2), one who sat `--many`
(200), each paper started, answered (nine in ten questions, a random option) and submitted through
the app's own services. Each line is this process's CPU per `GET /history/` through Django's whole
stack (`time.process_time`), the best of `--rounds` rounds of `--calls`, the two students in turn.

It only uses what the app had before issue 16 (attempt_start, attempt_submit, the models), so the
same file measures the code before the change: run it from a checkout of the older commit.
"""

import argparse
import hashlib
import os
import random
import re
import time
from datetime import UTC, datetime, timedelta

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--database-url", default="sqlite://:memory:")
parser.add_argument("--few", type=int, default=2)
parser.add_argument("--many", type=int, default=200)
parser.add_argument("--calls", type=int, default=10)
parser.add_argument("--rounds", type=int, default=5)
args = parser.parse_args()

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-history-" + "x" * 50,
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from quiz.models import Answer, Attempt  # noqa: E402
from quiz.services.attempts import attempt_start, attempt_submit  # noqa: E402
from tests.factories import (  # noqa: E402
    AssertionReasonQuestionFactory,
    NoteFactory,
    QuestionFactory,
    QuizFactory,
    StatementQuestionFactory,
    UserFactory,
)

HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def main() -> None:
    setup_test_environment()
    database = connection.creation.create_test_db(verbosity=0)
    try:
        measure()
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)


def bank() -> list:
    """400 questions in 12 topics (a note each), as the syllabus has a dozen subjects."""
    notes = [NoteFactory() for _ in range(12)]
    factories = [QuestionFactory, QuestionFactory, StatementQuestionFactory, AssertionReasonQuestionFactory]
    return [
        factories[n % 4](
            note=notes[n % 12], is_trap=n % 10 == 0, trap_note="A tempting confusion." if n % 10 == 0 else ""
        )
        for n in range(400)
    ]


def papers_sat(user, quizzes: list, count: int, rng: random.Random) -> None:
    """`count` papers, one after another, an hour apart, through the app's services."""
    for n in range(count):
        started = T0 + timedelta(hours=n)
        attempt = attempt_start(quiz=quizzes[n % len(quizzes)], user=user, now=started).attempt
        answers = []
        for position, item in enumerate(attempt.items.select_related("question").order_by("position")):
            if rng.random() < 0.9:
                choice = rng.choice(list(item.question.choices.all()))
                moment = started + timedelta(seconds=20 * (position + 1))
                answers.append(
                    Answer(
                        attempt=attempt,
                        question_id=item.question_id,
                        choice=choice,
                        first_saved_at=moment,
                        saved_at=moment,
                    )
                )
        Answer.objects.bulk_create(answers)
        attempt_submit(attempt=attempt, now=started + timedelta(minutes=50))


def cpu_per_call(client: Client) -> float:
    started = time.process_time()
    for _ in range(args.calls):
        response = client.get("/history/", **HTTPS)
        assert response.status_code == 200, response.status_code
    return (time.process_time() - started) / args.calls * 1000


def fingerprint(client: Client) -> str:
    """The page without its CSRF token and the papers' random public ids: equal in two runs (before and
    after a change) means the same output."""
    html = client.get("/history/", **HTTPS).content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", html)
    return hashlib.sha256(html.encode()).hexdigest()[:16]


def measure() -> None:
    rng = random.Random(16)  # noqa: S311 - generated answers, the same in every run
    questions = bank()
    quizzes = [QuizFactory(questions=questions[n * 100 : (n + 1) * 100]) for n in range(4)]
    clients = {}
    for label, count in (("few", args.few), ("many", args.many)):
        user = UserFactory(username=f"bench-{label}")
        papers_sat(user, quizzes, count, rng)
        client = Client()
        client.force_login(user)
        clients[label] = client
    best = dict.fromkeys(clients, float("inf"))
    for client in clients.values():
        cpu_per_call(client)  # warm: templates, the first queries
    for _ in range(args.rounds):
        for label, client in clients.items():
            best[label] = min(best[label], cpu_per_call(client))
    papers = {label: Attempt.objects.filter(user__username=f"bench-{label}").count() for label in clients}
    print(
        "| student | papers | answers | CPU ms per GET /history/ | page fingerprint |\n"
        "| --- | ---: | ---: | ---: | --- |"
    )
    for label, client in clients.items():
        answers = Answer.objects.filter(attempt__user__username=f"bench-{label}").count()
        print(f"| {label} | {papers[label]} | {answers} | {best[label]:.1f} | {fingerprint(client)} |")
    print(
        f"\nratio many/few: {best['many'] / best['few']:.2f} "
        f"({connection.vendor}, {args.calls} calls, best of {args.rounds} rounds)"
    )


if __name__ == "__main__":
    main()
