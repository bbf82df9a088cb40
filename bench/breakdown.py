"""Where an autosave's CPU goes, piece by piece: `python -m bench.breakdown`.

One process, an in-memory SQLite database, production settings; each line is this process's CPU
per call (`time.process_time`), the best of 5 rounds of 300, so the machine's other work
counts as little as it can. The HTTP lines go through Django's whole stack (middleware, session,
CSRF); the indented ones call the app's functions directly.
"""

import argparse
import os
import time
from datetime import timedelta

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": "sqlite://:memory:",
        "DEBUG": "false",
        "SECRET_KEY": "bench-breakdown-" + "x" * 50,
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
)

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from quiz import services, views  # noqa: E402
from quiz.models import Answer  # noqa: E402
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    questions = [QuestionFactory() for _ in range(50)]
    quiz = QuizFactory(questions=questions, time_limit=timedelta(hours=3))
    student = UserFactory()
    client = Client()
    client.force_login(student)
    attempt = services.attempt_start(quiz=quiz, user=student)
    answers = [(q.pk, q.choices.first().pk) for q in questions]
    autosave_url = reverse("attempt_answer", args=[attempt.public_id])

    class Request:
        user = student

    lines = [
        (
            "HTTP: bare write (bench/views.py)",
            lambda i: client.post("/bench/write/", {"key": i % 50, "value": i}, **HTTPS),
        ),
        ("HTTP: bare view reading request.user (no write)", lambda i: client.post("/bench/user/", **HTTPS)),
        (
            "HTTP: autosave",
            lambda i: client.post(
                autosave_url, {"question": answers[i % 50][0], "choice": answers[i % 50][1]}, **HTTPS
            ),
        ),
        ("  views._get_attempt_for_user", lambda i: views._get_attempt_for_user(Request, attempt.public_id)),
        (
            "  services.answer_save",
            lambda i: services.answer_save(
                user=attempt.user,
                attempt_public_id=attempt.public_id,
                question_id=answers[i % 50][0],
                choice_id=answers[i % 50][1],
                marked=False,
            ),
        ),
        ("    the progress count", lambda i: Answer.objects.filter(attempt_id=attempt.pk).progress()),
        (
            "    the upsert",
            lambda i: services._answers_upsert(
                [Answer(attempt_id=attempt.pk, question_id=answers[i % 50][0], choice_id=answers[i % 50][1])],
                now=timezone.now(),
            ),
        ),
    ]
    print("| what | CPU ms per call |\n| --- | ---: |")
    for label, action in lines:
        print(f"| {label} | {best(args.calls, args.rounds, action):.2f} |")


if __name__ == "__main__":
    main()
