"""Queries and server CPU per page, for a small and a large quiz: `python -m bench.queries`.

Builds its data with tests/factories.py in a throwaway in-memory SQLite database, then requests
each page through Django's test client in production settings (DEBUG off) and prints a Markdown
table. "Large" is a 100-question quiz with 50 students' graded sittings (for the item analysis)
and a student with 20 past papers (for the history); "small" is 10 questions, 5 students and 2
papers. The same count at both sizes means no query per row.

Counts include the session and user lookups and transaction control (BEGIN), as the server
runs them. CPU is this process's time per request (`time.process_time`), the median of several,
SQLite included: it measures the code's cost, not the machine's load at the moment. Sign-in and
submit can run only once each, so theirs is one request's.
"""

import argparse
import os
import random
import re
import statistics
import time
from datetime import timedelta

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": "sqlite://:memory:",
        "DEBUG": "false",
        "SECRET_KEY": "bench-queries-" + "x" * 50,
        # No collectstatic here: hashed static names change no query.
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
)

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import Resolver404, resolve, reverse  # noqa: E402

from quiz.services import answers, attempts  # noqa: E402
from tests.factories import (  # noqa: E402
    AssertionReasonQuestionFactory,
    NoteFactory,
    QuestionFactory,
    QuizFactory,
    StatementQuestionFactory,
    UserFactory,
)

HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}  # as behind the TLS proxy: no SSL redirect
SIZES = {"small": {"questions": 10, "students": 5, "past": 2}, "large": {"questions": 100, "students": 50, "past": 20}}
SHOW_SQL = False
rng = random.Random(6)  # noqa: S311 (test data, not security)


def sit(quiz, user, *, answered: float = 0.9):
    """A graded paper: most questions answered at random, a few marked, then submitted."""
    attempt = attempts.attempt_start(quiz=quiz, user=user).attempt
    questions = list(attempt.items.values_list("question_id", flat=True))
    options = {q.pk: [c.pk for c in q.choices.all()] for q in quiz_questions(quiz)}
    choices = {pk: rng.choice(options[pk]) for pk in questions if rng.random() < answered}
    marked = {pk: rng.random() < 0.1 for pk in questions}
    return attempts.attempt_submit(attempt=attempt, choices=choices, marked=marked)


def quiz_questions(quiz):
    from content.models import Question

    return Question.objects.filter(pk__in=quiz.quiz_questions.values("question")).prefetch_related("choices")


def build(size: str, *, number: int) -> dict:
    figures = SIZES[size]
    notes = [NoteFactory() for _ in range(5)]
    kinds = [QuestionFactory, StatementQuestionFactory, AssertionReasonQuestionFactory]
    questions = [
        kinds[i % 3](
            note=notes[i % 5], is_trap=i % 7 == 0, trap_note="Taking a partnership for an alliance." * (i % 7 == 0)
        )
        for i in range(figures["questions"])
    ]
    quiz = QuizFactory(slug=f"bench-{size}", questions=questions, time_limit=timedelta(hours=3))
    for _ in range(figures["students"]):
        sit(quiz, UserFactory())
    student = UserFactory(username=f"measured-{number}")
    for _ in range(figures["past"]):
        sit(quiz, student)
    return {
        "quiz": quiz,
        "student": student,
        "staff": UserFactory(username=f"staff-{number}", is_staff=True, is_superuser=True),
    }


def measure(client: Client, method: str, url: str, data=None, *, repeat: int = 1, status=200) -> tuple[int, float]:
    """Queries of one request, and its median CPU milliseconds over `repeat` requests."""
    send = client.get if method == "GET" else client.post
    started = time.process_time()
    with CaptureQueriesContext(connection) as captured:
        response = send(url, data, **HTTPS)
    times = [(time.process_time() - started) * 1000]
    queries = len(captured)  # now: the next request empties the log
    if SHOW_SQL:
        print(f"-- {method} {url}", *(q["sql"][:160] for q in captured), sep="\n   ")
    if response.status_code != status:
        raise SystemExit(f"{method} {url}: {response.status_code}, expected {status}")
    for _ in range(repeat - 1):
        started = time.process_time()
        send(url, data, **HTTPS)
        times.append((time.process_time() - started) * 1000)
    # The first request compiles templates and warms caches: it counts only when it is the only one.
    return queries, statistics.median(times[1:] or times)


def exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def pages(size: str, number: int, repeat: int) -> dict[str, tuple[int, float]]:
    data = build(size, number=number)
    quiz, student = data["quiz"], data["student"]
    client = Client()
    results = {}
    results["sign in (password check)"] = measure(
        Client(),
        "POST",
        reverse("login"),
        {"username": student.username, "password": "correct-horse-battery"},
        status=302,
    )
    client.force_login(student)
    if exists("/history/"):
        results["history"] = measure(client, "GET", "/history/", repeat=repeat)
    staff = Client()
    staff.force_login(data["staff"])
    stats = f"/staff/quizzes/{quiz.slug}/stats/"
    if exists(stats):
        results["stats (item analysis)"] = measure(staff, "GET", stats, repeat=repeat)
    attempt = attempts.attempt_start(quiz=quiz, user=student).attempt
    paper = reverse("attempt_paper", args=[attempt.public_id])
    html = client.get(paper, **HTTPS).content.decode()
    options: dict[str, list[str]] = {}
    for question, choice in re.findall(r'name="q-(\d+)" id="c-\d+" value="(\d+)"', html):
        options.setdefault(question, []).append(choice)
    saves = [(q, rng.choice(c)) for q, c in options.items()]
    for question, choice in saves[: int(len(saves) * 0.6)]:
        answers.answer_save(
            user=attempt.user,
            attempt_public_id=attempt.public_id,
            question_id=int(question),
            choice_id=int(choice),
            marked=False,
        )
    results["paper"] = measure(client, "GET", paper, repeat=repeat)
    answer = reverse("attempt_answer", args=[attempt.public_id])
    question, choice = saves[-1]
    results["autosave"] = measure(client, "POST", answer, {"question": question, "choice": choice}, repeat=repeat)
    results["bare write (bench/views.py)"] = measure(
        client, "POST", reverse("bench_write"), {"key": "k", "value": "1"}, repeat=repeat
    )
    submit = reverse("attempt_submit", args=[attempt.public_id])
    results["submit: confirm (GET)"] = measure(client, "GET", submit, repeat=repeat)
    form = {"intent": "submit"}
    for question, choice in saves:
        form |= {f"q-{question}": choice, f"was-{question}": ":0"}
    results["submit (POST, whole form)"] = measure(client, "POST", submit, form, status=302)
    results["result"] = measure(client, "GET", reverse("attempt_result", args=[attempt.public_id]), repeat=repeat)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="requests per page for the CPU median")
    parser.add_argument("--sql", action="store_true", help="also print each page's queries (large quiz)")
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    small = pages("small", 1, 2)
    global SHOW_SQL
    SHOW_SQL = args.sql
    large = pages("large", 2, args.repeat)
    print(
        f"| page | queries, {SIZES['small']['questions']} questions | queries, {SIZES['large']['questions']} "
        f"questions | CPU ms, {SIZES['large']['questions']} questions |"
    )
    print("| --- | ---: | ---: | ---: |")
    for page, (queries, cpu) in large.items():
        print(f"| {page} | {small[page][0]} | {queries} | {cpu:.1f} |")
    missing = [
        page for page, path in (("history", "/history/"), ("stats", "/staff/quizzes/x/stats/")) if not exists(path)
    ]
    if missing:
        print(f"\nNot built yet: {', '.join(missing)}.")


if __name__ == "__main__":
    main()
