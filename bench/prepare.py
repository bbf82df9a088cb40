"""Prepare a benchmark database: migrate, load the bank, a 50-question quiz and the students.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... python -m bench.prepare --group load-=200

Students are `<prefix><number>` (e.g. `load-0001`) with the password PASSWORD. They are inserted
with one bulk_create and one precomputed hash: hashing 200 passwords one by one would take over a
minute (Argon2 at 0.34 s of CPU each here, on purpose).
"""

import argparse
import os
from datetime import timedelta

PASSWORD = "bench-practise-2026"
QUIZ_SLUG = "bench-50"


def prepare(*, groups: dict[str, int], questions: int, slugs: list[str]) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from content.models import Question
    from quiz.models import Quiz, QuizQuestion

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_bank", verbosity=0)
    published = list(Question.objects.filter(status=Question.Status.PUBLISHED).order_by("key")[:questions])
    if len(published) < questions:
        raise SystemExit(f"The bank has {len(published)} published questions, fewer than {questions}.")
    # Three hours: no paper may time out during a run, so every score comes from a submit (bench.storm
    # gives its quiz a `closes_at`, which ends every paper at the same instant instead).
    for slug in slugs:
        quiz, _ = Quiz.objects.update_or_create(
            slug=slug,
            defaults={
                "title": f"Benchmark: {questions} questions",
                "instructions": "Load test.",
                "is_published": True,
                "time_limit": timedelta(hours=3),
                "selection": Quiz.Selection.FIXED,
                "shuffle_options": True,
                "attempts_allowed": None,
                "closes_at": None,
            },
        )
        QuizQuestion.objects.filter(quiz=quiz).delete()
        QuizQuestion.objects.bulk_create(
            QuizQuestion(quiz=quiz, question=question, order=order) for order, question in enumerate(published, start=1)
        )
    user_model = get_user_model()
    password = make_password(PASSWORD)
    for prefix, count in groups.items():
        names = [f"{prefix}{number:04d}" for number in range(1, count + 1)]
        user_model.objects.filter(username__in=names).delete()
        user_model.objects.bulk_create(user_model(username=name, password=password) for name in names)
    print(f"prepared {', '.join(slugs)} ({questions} questions each); students: {groups}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="PREFIX=COUNT",
        help="students to create, e.g. load-=200 (repeatable)",
    )
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--quiz", action="append", default=[], help=f"slug of a quiz to make (repeatable; {QUIZ_SLUG})")
    args = parser.parse_args()
    groups = {prefix: int(count) for prefix, count in (group.split("=") for group in args.group or ["load-=200"])}
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    prepare(groups=groups, questions=args.questions, slugs=args.quiz or [QUIZ_SLUG])


if __name__ == "__main__":
    main()
