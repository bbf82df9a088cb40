"""Standing among first attempts, item analysis for staff, and what only staff may open."""

from datetime import timedelta
from fractions import Fraction

import pytest
from django.urls import reverse

from quiz.models import Attempt
from quiz.selectors import items, results
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import MINUTE, T0, closed_attempt, cohort, graded_attempt, queries_for, right, wrong

pytestmark = pytest.mark.django_db


# --- standing ------------------------------------------------------------------------------------


@pytest.fixture
def quiz(db):
    return QuizFactory(slug="drill", title="Drill")


def test_standing_counts_ties_as_half(student, quiz):
    for n, score in enumerate(["10", "8", "8", "6"]):
        closed_attempt(UserFactory(username=f"other{n}"), quiz, score)
    mine = closed_attempt(student, quiz, "8")
    # The topper and the average of the same five papers come with it (from the same one query).
    assert results.standing(mine) == results.Standing(
        rank=2,
        of=5,
        tied=2,
        percentile=Fraction(50),
        first_attempt=True,
        cohort=cohort("10.00", "8.00", "100.0", "80.0"),
    )


def test_standing_top_and_bottom(student, quiz):
    for n, score in enumerate(["4", "2", "-1.33"]):
        closed_attempt(UserFactory(username=f"other{n}"), quiz, score)
    top = closed_attempt(student, quiz, "9.33")
    assert (results.standing(top).rank, results.standing(top).percentile) == (1, Fraction(100))
    assert results.standing(top).cohort == cohort("9.33", "3.50", "93.3", "35.0")
    bottom = closed_attempt(UserFactory(username="last"), quiz, "-2")
    # Compared with the four others (the student's 9.33 among them): nobody below, nobody tied.
    assert results.standing(bottom) == results.Standing(
        rank=5,
        of=5,
        tied=0,
        percentile=Fraction(0),
        first_attempt=True,
        cohort=cohort("9.33", "2.40", "93.3", "24.0"),
    )


def test_standing_compares_shares_of_the_maximum(student, quiz):
    closed_attempt(UserFactory(username="other"), quiz, "10", max_score="20")  # 50%
    mine = closed_attempt(student, quiz, "5", max_score="10")  # 50% too: a tie
    # Maxima differ, so the topper and average are shares of the maximum only.
    assert results.standing(mine) == results.Standing(
        rank=1,
        of=2,
        tied=1,
        percentile=Fraction(50),
        first_attempt=True,
        cohort=cohort(None, None, "50.0", "50.0"),
    )


def test_standing_ranks_a_retake_against_other_students_first_attempts(student, quiz):
    closed_attempt(UserFactory(username="other"), quiz, "6")
    closed_attempt(UserFactory(username="other"), quiz, "9", number=2, at=T0 + MINUTE)  # a retake: not in the field
    closed_attempt(student, quiz, "2")
    retake = closed_attempt(student, quiz, "8", number=2, at=T0 + 2 * MINUTE)
    assert results.standing(retake) == results.Standing(
        rank=1,
        of=2,
        tied=0,
        percentile=Fraction(100),
        first_attempt=False,
        cohort=cohort("8.00", "7.00", "80.0", "70.0"),
    )


def test_standing_alone_has_no_percentile(student, quiz):
    assert results.standing(closed_attempt(student, quiz, "4")) == results.Standing(
        rank=1,
        of=1,
        tied=0,
        percentile=None,
        first_attempt=True,
        cohort=cohort("4.00", "4.00", "40.0", "40.0"),
    )


def test_result_page_shows_rank_and_percentile(student_client, student, quiz):
    for n, score in enumerate(["10", "8", "8", "6"]):
        closed_attempt(UserFactory(username=f"other{n}"), quiz, score)
    mine = closed_attempt(student, quiz, "8")
    html = student_client.get(reverse("attempt_result", args=[mine.public_id])).content.decode()
    assert "rank <strong>2</strong> of 5 (tied with 2 others), percentile <strong>50</strong>" in html
    assert "you outscored 50% of the others, a tie counting as half" in html


# --- item analysis -------------------------------------------------------------------------------


@pytest.fixture
def matrix():
    """Five students' first attempts at five questions (R right, W wrong, B blank):

          Q1 Q2 Q3 Q4 Q5   score
    s1:   R  R  R  W  B    5.33
    s2:   R  R  B  R  B    6.00   <- upper 27% (one paper of five)
    s3:   R  W  R  B  B    3.33
    s4:   R  W  B  B  B    1.33
    s5:   W  B  W  R  B    0.67   <- lower 27%
    """
    questions = [QuestionFactory(key=f"m-{n}") for n in range(1, 6)]
    quiz = QuizFactory(slug="matrix", title="Matrix", questions=questions)
    grid = ["RRRWB", "RRBRB", "RWRBB", "RWBBB", "WBWRB"]
    students = []
    for n, row in enumerate(grid, start=1):
        student = UserFactory(username=f"s{n}")
        picks = {q: {"R": right(q), "W": wrong(q), "B": None}[mark] for q, mark in zip(questions, row, strict=True)}
        graded_attempt(user=student, quiz=quiz, picks=picks, now=T0 + n * MINUTE)
        students.append(student)
    # A retake, full marks: left out, as the student had seen the key.
    graded_attempt(user=students[4], quiz=quiz, picks={q: right(q) for q in questions}, now=T0 + 10 * MINUTE)
    return quiz, questions


