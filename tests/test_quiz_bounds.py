"""A quiz's time, marking and window stay within bounds (issue 14, finding 7), so that no value the
admin accepts can make a Start, a save, a submit, grading, a result or the history fail.

The admin's form refuses each value out of bounds on its field; named database constraints refuse
it from any other path; a property test drives the form's accepted values through a whole sitting.
"""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib import admin
from django.core.cache import cache
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.duration import duration_string
from hypothesis import given, note
from hypothesis import strategies as st

from quiz import policy
from quiz.models import Attempt, ExtraTime, Quiz, QuizQuestion
from quiz.scoring import to_decimal
from tests.factories import QuestionFactory, QuizFactory
from tests.helpers import T0, db_examples, quiz_form, right, wrong

pytestmark = pytest.mark.django_db

# What the admin's "Add quiz" form posts for a valid quiz; each test changes the fields it is about.
QUIZ_FORM = quiz_form(selection="rule")


def _admin_refuses(staff_client, changes: dict, field: str, message: str) -> None:
    """The admin's form answers `changes` with `message` on `field`, and saves nothing."""
    response = staff_client.post(reverse("admin:quiz_quiz_add"), QUIZ_FORM | changes)
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field]
    assert not Quiz.objects.exists()


def _database_refuses(constraint: str, **values) -> None:
    """A write that skips the form (a script, the shell, a bulk update) meets the named constraint."""
    quiz = QuizFactory()
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        Quiz.objects.filter(pk=quiz.pk).update(**values)
    assert constraint in str(refused.value)


def test_quiz_time_limit_overflow_refused(staff_client):
    # 99,999,999 days was accepted, and every Start then failed adding it to now (OverflowError).
    too_long = "Give a time limit of at most 8 hours (08:00:00)."
    _admin_refuses(staff_client, {"time_limit": "99999999 00:00:00"}, "time_limit", too_long)
    _admin_refuses(
        staff_client, {"time_limit": "00:00:00.001"}, "time_limit", "Give a time limit of at least 1 minute (00:01:00)."
    )
    _database_refuses("quiz_time_limit_1_minute_to_8_hours", time_limit=timedelta(days=99_999_999))
    _database_refuses("quiz_time_limit_1_minute_to_8_hours", time_limit=timedelta(milliseconds=1))


def test_quiz_pace_out_of_range_refused(staff_client):
    pace = {"time_limit": ""}
    _admin_refuses(
        staff_client,
        pace | {"seconds_per_question": "100000000000"},
        "seconds_per_question",
        "Give at most 600 seconds (10 minutes) per question.",
    )
    _admin_refuses(
        staff_client,
        pace | {"seconds_per_question": "9"},
        "seconds_per_question",
        "Give at least 10 seconds per question.",
    )
    _database_refuses("quiz_pace_10_to_600_seconds", time_limit=None, seconds_per_question=601)


def test_quiz_marks_above_ten_or_zero_refused(staff_client):
    _admin_refuses(
        staff_client, {"marks_per_correct": "10.01"}, "marks_per_correct", "A correct answer earns at most 10 marks."
    )
    # Zero would make every score a share of a maximum of 0.
    _admin_refuses(
        staff_client, {"marks_per_correct": "0"}, "marks_per_correct", "A correct answer earns at least 0.01 marks."
    )
    _database_refuses("quiz_marks_at_most_10", marks_per_correct=Decimal("999.99"))


def test_quiz_penalty_overflow_refused(staff_client):
    # 32767/1 of 2 marks is -65,534 per wrong answer: more than Answer.marks holds (±9,999.99).
    _admin_refuses(
        staff_client,
        {"penalty_numerator": "32767", "penalty_denominator": "1"},
        "penalty_numerator",
        "The penalty is at most the marks for a correct answer: give a numerator no larger than the denominator (1).",
    )
    _database_refuses("quiz_penalty_at_most_the_marks", penalty_numerator=32767, penalty_denominator=1)


