"""Scheduled live mocks (issue 16, item 1): the lobby, one start and one end for everyone, a late
joiner's time, extra time past the common end, and the all-India standing released at the close."""

import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from html import unescape

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from quiz import policy
from quiz.models import Attempt, ExtraTime, Quiz
from quiz.selectors import results
from quiz.services.attempts import attempt_start
from quiz.services.errors import QuizUnavailable
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import (
    HOUR,
    MINUTE,
    T0,
    closed_attempt,
    cohort,
    db_examples,
    graded_attempt,
    queries_for,
    quiz_form,
    right,
    wrong,
)

pytestmark = pytest.mark.django_db

# T0 is 14:30 in India (TIME_ZONE). The mock's lobby opens at 15:00, it starts for everyone at 15:30
# and closes at 17:30; its results appear after the 5 s grace.
LOBBY = T0 + 30 * MINUTE
STARTS = T0 + HOUR
CLOSES = T0 + 3 * HOUR
SECOND = timedelta(seconds=1)


@pytest.fixture
def questions():
    return QuestionFactory.create_batch(3)


@pytest.fixture
def mock(questions):
    return QuizFactory(
        slug="all-india",
        title="All-India mock 1",
        instructions="Read every statement twice.",
        questions=questions,
        time_limit=None,
        starts_at=STARTS,
        closes_at=CLOSES,
        lobby_minutes=30,
        explanations=Quiz.Explanations.AFTER_CLOSE,
        attempts_allowed=1,
        exam_conditions=True,
    )


