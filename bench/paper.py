"""CPU per request of the paper and the result of a 100-question mock, against the bare one-write
view, in one run: `python -m bench.paper [--questions 100] [--students 10] [--calls 30] [--rounds 5]`.

One process, production settings (DEBUG off, every middleware), a throwaway database (in-memory
SQLite by default, or `test_<name>` made beside the PostgreSQL database `--database-url` names),
the question bank loaded (`load_bank`, so the texts are the real ones) and a fixed quiz of its
first `--questions` published questions with options shuffled. For each of `--students`: one
student who has just started (nothing answered: the start storm), one mid-sitting (60 % answered
at random, a tenth of those marked for review) and one who has submitted (the result, with its
review). Requests go round the students, so each is another student's paper of the same
questions; every page is requested once per student before measuring (the caches' first fill,
which the first students of a mock pay, is not in the figures).

Requests go through Django's whole stack via its test client (no template instrumentation: the
test environment is not set up), with the CSRF check enforced and `X-Forwarded-Proto: https` as
behind the TLS proxy. A round is `--calls` requests of each line; each line is this process's
CPU per request (`time.process_time`), the median of the rounds, and the ratio to the bare write
is taken round by round, then its median. "No rendering kept" gives each request an empty store
of per-question renderings (`quiz_tags`): a sitting whose answers no other paper shares.
The database server's own CPU (PostgreSQL) is not in it.

It also prints the paper's bytes on the wire: as the app sends it, and gzip-compressed at the
levels a proxy or Django's GZipMiddleware would use, with the CPU that compressing costs.
"""

import argparse
import gzip
import os
import random
import statistics
import time
from datetime import timedelta

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--database-url", default="sqlite://:memory:")
parser.add_argument("--questions", type=int, default=100)
parser.add_argument("--students", type=int, default=10)
parser.add_argument("--calls", type=int, default=30, help="requests of each kind per round")
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--profile", choices=["paper", "result"], help="print that page's cProfile instead")
args = parser.parse_args()

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-paper-" + "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "LOG_LEVEL": "WARNING",  # not django-axes's line per sign-in
    }
)

import warnings  # noqa: E402

import django  # noqa: E402

# whitenoise warns that bench/.run/static/ was never collected: no static file is requested here.
warnings.filterwarnings("ignore", message="No directory at")
django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from content.models import Question  # noqa: E402
from quiz.models import Attempt, Quiz, QuizQuestion  # noqa: E402
from quiz.services import answers, attempts  # noqa: E402
from quiz.templatetags import quiz_tags  # noqa: E402
from tests.factories import UserFactory  # noqa: E402

CSRF = "b" * 32  # an unmasked secret: the cookie and the header carry the same one
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "testserver", "HTTP_REFERER": "https://testserver/"}
rng = random.Random(16)  # noqa: S311 (test data, not security)


def main() -> None:
    database = connection.creation.create_test_db(verbosity=0)
    try:
        measure()
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    return client