def test_quiz_window_off_the_calendar_refused(staff_client):
    # Year 1 failed the admin's own save (a 500 converting it to UTC); year 9999 failed grading
    # an after-close quiz, whose review cards come due the day after it closes.
    message = "Give a date from 1 January 2000 to 1 January 2100."
    _admin_refuses(staff_client, {"opens_at_0": "0001-01-01", "opens_at_1": "00:00:00"}, "opens_at", message)
    _admin_refuses(
        staff_client,
        {"closes_at_0": "9999-12-31", "closes_at_1": "23:59:59", "explanations": "after_close"},
        "closes_at",
        message,
    )
    _database_refuses("quiz_window_2000_to_2100", closes_at=datetime(9999, 12, 31, tzinfo=UTC))


def test_quiz_bounds_admit_their_edges(staff_client):
    edges = {
        "time_limit": "08:00:00",
        "marks_per_correct": "10",
        "penalty_numerator": "1",
        "penalty_denominator": "1",
    }
    response = staff_client.post(reverse("admin:quiz_quiz_add"), QUIZ_FORM | edges)
    assert response.status_code == 302
    quiz = Quiz.objects.get()
    assert (quiz.time_limit, quiz.marks_per_correct, quiz.marking.penalty) == (timedelta(hours=8), 10, 10)


# --- whatever the form accepts, a paper runs: start, save, submit or expiry, result, history ----------

# What an admin may type. Each example takes every field inside its bounds, edges included, and then
# may put one field beyond them: the form must accept the first kind (and the paper run) and refuse
# the second on that field.
LOCAL = timezone.make_naive  # the admin types local time
FIRST, LAST = LOCAL(datetime(2000, 1, 1, tzinfo=UTC)), LOCAL(datetime(2100, 1, 1, tzinfo=UTC))

inside = {
    "timing": st.one_of(
        st.tuples(
            st.just("time_limit"),
            st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(hours=8)).map(duration_string),
        ),
        st.tuples(st.just("seconds_per_question"), st.integers(10, 600).map(str)),
    ),
    "marks": st.decimals(min_value=Decimal("0.01"), max_value=10, places=2).map(str),
    # (numerator, denominator): at most the whole marks, in small terms or large ones.
    "penalty": st.one_of(st.integers(1, 12), st.integers(1, 32767)).flatmap(
        lambda d: st.tuples(st.integers(0, d), st.just(d))
    ),
    # (opens, closes): none, around the sitting, or at the bounds.
    "window": st.tuples(
        *[
            st.one_of(
                st.none(),
                st.timedeltas(min_value=-timedelta(days=1), max_value=timedelta(hours=20)).map(
                    lambda offset: LOCAL(T0 + offset)
                ),
                st.sampled_from([FIRST, LAST]),
            )
        ]
        * 2
    ).filter(lambda w: None in w or w[0] < w[1]),
}
beyond = {
    "timing": st.one_of(
        st.tuples(
            st.just("time_limit"),
            st.one_of(
                st.sampled_from(["00:00:59", "08:00:01", "99999999 00:00:00", "0.001"]),
                st.timedeltas(min_value=timedelta(hours=8, microseconds=1), max_value=timedelta(days=99_999_999)).map(
                    duration_string
                ),
            ),
        ),
        st.tuples(
            st.just("seconds_per_question"),
            st.one_of(st.sampled_from([0, 9, 601, 10**11]), st.integers(601, 10**12)).map(str),
        ),
    ),
    "marks": st.one_of(
        st.sampled_from(["0", "10.01", "999.99"]), st.decimals(Decimal("10.01"), 999, places=2).map(str)
    ),
    "penalty": st.one_of(
        st.sampled_from([(32767, 1), (1, 0), (4, 3)]),
        st.integers(1, 32766).flatmap(lambda d: st.tuples(st.integers(d + 1, 32767), st.just(d))),
    ),
    "window": st.one_of(
        st.sampled_from([FIRST - timedelta(seconds=1), LAST + timedelta(seconds=1)]),
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(1999, 12, 30)),
        st.datetimes(min_value=datetime(2100, 1, 2), max_value=datetime(9999, 12, 30)),
    ).flatmap(lambda moment: st.sampled_from([(moment, None), (None, moment)])),
}
# The fields where the form says what is wrong with each kind of value beyond the bounds.
REFUSED_ON = {
    "timing": {"time_limit", "seconds_per_question"},
    "marks": {"marks_per_correct"},
    "penalty": {"penalty_numerator", "penalty_denominator"},
    "window": {"opens_at", "closes_at"},
}