def _text(html: str) -> str:
    """What a reader sees of `html`: its text without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()


# --- the lobby and the common start ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "stage"),
    [
        (LOBBY - SECOND, policy.Stage.SOON),
        (LOBBY, policy.Stage.LOBBY),
        (STARTS - SECOND, policy.Stage.LOBBY),
        (STARTS, policy.Stage.STARTED),
        (CLOSES - SECOND, policy.Stage.STARTED),
        (CLOSES, policy.Stage.CLOSED),
    ],
)
def test_live_mock_stage_at_each_boundary(mock, moment, stage):
    assert policy.stage(mock, moment) == stage


def test_live_mock_stage_is_none_for_a_quiz_without_a_common_start():
    assert policy.stage(QuizFactory(), T0) is None


@pytest.mark.parametrize(
    ("moment", "refusal"),
    [
        (LOBBY - SECOND, policy.StartRefusal.BEFORE_START),
        (STARTS - timedelta(microseconds=1), policy.StartRefusal.BEFORE_START),
        (STARTS, None),
        (CLOSES - SECOND, None),
        (CLOSES, policy.StartRefusal.CLOSED),
    ],
)
def test_live_mock_start_check_opens_at_the_common_start_and_not_before(mock, moment, refusal):
    check = policy.start_check(quiz=mock, open_attempt=None, taken=0, length=3, now=moment)
    assert check.refusal == refusal


def test_live_mock_start_before_the_start_is_refused_with_its_reason_and_makes_nothing(
    student_client, mock, time_machine
):
    time_machine.move_to(STARTS - SECOND, tick=False)
    response = student_client.post(reverse("quiz_start", args=[mock.slug]), follow=True)
    assert response.redirect_chain == [(mock.get_absolute_url(), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "This live mock starts for everyone at 22 November 2026, 15:30, not before: "
        "wait in its lobby and press Start then."
    ]
    assert not Attempt.objects.exists()


def test_live_mock_service_refuses_a_start_a_microsecond_early(student, mock):
    with pytest.raises(QuizUnavailable) as refused:
        attempt_start(quiz=mock, user=student, now=STARTS - timedelta(microseconds=1))
    assert refused.value.reason == policy.StartRefusal.BEFORE_START
    assert not Attempt.objects.exists()


def test_live_mock_papers_started_at_the_start_all_end_at_the_close(mock):
    papers = [attempt_start(quiz=mock, user=UserFactory(), now=STARTS).attempt for _ in range(3)]
    assert {paper.deadline for paper in papers} == {CLOSES}
    assert {policy.seconds_left(paper, STARTS) for paper in papers} == {2 * 3600}


def test_live_mock_late_joiner_gets_only_the_time_that_is_left(student_client, student, mock, time_machine):
    late = STARTS + 90 * MINUTE + 30 * SECOND
    time_machine.move_to(late, tick=False)
    page = _text(student_client.get(mock.get_absolute_url()).content.decode())
    assert "Started now, your paper has 29:30: it ends with everyone's." in page
    response = student_client.post(reverse("quiz_start", args=[mock.slug]))
    attempt = Attempt.objects.get(user=student)
    assert response.url == attempt.get_absolute_url()
    assert attempt.deadline == CLOSES
    paper = student_client.get(attempt.get_absolute_url())
    assert paper.context["seconds_left"] == 29 * 60 + 30


def test_live_mock_extra_time_is_added_to_the_common_end(student_client, student, mock, time_machine):
    # 20 minutes an hour over the two-hour sitting: 40 minutes past the common end, however late.
    ExtraTime.objects.create(user=student, minutes_per_hour=20)
    on_time = attempt_start(quiz=mock, user=student, now=STARTS).attempt
    assert on_time.deadline == CLOSES + 40 * MINUTE

    late_student = UserFactory()
    ExtraTime.objects.create(user=late_student, minutes_per_hour=20)
    time_machine.move_to(CLOSES - MINUTE, tick=False)
    student_client.force_login(late_student)
    page = _text(student_client.get(mock.get_absolute_url()).content.decode())
    assert "Started now, your paper has 41:00: it ends with everyone's, plus your extra time." in page
    late = attempt_start(quiz=mock, user=late_student, now=CLOSES - MINUTE).attempt
    assert late.deadline == CLOSES + 40 * MINUTE
    assert policy.seconds_left(late, CLOSES - MINUTE) == 41 * 60

    time_machine.move_to(LOBBY, tick=False)
    other = UserFactory(username="kiran")
    ExtraTime.objects.create(user=other, minutes_per_hour=20)
    student_client.force_login(other)
    html = _text(student_client.get(mock.get_absolute_url()).content.decode())
    assert (
        "A live mock: 2 h. Every paper starts at 22 November 2026, 15:30 and ends at 22 November 2026, 17:30 "
        "(yours at 22 November 2026, 18:10, with your extra time), however late it is started: a student who "
        "starts late gets only the time that is left."
    ) in html


def test_live_mock_release_waits_for_the_last_paper_with_extra_time(student, mock):
    ExtraTime.objects.create(user=student, minutes_per_hour=20)
    attempt_start(quiz=mock, user=student, now=STARTS)
    now = CLOSES + MINUTE
    assert results.key_releases([mock], now=now)[mock.pk] == CLOSES + 40 * MINUTE + policy.grace()


def test_live_mock_page_before_the_lobby_says_when_it_opens(student_client, mock, time_machine):
    time_machine.move_to(LOBBY - SECOND, tick=False)
    html = student_client.get(mock.get_absolute_url()).content.decode()
    assert (
        "This live mock starts for everyone at 22 November 2026, 15:30. Its lobby opens at 22 November 2026, "
        "15:00, 30 minutes before."
    ) in html
    assert 'id="lobby"' not in html and "Start the paper" not in html and "js/lobby.js" not in html


def test_live_mock_lobby_shows_the_countdown_instructions_marking_and_sign_in(student_client, mock, time_machine):
    time_machine.move_to(STARTS - 90 * SECOND, tick=False)
    response = student_client.get(mock.get_absolute_url())
    html = response.content.decode()
    lobby = re.search(r'<section class="card border-primary mb-3" id="lobby"[^>]*>', html).group(0)
    assert 'data-state-url="/quizzes/all-india/lobby/"' in lobby
    assert 'data-seconds-to-start="90"' in lobby
    text = _text(html)
    assert "Starts for everyone at 15:30, in 01:30" in text
    assert "✓ Signed in as asha: you are ready to start." in text
    assert "Read every statement twice." in text
    assert "Marking: +2 for a correct answer" in text
    assert "Start the paper Start opens at 15:30." in text
    assert "js/lobby.js" in html


def test_live_mock_lobby_asks_a_visitor_to_sign_in(client, mock, time_machine):
    time_machine.move_to(STARTS - MINUTE, tick=False)
    html = client.get(mock.get_absolute_url()).content.decode()
    assert "You are not signed in: sign in now, so that you can start the moment the mock does." in html
    assert '<a href="/accounts/login/?next=/quizzes/all-india/">Log in</a>' in html
    assert "Start the paper" not in html


def test_live_mock_page_at_the_start_offers_start_and_no_lobby(student_client, mock, time_machine):
    time_machine.move_to(STARTS, tick=False)
    html = student_client.get(mock.get_absolute_url()).content.decode()
    assert 'id="lobby"' not in html
    assert '<button type="submit" class="btn btn-primary btn-lg">Start the paper</button>' in html


@pytest.mark.parametrize(
    ("moment", "stage", "seconds"),
    [
        (LOBBY - SECOND, "soon", 30 * 60 + 1),
        (STARTS - 1.5 * SECOND, "lobby", 2),  # rounded up: the lobby never opens Start early
        (STARTS, "started", 0),
        (CLOSES, "closed", 0),
    ],
)
def test_live_mock_lobby_clock_says_where_the_mock_stands(client, mock, time_machine, moment, stage, seconds):
    time_machine.move_to(moment, tick=False)
    response = client.get(reverse("quiz_lobby", args=[mock.slug]))
    assert response.json() == {"stage": stage, "seconds_to_start": seconds, "signed_in": False}
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_live_mock_lobby_clock_knows_a_signed_in_student_in_one_query(student_client, mock, time_machine):
    time_machine.move_to(STARTS - MINUTE, tick=False)
    url = reverse("quiz_lobby", args=[mock.slug])
    assert student_client.get(url).json()["signed_in"] is True
    assert queries_for(student_client, url, app_only=True) == 1


@pytest.mark.parametrize("slug", ["no-such-mock", "plain", "unpublished"])
def test_live_mock_lobby_clock_is_a_json_404_for_anything_but_a_published_live_mock(client, mock, slug):
    QuizFactory(slug="plain")
    Quiz.objects.filter(pk=mock.pk).update(slug="unpublished", is_published=False)
    response = client.get(reverse("quiz_lobby", args=[slug]))
    assert response.status_code == 404
    assert response.json() == {
        "error": "There is nothing at this address for you: it may be mistyped, or belong to someone else's account."
    }


def test_live_mock_lobby_page_queries_are_few_and_constant(client, student, mock, time_machine):
    time_machine.move_to(STARTS - MINUTE, tick=False)
    client.force_login(student)
    url = mock.get_absolute_url()
    small = queries_for(client, url, app_only=True)
    QuestionFactory.create_batch(20)
    Quiz.objects.filter(pk=mock.pk).update(lobby_minutes=60)
    for other in UserFactory.create_batch(5):
        ExtraTime.objects.create(user=other, minutes_per_hour=20)
    assert small == 7
    assert queries_for(client, url, app_only=True) == small


# --- the release at the close: all-India rank, percentile, topper and average ------------------------


@pytest.fixture
def papers(student, mock, questions, time_machine):
    """Four students sit the mock from its start: 6.00 (all right), 4.00 twice (a tie: the `student`,
    asha, and meera, who leaves one blank) and -0.67 (one wrong)."""
    a, b, c = questions
    time_machine.move_to(STARTS, tick=False)
    sitting = {
        "topper": (UserFactory(username="topper"), {a: right(a), b: right(b), c: right(c)}),
        "asha": (student, {a: right(a), b: right(b)}),
        "meera": (UserFactory(username="meera"), {a: right(a), b: right(b), c: None}),
        "last": (UserFactory(username="last"), {a: wrong(a)}),
    }
    return {
        name: graded_attempt(user=user, quiz=mock, picks=picks, now=STARTS + index * MINUTE)
        for index, (name, (user, picks)) in enumerate(sitting.items())
    }


def test_live_mock_result_shows_nothing_before_the_release_and_the_all_india_standing_after(
    student_client, papers, time_machine
):
    url = reverse("attempt_result", args=[papers["asha"].public_id])

    time_machine.move_to(CLOSES + policy.grace(), tick=False)  # the last instant still sealed
    html = student_client.get(url).content.decode()
    assert "your result appears at 22 November 2026, 17:30:05." in html
    for told in ("data-all-india", "All-India standing", "All-India rank", "Topper", "Average", "data-score", "rank"):
        assert told not in html, told

    time_machine.move_to(CLOSES + policy.grace() + SECOND, tick=False)
    html = student_client.get(url).content.decode()
    standing = _text(re.search(r"<section[^>]*data-all-india>(.*?)</section>", html, re.DOTALL).group(1))
    assert standing == (
        "All-India standing All-India rank 2 of 4 (tied with 1 other) · "
        "percentile 50: you outscored 50% of the others, a tie counting as half. "
        "Topper: 6.00 / 6.00, 100.0% · Average: 3.33, 55.5% · You: 4.00 Your history of this quiz"
    )


def test_live_mock_standing_ranks_ties_together_with_the_topper_and_average(papers):
    by_name = {name: results.standing(paper) for name, paper in papers.items()}
    assert {name: (s.rank, s.of, s.tied, s.percentile_shown) for name, s in by_name.items()} == {
        "topper": (1, 4, 0, 100),
        "asha": (2, 4, 1, 50),
        "meera": (2, 4, 1, 50),
        "last": (4, 4, 0, 0),
    }
    # The same field whoever asks: the topper's and the average, in marks and in percent of the maximum.
    assert {by_name[name].cohort for name in by_name} == {cohort("6.00", "3.33", "100.0", "55.5")}


@db_examples(15)
@given(hundredths=st.lists(st.integers(min_value=-333, max_value=1000), min_size=1, max_size=6))
@example(hundredths=[0, 0, 0, -291, -333, 615])  # a mean of -0.015, which SQLite's float sum rounded up
def test_live_mock_standing_matches_its_definition_for_any_field(mock, hundredths):
    """Rank, ties, percentile, topper and average from the one aggregate query equal the definitions
    in docs/ARCHITECTURE.md ("Live mocks") worked out in Python, for every paper of any field."""
    scores = [Decimal(value) / 100 for value in hundredths]
    with transaction.atomic():
        papers = [closed_attempt(UserFactory(), mock, str(score)) for score in scores]
        for paper, score in zip(papers, scores, strict=True):
            others = list(scores)
            others.remove(score)
            higher, lower = sum(o > score for o in others), sum(o < score for o in others)
            tied = len(others) - higher - lower
            standing = results.standing(paper)
            assert (standing.rank, standing.of, standing.tied) == (1 + higher, len(scores), tied)
            percentile = Fraction(2 * lower + tied, 2 * len(others)) * 100 if others else None
            assert standing.percentile == percentile
            assert standing.cohort.top == max(scores)
            assert standing.cohort.average == (sum(scores) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert standing.cohort.top_percent == max(scores) * 10
            # Shares are averaged in floating point: within the last place shown of the exact mean.
            assert abs(standing.cohort.average_percent - sum(scores) * 10 / len(scores)) <= Decimal("0.1")
        transaction.set_rollback(True)


def test_live_mock_cohort_in_percent_only_when_papers_have_different_maxima(student, mock, questions):
    first = graded_attempt(user=student, quiz=mock, picks={questions[0]: right(questions[0])}, now=STARTS)
    other = graded_attempt(user=UserFactory(), quiz=mock, picks={}, now=STARTS)
    Attempt.objects.filter(pk=other.pk).update(max_score=Decimal("4.00"), score=Decimal("4.00"))
    # 2.00 of 6.00 (33.3%) and 4.00 of 4.00 (100%): no marks to compare, the shares average 66.7%.
    assert results.standing(first).cohort == cohort(None, None, "100.0", "66.7")


def test_live_mock_result_page_queries_are_constant_in_the_size_of_the_field(
    client, student, mock, questions, time_machine
):
    time_machine.move_to(STARTS, tick=False)
    mine = graded_attempt(user=student, quiz=mock, picks={questions[0]: right(questions[0])}, now=STARTS)
    others = [UserFactory() for _ in range(12)]
    for other in others[:2]:
        graded_attempt(user=other, quiz=mock, picks={questions[1]: right(questions[1])}, now=STARTS)
    time_machine.move_to(CLOSES + HOUR, tick=False)
    client.force_login(student)
    url = reverse("attempt_result", args=[mine.public_id])
    client.get(url)  # the first review of these versions reads them to cache their keys (content/fragments.py)
    small = queries_for(client, url, app_only=True)
    time_machine.move_to(STARTS, tick=False)
    for other in others[2:]:
        graded_attempt(user=other, quiz=mock, picks={questions[2]: wrong(questions[2])}, now=STARTS)
    time_machine.move_to(CLOSES + HOUR, tick=False)
    assert small == 9
    assert queries_for(client, url, app_only=True) == small
    assert "All-India rank <strong data-rank>1</strong> of 13 (tied with 2 others)" in client.get(url).content.decode()


# --- the admin and the bank: bounds with a clear message, never a 500 ------------------------------


def _live_form(**fields) -> dict:
    """The admin's add-quiz form for a live mock at 15:30 to 17:30 India time on 22 November 2026."""
    live = {
        "title": "All-India mock",
        "time_limit": "",
        "explanations": "after_close",
        "starts_at_0": "2026-11-22",
        "starts_at_1": "15:30:00",
        "closes_at_0": "2026-11-22",
        "closes_at_1": "17:30:00",
        "lobby_minutes": "45",
    }
    return quiz_form(**live | fields)