def test_item_analysis_on_a_known_matrix(matrix):
    quiz, _ = matrix
    analysis = items.item_analysis(quiz)
    assert (analysis.students, analysis.upper_size, analysis.lower_size) == (5, 1, 1)
    assert [
        (row.question.key, row.seen, row.answered, row.correct, row.facility, row.discrimination)
        for row in analysis.rows
    ] == [
        ("m-1", 5, 5, 4, Fraction(4, 5), Fraction(1)),
        ("m-2", 5, 4, 2, Fraction(2, 5), Fraction(1)),
        ("m-3", 5, 3, 2, Fraction(2, 5), Fraction(0)),
        ("m-4", 5, 3, 2, Fraction(2, 5), Fraction(0)),
        ("m-5", 5, 0, 0, Fraction(0), Fraction(0)),
    ]
    assert [row.flags for row in analysis.rows] == [
        [],
        [],
        ["discriminates poorly (below 0.1)"],
        ["discriminates poorly (below 0.1)"],
        ["too hard (facility below 0.2)", "discriminates poorly (below 0.1)"],
    ]
    q1 = analysis.rows[0]
    assert [(option.choice.text, option.chosen) for option in q1.options] == [
        ("Right answer", 4),
        ("Wrong one", 1),
        ("Wrong two", 0),
        ("Wrong three", 0),
    ]
    assert q1.average_time == timedelta(seconds=10)  # every student answered it 10 s in


def test_item_analysis_too_easy_flag(db):
    question = QuestionFactory()
    quiz = QuizFactory(questions=[question])
    for n in range(10):
        graded_attempt(user=UserFactory(), quiz=quiz, picks={question: right(question)}, now=T0 + n * MINUTE)
    (row,) = items.item_analysis(quiz).rows
    assert (row.facility, row.discrimination, row.flags) == (
        Fraction(1),
        Fraction(0),
        ["too easy (facility above 0.9)", "discriminates poorly (below 0.1)"],
    )


def test_item_analysis_sorts(matrix):
    quiz, _ = matrix
    assert [row.question.key for row in items.item_analysis(quiz, sort="answered").rows] == [
        "m-5",
        "m-3",
        "m-4",
        "m-2",
        "m-1",
    ]
    assert [row.question.key for row in items.item_analysis(quiz, sort="facility").rows] == [
        "m-5",
        "m-2",
        "m-3",
        "m-4",
        "m-1",
    ]
    assert [row.question.key for row in items.item_analysis(quiz, sort="-discrimination").rows][:2] == [
        "m-1",
        "m-2",
    ]


def test_quiz_stats_page_for_staff(staff_client, matrix):
    quiz, _ = matrix
    html = staff_client.get(reverse("quiz_stats", args=[quiz.slug]), {"sort": "facility"}).content.decode()
    assert "From <strong data-students>5</strong> students' first attempts" in html
    first_row = html[html.index('data-key="m-5"') :]
    assert '<td class="text-end" data-facility>0.00</td>' in first_row[:2000]
    assert html.index('data-key="m-5"') < html.index('data-key="m-1"')
    assert "too hard (facility below 0.2); discriminates poorly (below 0.1)" in html
    assert "With fewer than 20 first attempts" in html


def test_quiz_stats_page_says_one_student_in_the_singular(staff_client):
    question = QuestionFactory()
    quiz = QuizFactory(questions=[question])
    graded_attempt(user=UserFactory(), quiz=quiz, picks={question: right(question)}, now=T0)
    html = staff_client.get(reverse("quiz_stats", args=[quiz.slug])).content.decode()
    assert "From <strong data-students>1</strong> student's first attempt (retakes" in html


def test_quiz_stats_unknown_sort_falls_back_to_position(staff_client, matrix):
    quiz, _ = matrix
    html = staff_client.get(reverse("quiz_stats", args=[quiz.slug]), {"sort": "';drop"}).content.decode()
    assert html.index('data-key="m-1"') < html.index('data-key="m-5"')


def test_quiz_stats_unknown_quiz_is_404(staff_client):
    assert staff_client.get(reverse("quiz_stats", args=["nope"])).status_code == 404