@st.composite
def quiz_values(draw):
    """Every field inside its bounds; then, half the time, one of them beyond (named, or None)."""
    values = {name: draw(strategy) for name, strategy in inside.items()}
    broken = draw(st.sampled_from([None, None, None, *beyond]))
    if broken is not None:
        values[broken] = draw(beyond[broken])
    return values, broken


def _quiz_form_class(staff):
    """The admin's own ModelForm for adding a quiz, as `staff` gets it."""
    request = RequestFactory().get(reverse("admin:quiz_quiz_add"))
    request.user = staff
    return admin.site._registry[Quiz].get_form(request, obj=None, change=False)


def _split(moment: datetime | None, name: str) -> dict:
    """A moment as the admin's split date and time inputs post it."""
    if moment is None:
        return {f"{name}_0": "", f"{name}_1": ""}
    return {f"{name}_0": f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}", f"{name}_1": f"{moment:%H:%M:%S}"}


def test_quiz_admin_accepted_values_never_break_a_paper(staff, student):
    form_class = _quiz_form_class(staff)
    questions = QuestionFactory.create_batch(3)
    pupil = Client()
    sat = []

    @db_examples(100)
    @given(
        quiz=quiz_values(),
        after_close=st.booleans(),
        extra_minutes=st.sampled_from([None, 1, 20, 60]),
        shuffle=st.booleans(),
        ending=st.sampled_from(["submit", "expire"]),
    )
    def check(quiz, after_close, shuffle, **sitting):
        values, broken = quiz
        (timing, value), (numerator, denominator), (opens_at, closes_at) = (
            values["timing"],
            values["penalty"],
            values["window"],
        )
        if after_close and closes_at is None:
            after_close = False  # needs a close (its own rule, not a bound)
        data = {
            **QUIZ_FORM,
            "selection": "fixed",
            "time_limit": "",
            "seconds_per_question": "",
            timing: value,
            "marks_per_correct": values["marks"],
            "penalty_numerator": str(numerator),
            "penalty_denominator": str(denominator),
            "explanations": "after_close" if after_close else "after_submit",
            "shuffle_options": "on" if shuffle else "",
            **_split(opens_at, "opens_at"),
            **_split(closes_at, "closes_at"),
        }
        with transaction.atomic():
            form = form_class(data)
            if form.is_valid():
                note(f"accepted: {data}")
                sat.append(_sit(form.save(), questions=questions, student=student, pupil=pupil, **sitting))
                assert broken is None, f"the form accepted {broken} beyond its bounds"
            else:
                assert broken is not None, form.errors
                assert set(form.errors) & REFUSED_ON[broken], form.errors
            transaction.set_rollback(True)

    check()
    # Most accepted quizzes were sat to the end, not refused at Start for their window.
    assert sat.count(True) >= 10


@contextmanager
def _signed_in_at(moment: datetime, pupil: Client, student):
    """The clock stopped at `moment`, with `student` signed in then: a session lasts two weeks, and the
    sitting's moments may be decades apart."""
    with time_machine.travel(moment, tick=False):
        pupil.force_login(student)
        yield