def test_admin_adds_a_live_mock(staff_client):
    response = staff_client.post(reverse("admin:quiz_quiz_add"), _live_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    quiz = Quiz.objects.get(slug="weekly")
    assert (quiz.starts_at, quiz.closes_at, quiz.lobby_minutes) == (STARTS, CLOSES, 45)
    assert (quiz.time_limit, quiz.attempts_allowed, quiz.exam_conditions) == (None, 1, True)
    assert quiz.time_for(0) == 2 * HOUR


def test_admin_live_mock_form_shows_its_fieldset(staff_client):
    html = staff_client.get(reverse("admin:quiz_quiz_add")).content.decode()
    assert "Live mock: a common start" in html
    assert 'name="lobby_minutes" value="30"' in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lobby_minutes": "0"}, "Open the lobby at least 1 minute before the start."),
        ({"lobby_minutes": "1441"}, "Open the lobby at most 1440 minutes (a day) before the start."),
        ({"lobby_minutes": "99999999999999999999"}, "Open the lobby at most 1440 minutes (a day) before the start."),
        ({"lobby_minutes": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"lobby_minutes": "soon"}, "Enter a whole number."),
        (
            {"time_limit": "00:30:00"},
            "A live mock with a common start runs from its start to its close: leave the time limit and seconds "
            "per question empty.",
        ),
        (
            {"closes_at_1": "23:59:00"},
            "A live mock runs from 1 minute to 8 hours: close it that long after its common start.",
        ),
        (
            {"closes_at_1": "15:00:00"},
            "A live mock with a common start needs a close after its start, no separate opening (its lobby opens "
            "before the start), and explanations only after it closes.",
        ),
        (
            {"explanations": "after_submit"},
            "A live mock with a common start needs a close after its start, no separate opening (its lobby opens "
            "before the start), and explanations only after it closes.",
        ),
        ({"starts_at_0": "1999-12-31"}, "Give a date from 1 January 2000 to 1 January 2100."),
    ],
)
def test_admin_refuses_an_absurd_live_mock_with_a_clear_message(staff_client, fields, message):
    response = staff_client.post(reverse("admin:quiz_quiz_add"), _live_form(**fields))
    assert response.status_code == 200
    summary = [line.text for line in response.context["error_summary"]]
    assert any(message in line for line in summary), summary
    assert not Quiz.objects.exists()