def sat(quiz: Quiz, user) -> Attempt:
    """An open paper with 60 % of its questions answered, one in ten of those marked for review."""
    attempt = attempts.attempt_start(quiz=quiz, user=user).attempt
    items = list(attempt.items.values_list("question_id", "choice_order"))
    for question_id, order in items[: len(items) * 6 // 10]:
        answers.answer_save(
            user=user,
            attempt_public_id=attempt.public_id,
            question_id=question_id,
            choice_id=rng.choice(order) if order else None,
            marked=rng.random() < 0.1,
        )
    return attempt


def build() -> tuple[list[tuple], int]:
    call_command("load_bank", verbosity=0)
    published = list(Question.objects.filter(status=Question.Status.PUBLISHED).order_by("key")[: args.questions])
    if len(published) < args.questions:
        raise SystemExit(f"The bank has {len(published)} published questions, fewer than {args.questions}.")
    quiz = Quiz.objects.create(
        slug="bench-paper",
        title=f"Benchmark: {args.questions} questions",
        instructions="CPU per request.",
        is_published=True,
        time_limit=timedelta(hours=3),
        selection=Quiz.Selection.FIXED,
        shuffle_options=True,
        attempts_allowed=None,
    )
    QuizQuestion.objects.bulk_create(
        QuizQuestion(quiz=quiz, question=q, order=n) for n, q in enumerate(published, start=1)
    )
    students = []
    for number in range(args.students):
        # Two students each: one sitting the paper, one who has submitted it (no review shows to a
        # student while they sit another paper).
        sitting, done = UserFactory(username=f"paper-{number}"), UserFactory(username=f"result-{number}")
        starting = UserFactory(username=f"start-{number}")
        paper = sat(quiz, sitting)
        closed = attempts.attempt_submit(attempt=sat(quiz, done))
        fresh = attempts.attempt_start(quiz=quiz, user=starting).attempt
        students.append(
            (
                client_for(sitting),
                reverse("attempt_paper", args=[paper.public_id]),
                client_for(done),
                reverse("attempt_result", args=[closed.public_id]),
                client_for(starting),
                reverse("attempt_paper", args=[fresh.public_id]),
            )
        )
    return students, len(published)


def timed(calls: int, action) -> float:
    """Milliseconds of CPU per call."""
    started = time.process_time()
    for i in range(calls):
        action(i)
    return (time.process_time() - started) / calls * 1000


def ok(response, status: int = 200):
    if response.status_code != status:
        raise SystemExit(f"{response.request['PATH_INFO']}: {response.status_code}, expected {status}")
    return response


def measure() -> None:
    students, count = build()
    n = len(students)

    def bare(i):
        client = students[i % n][0]
        ok(client.post(reverse("bench_write"), {"key": i % 50, "value": i}, HTTP_X_CSRFTOKEN=CSRF, **HTTPS))

    def paper(i):
        client, path = students[i % n][:2]
        ok(client.get(path, **HTTPS))

    def paper_start(i):
        client, path = students[i % n][4:]
        ok(client.get(path, **HTTPS))

    def paper_one(i):
        client, path = students[i % n][:2]
        ok(client.get(f"{path}?q={i % count + 1}", **HTTPS))

    def paper_unkept(i):
        # As if no other student's paper had shown any question as this one does (a reload late in
        # a sitting, its answers its own): every question rendered for this request.
        # An empty store for this request only: the other lines keep what they have kept.
        kept = getattr(quiz_tags, "_KEPT", None)  # (None: a version of the app before it kept any)
        quiz_tags._KEPT = {}
        try:
            paper(i)
        finally:
            quiz_tags._KEPT = kept

    def result(i):
        client, path = students[i % n][2:4]
        ok(client.get(path, **HTTPS))

    lines = {
        "bare write (bench/views.py)": bare,
        "paper at the start (nothing answered), every question": paper_start,
        "paper mid-sitting, every question": paper,
        "paper mid-sitting, one question per screen": paper_one,
        "paper mid-sitting, every question, no rendering kept": paper_unkept,
        "result (review of every question)": result,
    }
    # Every page once per student first: compiled templates, and a cache of rendered questions
    # filled as the first student of a mock would fill it.
    for action in lines.values():
        for i in range(n):
            action(i)
    client, path = students[0][2:4]
    if b"Question by question" not in ok(client.get(path, **HTTPS)).content:
        raise SystemExit("The result shows no review: it would measure the wrong page.")
    if args.profile:
        import cProfile
        import pstats

        action = paper if args.profile == "paper" else result
        with cProfile.Profile() as profile:
            for i in range(args.calls):
                action(i)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return
    rounds = {label: [] for label in lines}
    for _ in range(args.rounds):
        for label, action in lines.items():
            rounds[label].append(timed(args.calls, action))
    bare_label = next(iter(lines))
    print("| what | CPU ms per request | ratio to the bare write | rounds' ratios |\n| --- | ---: | ---: | --- |")
    for label, times in rounds.items():
        ratios = [t / b for t, b in zip(times, rounds[bare_label], strict=True)]
        each = ", ".join(f"{r:.1f}" for r in ratios)
        print(f"| {label} | {statistics.median(times):.2f} | {statistics.median(ratios):.1f} | {each} |")

    client, path = students[0][:2]
    body = ok(client.get(path, **HTTPS)).content
    print(f"\n{connection.vendor}, {count} questions, {n} students, {args.rounds} rounds of {args.calls} requests")
    print("\n| the paper on the wire | bytes | CPU ms to compress |\n| --- | ---: | ---: |")
    print(f"| as the app sends it | {len(body):,} | |")
    for level, who in ((1, "gzip level 1 (nginx's default gzip_comp_level)"), (6, "gzip level 6 (GZipMiddleware)")):
        started = time.process_time()
        for _ in range(20):
            packed = gzip.compress(body, compresslevel=level, mtime=0)
        print(f"| {who} | {len(packed):,} | {(time.process_time() - started) / 20 * 1000:.2f} |")
    cache.clear()


if __name__ == "__main__":
    main()
