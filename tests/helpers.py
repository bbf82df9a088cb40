"""What the tests share besides the factories: the clock, answering questions, counting queries, signing in.

One home for each: a test module imports these rather than writing its own.
"""

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from content.models import Choice
from tests.factories import RuleQuizFactory

# --- the clock -----------------------------------------------------------------------------------

# The moment the tests' papers start: a fixed, timezone-aware instant, so deadlines and dates are exact.
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


# --- property tests ------------------------------------------------------------------------------


def db_examples(max_examples: int):
    """Hypothesis settings for examples that share one test's fixtures and database transaction
    (each test keeps that sound: it writes nothing, or rolls each example back). No example
    database, so nothing is left behind in the work tree."""
    return hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- answering -----------------------------------------------------------------------------------


def right(question) -> Choice:
    """The question's key."""
    return question.choices.get(is_correct=True)


def wrong(question, nth: int = 0) -> Choice:
    """The question's `nth` wrong option, in authored order."""
    return question.choices.filter(is_correct=False).order_by("order")[nth]


def graded_attempt(*, user, quiz, picks: dict, now, seconds_apart: int = 10, confidences: dict | None = None):
    """A sitting of `quiz` through the real services, submitted: `picks` maps questions to a Choice, or None.

    Answers are saved `seconds_apart` from the start and from each other, in the order given;
    `confidences` maps questions to the tag saved with their answer.
    """
    from quiz.services.attempts import attempt_start, attempt_submit

    attempt = attempt_start(quiz=quiz, user=user, now=now).attempt
    moment = answers_saved(attempt, picks, now=now, seconds_apart=seconds_apart, confidences=confidences)
    return attempt_submit(attempt=attempt, now=moment + timedelta(seconds=seconds_apart))


def answers_saved(attempt, picks: dict, *, now, seconds_apart: int = 0, confidences: dict | None = None):
    """Save `picks` (question to Choice, or None for a blank) on an open attempt through the autosave's
    service, `seconds_apart` after `now` and each other; returns the moment of the last. A blank
    with a tag in `confidences` (question to "sure", "fifty" or "guess") is saved, tagged."""
    from quiz.services.answers import answer_save

    confidences = confidences or {}
    moment = now
    for question, choice in picks.items():
        moment += timedelta(seconds=seconds_apart)
        if choice is not None or question in confidences:
            answer_save(
                user=attempt.user,
                attempt_public_id=attempt.public_id,
                question_id=question.pk,
                choice_id=choice.pk if choice is not None else None,
                marked=False,
                confidence=confidences.get(question),
                now=moment,
            )
    return moment


# --- quizzes ------------------------------------------------------------------------------------


def quiz_form(**fields) -> dict:
    """What the admin's "Add quiz" form posts for a valid, published, fixed quiz with no questions;
    `fields` replace or add to it (an empty string leaves a box unticked, as leaving it out does)."""
    return {
        "title": "Weekly test",
        "slug": "weekly",
        "instructions": "",
        "position": "0",
        "is_published": "on",
        "time_limit": "00:20:00",
        "seconds_per_question": "",
        "marks_per_correct": "2",
        "penalty_numerator": "1",
        "penalty_denominator": "3",
        "selection": "fixed",
        "rule_difficulty_min": "1",
        "rule_difficulty_max": "3",
        "rule_count": "",
        "attempts_allowed": "",
        "explanations": "after_submit",
        "lobby_minutes": "30",
        "quiz_questions-TOTAL_FORMS": "0",
        "quiz_questions-INITIAL_FORMS": "0",
    } | fields


def topic_test(topic, **fields):
    """A rule quiz of ten drawn from `topic` alone, at exam pace: what the study pages link to."""
    fields = {
        "slug": f"topic-{topic.slug}",
        "title": f"Topic test: {topic.name}",
        "time_limit": None,
        "seconds_per_question": 72,
        "rule_count": 10,
    } | fields
    quiz = RuleQuizFactory(**fields)
    quiz.rule_topics.set([topic])
    return quiz


def closed_attempt(user, quiz, score: str, *, max_score: str = "10", number: int = 1, at: datetime = T0):
    """A closed attempt with stored totals only (no questions or answers): what a standing reads."""
    from quiz.models import Attempt

    return Attempt.objects.create(
        user=user,
        quiz=quiz,
        number=number,
        status=Attempt.Status.SUBMITTED,
        started_at=at,
        deadline=at + timedelta(minutes=10),
        submitted_at=at + MINUTE,
        marks_per_correct=2,
        penalty_numerator=1,
        penalty_denominator=3,
        score=Decimal(score),
        max_score=Decimal(max_score),
    )


def cohort(top, average, top_percent, average_percent):
    """A standing's field (`results.Cohort`) from strings: the topper's and the average score in
    marks (None: the papers' maxima differ), and both as a percentage of the maximum."""
    from quiz.selectors.results import Cohort

    marks = [None if value is None else Decimal(value) for value in (top, average)]
    return Cohort(*marks, top_percent=Decimal(top_percent), average_percent=Decimal(average_percent))


# --- reading pages -------------------------------------------------------------------------------


def history_rows(html: str) -> list[str]:
    """The history page's table of papers, each row as its text with the tags taken out."""
    table = html[html.index('class="table table-sm align-middle history-table"') :]
    table = table[: table.index("</table>")]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in table.split("<tr>")[2:]]


# --- counting queries ----------------------------------------------------------------------------
# Each page's test compares these counts for a small and a large quiz (or history, or bank) and,
# with pytest-django's `django_assert_num_queries`, asserts the exact number: every statement, as
# `queries_for` counts by default.

# The session's and the user's lookups, and transaction control (savepoints under the test's transaction).
NOT_THE_VIEWS = re.compile(r'"(django_session|auth_user)"|^(SAVEPOINT|RELEASE SAVEPOINT|BEGIN|COMMIT)')


def queries_for(client, url: str, *, method="get", data=None, status=200, app_only=False) -> int:
    """How many queries one request makes, after checking its status: for query-count guards.

    Every statement by default; with `app_only`, leaving out the session and user lookups and
    transaction control, so the figure is what the view itself asked of the database.
    """
    # Content types are cached per process once read (the admin's log reads one): cold each time, a
    # count does not depend on which test ran before.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == status
    statements = [query["sql"] for query in captured.captured_queries]
    return len([sql for sql in statements if not NOT_THE_VIEWS.search(sql)] if app_only else statements)


# --- signing in ----------------------------------------------------------------------------------


def log_in(client, username: str, password: str, *, address: str = "203.0.113.7", admin: bool = False):
    """Sign in through the login form (the admin's with `admin`) from `address`, as throttling sees it."""
    url = reverse("admin:login") if admin else reverse("login")
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


class CountingHasher(MD5PasswordHasher):
    """The suite's fast hasher, counting every password it hashes, checks included (the `hashes` fixture)."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@contextmanager
def before_the_seal(quiz):
    """Sit another quiz's paper as if before `quiz` (a live mock) sealed its questions: an older
    paper. Sat while they are sealed, a paper leaves them out (`quiz.services.attempts._draw`)."""
    from quiz.models import Quiz

    Quiz.objects.filter(pk=quiz.pk).update(explanations=Quiz.Explanations.AFTER_SUBMIT)
    yield
    Quiz.objects.filter(pk=quiz.pk).update(explanations=Quiz.Explanations.AFTER_CLOSE)