def test_live_mock_database_refuses_a_lobby_out_of_bounds(mock):
    with pytest.raises(IntegrityError, match="quiz_lobby_1_to_1440_minutes"), transaction.atomic():
        Quiz.objects.filter(pk=mock.pk).update(lobby_minutes=0)
    with pytest.raises(IntegrityError, match="quiz_scheduled_timed_by_its_schedule"), transaction.atomic():
        Quiz.objects.filter(pk=mock.pk).update(time_limit=HOUR)


def test_live_mock_quiz_list_says_when_it_starts(client, mock, time_machine):
    time_machine.move_to(T0, tick=False)
    html = client.get(reverse("quiz_list")).content.decode()
    assert (
        "<span data-live>A live mock: it starts for everyone at 22 Nov 2026, 15:30, and its lobby opens 30 minutes "
        "before.</span>"
    ) in html


def test_admin_lists_a_live_mock_timed_by_its_schedule(staff_client, mock):
    listed = staff_client.get(reverse("admin:quiz_quiz_changelist")).content.decode()
    assert '<td class="field-timing">live: 120 min from the common start</td>' in listed
    change = staff_client.get(reverse("admin:quiz_quiz_change", args=[mock.pk])).content.decode()
    assert 'name="starts_at_0" value="22/11/2026"' in change and 'name="starts_at_1" value="15:30:00"' in change