def _sit(quiz: Quiz, *, questions, student, pupil: Client, extra_minutes, ending) -> bool:
    """One sitting of `quiz` through its pages: one right, one wrong, one blank; then the result and
    history. False when the quiz was not open at the start (its page says so)."""
    cache.clear()  # rate limits on Start must not count the other examples' sittings
    for order, question in enumerate(questions, start=1):
        QuizQuestion.objects.create(quiz=quiz, question=question, order=order)
    if extra_minutes is not None:
        ExtraTime.objects.create(user=student, minutes_per_hour=extra_minutes)
    with _signed_in_at(T0, pupil, student):
        assert pupil.get(reverse("quiz_detail", args=[quiz.slug])).status_code == 200
        started = pupil.post(reverse("quiz_start", args=[quiz.slug]))
        attempt = Attempt.objects.filter(user=student, quiz=quiz).first()
        if attempt is None:  # not open yet, or closed already: the quiz's page says so
            assert started.url == quiz.get_absolute_url()
            assert not policy.start_check(quiz=quiz, open_attempt=None, taken=0, length=3, now=T0).may_start
            return False
        assert started.url == reverse("attempt_paper", args=[attempt.public_id])
        for question, choice in ((questions[0], right(questions[0])), (questions[1], wrong(questions[1]))):
            saved = pupil.post(
                reverse("attempt_answer", args=[attempt.public_id]), {"question": question.pk, "choice": choice.pk}
            )
            assert saved.status_code == 200, saved.content
        assert pupil.get(reverse("attempt_paper", args=[attempt.public_id])).status_code == 200
        if ending == "submit":
            submitted = pupil.post(reverse("attempt_submit", args=[attempt.public_id]), {"intent": "submit"})
            assert submitted.status_code == 302
    if ending == "expire":
        attempt.refresh_from_db()
        with time_machine.travel(attempt.deadline + policy.grace() + timedelta(seconds=1), tick=False):
            call_command("close_expired_attempts", stdout=StringIO())
    attempt.refresh_from_db()
    marking = attempt.marking
    assert (attempt.status, attempt.score) == (
        Attempt.Status.SUBMITTED if ending == "submit" else Attempt.Status.TIMED_OUT,
        to_decimal(marking.correct - marking.penalty),
    )
    later = max(T0, attempt.submitted_at) + timedelta(seconds=1)
    with _signed_in_at(later, pupil, student):
        assert pupil.get(reverse("attempt_result", args=[attempt.public_id])).status_code == 200
        assert pupil.get(reverse("history")).status_code == 200
    if quiz.closes_at is not None:
        with _signed_in_at(quiz.closes_at + policy.grace() + timedelta(days=2), pupil, student):
            assert pupil.get(reverse("attempt_result", args=[attempt.public_id])).status_code == 200
            assert pupil.get(reverse("practice")).status_code == 200
    return True


# --- quizzes saved before the bounds ------------------------------------------------------------------

BEFORE_BOUNDS = [("quiz", "0005_quiz_exam_conditions")]
WITH_BOUNDS = [("quiz", "0006_quiz_bounds")]


def test_quiz_bounds_migration_brings_older_quizzes_within_them(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_BOUNDS)
    old = executor.loader.project_state(BEFORE_BOUNDS).apps.get_model("quiz", "Quiz")
    far = datetime(9999, 12, 31, tzinfo=UTC)
    old.objects.create(slug="long", title="Long", time_limit=timedelta(days=99_999_999), marks_per_correct=999)
    old.objects.create(slug="pace", title="Pace", seconds_per_question=10**6, penalty_numerator=32767)
    old.objects.create(
        slug="far", title="Far", time_limit=timedelta(minutes=5), explanations="after_close", closes_at=far
    )
    old.objects.create(slug="fine", title="Fine", time_limit=timedelta(minutes=12))

    executor = MigrationExecutor(connection)
    executor.migrate(WITH_BOUNDS)
    new = executor.loader.project_state(WITH_BOUNDS).apps.get_model("quiz", "Quiz")
    rows = new.objects.order_by("slug").values_list(
        "slug", "time_limit", "seconds_per_question", "marks_per_correct", "penalty_numerator", "closes_at"
    )
    assert list(rows) == [
        ("far", timedelta(minutes=5), None, Decimal(2), 1, datetime(2100, 1, 1, tzinfo=UTC)),
        ("fine", timedelta(minutes=12), None, Decimal(2), 1, None),
        ("long", timedelta(hours=8), None, Decimal(10), 1, None),
        ("pace", None, 600, Decimal(2), 3, None),
    ]
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
