"""Where an autosave's CPU goes, piece by piece: `python -m bench.breakdown [--database-url URL]`.

One process, production settings, a throwaway test database (in-memory SQLite by default, or
`test_<name>` made beside the PostgreSQL database named); each line is this process's CPU per call
(`time.process_time`), the best of 5 rounds of 300, so the machine's other work counts as little
as it can. The database server's own CPU is not in it. The HTTP lines go through Django's whole
stack (middleware, session, CSRF); the indented ones call the app's functions directly.
"""

import argparse
import os
import time
from datetime import timedelta

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--database-url", default="sqlite://:memory:")
parser.add_argument("--calls", type=int, default=300)
parser.add_argument("--rounds", type=int, default=5)
args = parser.parse_args()

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-breakdown-" + "x" * 50,
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from quiz.services import answers, attempts  # noqa: E402
from tests.factories import QuestionFactory, QuizFactory, UserFactory  # noqa: E402

HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}


def best(calls: int, rounds: int, action) -> float:
    """Milliseconds of CPU per call, the best round."""
    fastest = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for i in range(calls):
            action(i)
        fastest = min(fastest, (time.process_time() - started) / calls * 1000)
    return fastest


def main() -> None:
    setup_test_environment()
    database = connection.creation.create_test_db(verbosity=0)
    try:
        measure()
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)


def measure() -> None:
    questions = [QuestionFactory() for _ in range(50)]
    quiz = QuizFactory(questions=questions, time_limit=timedelta(hours=3))
    student = UserFactory()
    client = Client()
    client.force_login(student)
    attempt = attempts.attempt_start(quiz=quiz, user=student).attempt
    picks = [(q.pk, q.choices.first().pk) for q in questions]
    autosave_url = reverse("attempt_answer", args=[attempt.public_id])

    lines = [
        (
            "HTTP: bare write (bench/views.py)",
            lambda i: client.post("/bench/write/", {"key": i % 50, "value": i}, **HTTPS),
        ),
        ("HTTP: bare view reading request.user (no write)", lambda i: client.post("/bench/user/", **HTTPS)),
        (
            "HTTP: autosave",
            lambda i: client.post(autosave_url, {"question": picks[i % 50][0], "choice": picks[i % 50][1]}, **HTTPS),
        ),
        (
            "  answers.answer_save",
            lambda i: answers.answer_save(
                user=student,
                attempt_public_id=attempt.public_id,
                question_id=picks[i % 50][0],
                choice_id=picks[i % 50][1],
                marked=False,
            ),
        ),
        (
            "    the upsert, with its checks",
            lambda i: answers._answer_upsert_if_open(
                user_id=student.pk,
                attempt_public_id=attempt.public_id,
                question_id=picks[i % 50][0],
                choice_id=picks[i % 50][1],
                marked=False,
                fields=("choice", "marked"),
                now=timezone.now(),
            ),
        ),
        (
            "    the progress count",
            lambda i: answers._answer_progress(attempt_public_id=attempt.public_id, now=timezone.now()),
        ),
    ]
    print("| what | CPU ms per call |\n| --- | ---: |")
    for label, action in lines:
        print(f"| {label} | {best(args.calls, args.rounds, action):.2f} |")
    print(f"\n{connection.vendor}, {args.calls} calls, best of {args.rounds} rounds")


if __name__ == "__main__":
    main()
