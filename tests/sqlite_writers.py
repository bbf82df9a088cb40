"""Concurrent autosaves on a file-based SQLite database, run in a fresh interpreter by test_sqlite_concurrency.

pytest-django's SQLite test database lives in memory with a shared cache, whose table locks fail at
once instead of waiting: it cannot show how the real, file-based database behaves. So this script
configures the app's own settings on a new file, then runs one thread per student, each with its
own connection as gunicorn's workers have, saving every answer through `answer_save` (the last
round through `answers_save`, the whole form at once) and then submitting. It prints a JSON report on stdout.

    python -m tests.sqlite_writers PATH [--students N] [--questions N] [--rounds N] [--transaction-mode M]
"""

import argparse
import json
import os
import sys
import threading
import time


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    # To see what the app's settings prevent: --transaction-mode DEFERRED (SQLite's default).
    parser.add_argument("--transaction-mode", default=None)
    args = parser.parse_args(argv)

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{args.path}"
    os.environ["DEBUG"] = "true"
    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import OperationalError, connection

    from quiz.models import Answer, Attempt
    from quiz.services.answers import answer_save, answers_save
    from quiz.services.attempts import attempt_start, attempt_submit
    from tests.factories import QuestionFactory, QuizFactory

    options = settings.DATABASES["default"]["OPTIONS"]
    if args.transaction_mode:
        options["transaction_mode"] = args.transaction_mode
    call_command("migrate", verbosity=0)
    questions = QuestionFactory.create_batch(args.questions)
    choices = {q.pk: list(q.choices.order_by("order").values_list("pk", flat=True)) for q in questions}
    quiz = QuizFactory(questions=questions)
    students = [get_user_model().objects.create(username=f"writer{i}") for i in range(args.students)]
    attempts = [attempt_start(quiz=quiz, user=student).attempt for student in students]
    connection.close()

    barrier = threading.Barrier(len(attempts))
    errors: list[str] = []
    acknowledged: dict[tuple[int, int], int] = {}
    saves = [0]
    lock = threading.Lock()

    def sit(index: int, attempt: Attempt) -> None:
        try:
            barrier.wait()
            for round_ in range(args.rounds):
                picks = {q.pk: choices[q.pk][(index + round_) % len(choices[q.pk])] for q in questions}
                if round_ == args.rounds - 1:
                    # The last round saves the whole form at once, as the paper without JavaScript
                    # does: a transaction that reads before it writes, unlike the autosave's one statement.
                    try:
                        answers_save(attempt=attempt, choices=picks, marked={})
                    except OperationalError as error:
                        with lock:
                            errors.append(f"answers_save: {error}")
                        continue
                    with lock:
                        acknowledged.update({(attempt.pk, q): c for q, c in picks.items()})
                        saves[0] += len(picks)
                    continue
                for question in questions:
                    choice = picks[question.pk]
                    try:
                        answer_save(
                            user=attempt.user,
                            attempt_public_id=attempt.public_id,
                            question_id=question.pk,
                            choice_id=choice,
                            marked=round_ == 0,
                        )
                    except OperationalError as error:
                        with lock:
                            errors.append(f"answer_save: {error}")
                        continue
                    with lock:
                        acknowledged[(attempt.pk, question.pk)] = choice
                        saves[0] += 1
            try:
                attempt_submit(attempt=attempt)
            except OperationalError as error:
                with lock:
                    errors.append(f"attempt_submit: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=sit, args=(i, a)) for i, a in enumerate(attempts)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - began

    stored = {(a.attempt_id, a.question_id): a.choice_id for a in Answer.objects.all()}
    return {
        "sqlite_options": {k: options[k] for k in ("transaction_mode", "timeout")},
        "journal_mode": _journal_mode(connection),
        "writers": len(attempts),
        "saves": saves[0],
        "seconds": round(elapsed, 2),
        "errors": errors,
        "lost": sorted(
            f"{key}: acknowledged {choice}, stored {stored.get(key)}"
            for key, choice in acknowledged.items()
            if stored.get(key) != choice
        ),
        "closed": Attempt.objects.filter(status=Attempt.Status.SUBMITTED).count(),
    }


def _journal_mode(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