def test_quiz_stats_queries_do_not_grow_with_attempts(staff_client, db, django_assert_num_queries):
    questions = [QuestionFactory() for _ in range(3)]
    quiz = QuizFactory(questions=questions)
    graded_attempt(user=UserFactory(), quiz=quiz, picks={questions[0]: right(questions[0])}, now=T0)
    with django_assert_num_queries(13):
        one = queries_for(staff_client, reverse("quiz_stats", args=[quiz.slug]))
    for n in range(1, 20):
        picks = {q: (right(q) if (n + i) % 3 else wrong(q)) for i, q in enumerate(questions)}
        graded_attempt(user=UserFactory(), quiz=quiz, picks=picks, now=T0 + n * MINUTE)
    assert Attempt.objects.filter(quiz=quiz).count() == 20
    with django_assert_num_queries(13):
        assert queries_for(staff_client, reverse("quiz_stats", args=[quiz.slug])) == one


# --- staff only ----------------------------------------------------------------------------------


@pytest.fixture
def staff_urls(quiz):
    return [
        reverse("quiz_stats", args=[quiz.slug]),
        reverse("admin:index"),
        reverse("admin:quiz_attempt_changelist"),
        reverse("admin:quiz_attempt_export"),
        reverse("admin:quiz_quiz_changelist"),
        reverse("admin:quiz_reviewcard_changelist"),
    ]


def test_staff_pages_send_a_student_away(student_client, staff_urls):
    for url in staff_urls:
        response = student_client.get(url)
        if url.startswith("/admin/"):
            assert (response.status_code, response.url.split("?")[0]) == (302, reverse("admin:login")), url
        else:
            assert response.status_code == 403, url


def test_staff_pages_send_a_visitor_to_log_in(client, staff_urls):
    for url in staff_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.split("?")[0] in (reverse("login"), reverse("admin:login")), url


def test_item_analysis_ties_join_both_groups_whatever_the_order(db):
    q1, q2 = QuestionFactory(key="t-1"), QuestionFactory(key="t-2")
    quiz = QuizFactory(questions=[q1, q2])
    # Four students all score 2 - 2/3: who sat first must not decide who is "top".
    for n, (first, second) in enumerate([("R", "W"), ("W", "R"), ("R", "W"), ("W", "R")]):
        picks = {q1: right(q1) if first == "R" else wrong(q1), q2: right(q2) if second == "R" else wrong(q2)}
        graded_attempt(user=UserFactory(), quiz=quiz, picks=picks, now=T0 + n * MINUTE)
    analysis = items.item_analysis(quiz)
    assert (analysis.upper_size, analysis.lower_size) == (4, 4)
    assert [(row.facility, row.discrimination) for row in analysis.rows] == [
        (Fraction(1, 2), Fraction(0)),
        (Fraction(1, 2), Fraction(0)),
    ]


def test_item_analysis_groups_of_27_percent(db):
    question = QuestionFactory()
    quiz = QuizFactory(questions=[question])
    for n in range(11):  # 27% of 11 is 2.97: three papers a group
        graded_attempt(user=UserFactory(), quiz=quiz, picks={question: right(question) if n < 6 else None}, now=T0)
    analysis = items.item_analysis(quiz)
    assert (analysis.upper_size, analysis.lower_size) == (6, 5)  # ties at each cut join their group
    (row,) = analysis.rows
    assert row.discrimination == Fraction(1)


def test_item_analysis_one_paper_has_no_discrimination(db):
    question = QuestionFactory()
    quiz = QuizFactory(questions=[question])
    graded_attempt(user=UserFactory(), quiz=quiz, picks={question: right(question)}, now=T0)
    (row,) = items.item_analysis(quiz).rows
    assert (row.facility, row.discrimination) == (Fraction(1), None)


@pytest.mark.parametrize(
    ("standing", "shown"),
    [
        (results.Standing(rank=1, of=251, tied=1, percentile=Fraction(499, 5), first_attempt=True), 99),
        (results.Standing(rank=1, of=251, tied=0, percentile=Fraction(100), first_attempt=True), 100),
        (results.Standing(rank=499, of=501, tied=0, percentile=Fraction(1, 5), first_attempt=True), 1),
        (results.Standing(rank=250, of=251, tied=1, percentile=Fraction(1, 5), first_attempt=True), 0),
        (results.Standing(rank=251, of=251, tied=0, percentile=Fraction(0), first_attempt=True), 0),
        (results.Standing(rank=2, of=5, tied=2, percentile=Fraction(50), first_attempt=True), 50),
        (results.Standing(rank=2, of=9, tied=0, percentile=Fraction(175, 2), first_attempt=True), 88),
    ],
)
def test_standing_percentile_shown_never_rounds_to_an_extreme_it_is_not(standing, shown):
    assert standing.percentile_shown == shown
