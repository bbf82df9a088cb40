"""The student's history page: attempts, totals, the chart, and mastery by topic, trap and statement."""

import re
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse

from quiz.models import Attempt
from quiz.selectors import progress
from quiz.services.attempts import attempt_start, attempt_submit, practice_start
from tests.factories import (
    AssertionReasonQuestionFactory,
    NoteFactory,
    QuestionFactory,
    QuizFactory,
    StatementQuestionFactory,
    UserFactory,
)
from tests.helpers import HOUR, T0, graded_attempt, queries_for, right, wrong
from tests.helpers import history_rows as rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions():
    return [QuestionFactory(key=f"h-{n}") for n in range(1, 6)]


@pytest.fixture
def quiz(questions):
    return QuizFactory(slug="drill", title="Drill", questions=questions)


@pytest.fixture
def three_papers(student, quiz, questions):
    """8/15, 1 and -1/3 of the maximum: 5.33, 10.00 and -3.33 out of 10."""
    q1, q2, q3, q4, _ = questions
    return [
        graded_attempt(
            user=student, quiz=quiz, picks={q1: right(q1), q2: right(q2), q3: right(q3), q4: wrong(q4)}, now=T0
        ),
        graded_attempt(user=student, quiz=quiz, picks={q: right(q) for q in questions}, now=T0 + HOUR),
        graded_attempt(user=student, quiz=quiz, picks={q: wrong(q) for q in questions}, now=T0 + 2 * HOUR),
    ]


def test_history_lists_closed_attempts_newest_first_with_totals(student_client, three_papers):
    html = student_client.get(reverse("history")).content.decode()
    assert rows(html) == [
        "22 Nov 2026, 16:31 Drill (attempt 3) \u22123.33 / 10.00 5 of 5 0.0% 0 / 5 / 0 1 min Submitted",
        "22 Nov 2026, 15:31 Drill (attempt 2) 10.00 / 10.00 5 of 5 100.0% 5 / 0 / 0 1 min Submitted",
        "22 Nov 2026, 14:30 Drill 5.33 / 10.00 4 of 5 75.0% 3 / 1 / 1 50 s Submitted",
    ]
    for attempt in three_papers:
        assert f'href="{reverse("attempt_result", args=[attempt.public_id])}"' in html
    assert '<div class="fs-3 fw-semibold" data-papers>3</div>' in html
    assert "8 right, 6 wrong, 1 blank" in html


def test_history_summary_exact_figures(student, three_papers):
    summary = progress.history_summary(progress.history(student), now=T0 + 3 * HOUR)
    assert summary == progress.HistorySummary(
        papers=3, questions=15, correct=8, wrong=6, blank=1, best=Fraction(1), average=Fraction(2, 5)
    )
    assert summary.accuracy == Fraction(8, 14)


def test_history_shows_only_the_students_closed_attempts(student_client, student, quiz, questions, three_papers):
    other = UserFactory(username="ravi")
    graded_attempt(user=other, quiz=quiz, picks={}, now=T0)
    attempt_start(quiz=quiz, user=student)  # open: not history yet
    html = student_client.get(reverse("history")).content.decode()
    assert len(rows(html)) == 3


def test_history_filters_by_quiz(student_client, student, three_papers, questions):
    other_quiz = QuizFactory(slug="mock", title="Mock", questions=questions[:1])
    graded_attempt(user=student, quiz=other_quiz, picks={}, now=T0 + 3 * HOUR)
    html = student_client.get(reverse("history"), {"quiz": "mock"}).content.decode()
    assert rows(html) == ["22 Nov 2026, 17:30 Mock 0.00 / 2.00 0 of 1 \u2013 0 / 0 / 1 10 s Submitted"]
    assert '<option value="mock" selected>Mock</option>' in html
    assert len(rows(student_client.get(reverse("history")).content.decode())) == 4


def test_history_unknown_quiz_filter_says_so_and_shows_all(student_client, three_papers):
    html = student_client.get(reverse("history"), {"quiz": "no-such-quiz"}).content.decode()
    assert "You have no papers of that quiz; showing all your papers." in html
    assert len(rows(html)) == 3


def test_history_paginates_twenty_a_page(student_client, student, quiz):
    for n in range(21):
        graded_attempt(user=student, quiz=quiz, picks={}, now=T0 + n * HOUR)
    first = student_client.get(reverse("history")).content.decode()
    assert len(rows(first)) == 20
    assert "Page 1 of 2" in first
    second = student_client.get(reverse("history"), {"page": "2"}).content.decode()
    assert len(rows(second)) == 1
    assert rows(second)[0].startswith("22 Nov 2026, 14:30 Drill ")  # the oldest
    assert len(rows(student_client.get(reverse("history"), {"page": "x"}).content.decode())) == 20


def test_history_chart_is_svg_with_title_description_and_a_table(student_client, three_papers):
    html = student_client.get(reverse("history")).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img" aria-labelledby="chart-title" aria-describedby="chart-desc"' in svg
    assert '<title id="chart-title">Score as a percentage of the maximum</title>' in svg
    assert (
        '<desc id="chart-desc">3 papers on 22 Nov 2026: the first scored 53.3%, the latest \u221233.3%.</desc>'
    ) in svg
    assert svg.count('class="point"') == 3
    # Negative marking took one paper below zero, so the axis starts at -40%.
    assert re.findall(r">(-?\d+)%</text>", svg) == ["-40", "-20", "0", "20", "40", "60", "80", "100"]
    assert "<caption>Score over time, as a table</caption>" in html
    assert "<td>10.00 / 10.00</td><td>100.0%</td>" in html
    assert "<script" not in svg


def test_history_chart_axis_labels_are_distinct_for_papers_on_one_day(student_client, student, quiz, three_papers):
    # All three on 22 Nov: the axis used to read "22 Nov" at both ends.
    svg = student_client.get(reverse("history")).content.decode()
    assert re.findall(r'data-axis="(\w+)">([^<]+)</text>', svg) == [
        ("first", "Paper 1 · 22 Nov"),
        ("last", "Paper 3 · 22 Nov"),
    ]
    assert "<title>Paper 2, 22 Nov 2026, Drill: 100.0%</title>" in svg
    assert "<tr><td>2</td><td>22 Nov 2026, 15:31</td><td>Drill</td><td>10.00 / 10.00</td>" in svg

    graded_attempt(user=student, quiz=quiz, picks={}, now=T0 + timedelta(days=3))
    svg = student_client.get(reverse("history")).content.decode()
    assert re.findall(r'data-axis="(\w+)">([^<]+)</text>', svg) == [
        ("first", "Paper 1 · 22 Nov"),
        ("last", "Paper 4 · 25 Nov"),
    ]
    assert '<desc id="chart-desc">4 papers from 22 Nov 2026 to 25 Nov 2026:' in svg


def test_score_chart_geometry(student, three_papers):
    chart = progress.score_chart(progress.history(student))
    # y runs from 224 (-40%) up to 16 (100%); scores are the stored, rounded ones (5.33 is 53.3%).
    assert [(round(p.x, 1), round(p.y, 1)) for p in chart.points] == [(64.0, 85.4), (344.0, 16.0), (624.0, 214.0)]
    assert [p.number for p in chart.points] == [1, 2, 3]
    assert chart.polyline == "64.0,85.4 344.0,16.0 624.0,214.0"


def test_history_chart_leaves_out_practice_rounds_unless_filtered(student_client, student, three_papers):
    round_ = practice_start(user=student, now=T0 + timedelta(days=1))
    attempt_submit(attempt=round_, now=T0 + timedelta(days=1, minutes=1))
    everything = student_client.get(reverse("history")).content.decode()
    assert len(rows(everything)) == 4
    assert everything.count('class="point"') == 3
    practice = student_client.get(reverse("history"), {"quiz": round_.quiz.slug}).content.decode()
    assert practice.count('class="point"') == 1


def test_history_without_papers_invites_a_quiz(student_client):
    html = student_client.get(reverse("history")).content.decode()
    assert "No papers yet." in html
    assert "<svg" not in html


def test_history_needs_login(client):
    assert client.get(reverse("history")).url == f"{reverse('login')}?next=/history/"


def test_history_queries_do_not_grow_with_attempts(student_client, student, quiz, questions, django_assert_num_queries):
    statement = StatementQuestionFactory()
    trap = QuestionFactory(is_trap=True, trap_note="Taking a partnership for an alliance.")
    mixed = QuizFactory(questions=[*questions[:2], statement, trap])
    graded_attempt(user=student, quiz=mixed, picks={statement: wrong(statement), trap: wrong(trap)}, now=T0)
    with django_assert_num_queries(16):
        one = queries_for(student_client, reverse("history"))
    assert one == 16  # with the session's and the user's own; the calibration is one
    for n in range(1, 20):
        picks = {statement: wrong(statement, n % 3), trap: wrong(trap, n % 3), questions[0]: right(questions[0])}
        tags = {statement: "sure", trap: "guess", questions[0]: "fifty"} if n % 2 else {}
        graded_attempt(
            user=student,
            quiz=mixed if n % 2 else quiz,
            picks=picks if n % 2 else {},
            now=T0 + n * HOUR,
            confidences=tags,
        )
    assert Attempt.objects.count() == 20
    with django_assert_num_queries(16):
        assert queries_for(student_client, reverse("history")) == one


# --- mastery -------------------------------------------------------------------------------------


def test_topic_mastery_counts_outcomes_weakest_first(student, questions):
    strong_note, weak_note = NoteFactory(topic__name="Partnerships"), NoteFactory(topic__name="NATO")
    strong = [QuestionFactory(note=strong_note) for _ in range(2)]
    weak = [QuestionFactory(note=weak_note) for _ in range(3)]
    quiz = QuizFactory(questions=[*strong, *weak])
    picks = {strong[0]: right(strong[0]), strong[1]: right(strong[1]), weak[0]: right(weak[0]), weak[1]: wrong(weak[1])}
    graded_attempt(user=student, quiz=quiz, picks=picks, now=T0)
    mastery = progress.topic_mastery(student)
    assert [(m.topic.name, m.correct, m.wrong, m.blank, m.accuracy) for m in mastery] == [
        ("NATO", 1, 1, 1, Fraction(1, 2)),
        ("Partnerships", 2, 0, 0, Fraction(1)),
    ]


def test_trap_record_names_the_misconceptions(student_client, student):
    traps = [QuestionFactory(is_trap=True, trap_note=f"Misconception {n}.", key=f"trap-{n}") for n in range(1, 4)]
    plain = QuestionFactory()
    quiz = QuizFactory(questions=[*traps, plain])
    t1, t2, t3 = traps
    graded_attempt(user=student, quiz=quiz, picks={t1: wrong(t1), t2: wrong(t2), t3: right(t3)}, now=T0)
    graded_attempt(user=student, quiz=quiz, picks={t1: wrong(t1), t2: right(t2), t3: right(t3)}, now=T0 + HOUR)
    record = progress.trap_record(student)
    assert (record.met, record.fallen) == (3, 2)
    assert [(r.question.key, r.met, r.fell, r.since_mastered) for r in record.rows] == [
        ("trap-1", 2, 2, False),
        ("trap-2", 2, 1, True),
    ]
    html = student_client.get(reverse("history")).content.decode()
    assert "You fell for <strong>2</strong> of 3 traps you have met." in html
    assert "Misconception 1." in html and "Misconception 2." in html and "Misconception 3." not in html
    assert "Fell for it 2 of 2 times; <strong>still falling for it</strong>" in html
    assert "Fell for it 1 of 2 times; right the last time" in html
    assert f'<a href="{t1.note.get_absolute_url()}">Read the note: {t1.note.heading}</a>' in html


def test_statement_mastery_ranks_the_statements_misjudged_most(student_client, student):
    # Statements 1 and 3 are true, 2 false. "1 only" misjudges 3; "2 and 3 only" misjudges 1 and 2.
    statement_q = StatementQuestionFactory()
    reason_q = AssertionReasonQuestionFactory()  # I true, II false
    quiz = QuizFactory(questions=[statement_q, reason_q])
    only_1, two_and_3 = statement_q.choices.get(text="1 only"), statement_q.choices.get(text="2 and 3 only")
    both_true_explains = reason_q.choices.get(order=1)  # says both true: misjudges Statement-II
    graded_attempt(user=student, quiz=quiz, picks={statement_q: only_1, reason_q: both_true_explains}, now=T0)
    graded_attempt(user=student, quiz=quiz, picks={statement_q: only_1, reason_q: right(reason_q)}, now=T0 + HOUR)
    graded_attempt(user=student, quiz=quiz, picks={statement_q: two_and_3}, now=T0 + 2 * HOUR)
    mastery = progress.statement_mastery(student)
    assert [(row.statement.text, row.label, row.misjudged, row.judged) for row in mastery] == [
        ("Third statement.", "3", 2, 3),
        ("Statement two.", "Statement-II", 1, 2),
        ("First statement.", "1", 1, 3),
        ("Second statement.", "2", 1, 3),
    ]
    html = student_client.get(reverse("history")).content.decode()
    assert (
        "This statement is <strong>true</strong>; you judged it wrongly 2 of 3 times. "
        f'<a href="{statement_q.note.get_absolute_url()}">Read the note: {statement_q.note.heading}</a>'
    ) in html


def test_history_mastery_ignores_other_students(student, quiz, questions):
    graded_attempt(user=UserFactory(username="ravi"), quiz=quiz, picks={q: wrong(q) for q in questions}, now=T0)
    assert progress.topic_mastery(student) == []
    assert progress.trap_record(student).met == 0
    assert progress.statement_mastery(student) == []


def test_history_score_shown_is_the_stored_one(student_client, student, quiz, questions):
    attempt = graded_attempt(user=student, quiz=quiz, picks={questions[0]: wrong(questions[0])}, now=T0)
    assert attempt.score == Decimal("-0.67")
    assert "\u22120.67 / 10.00" in student_client.get(reverse("history")).content.decode()


def test_history_hides_traps_and_statements_while_a_paper_runs(student_client, student):
    trap = QuestionFactory(is_trap=True, trap_note="Taking a partnership for an alliance.")
    statement_q = StatementQuestionFactory()
    quiz = QuizFactory(questions=[trap, statement_q])
    graded_attempt(user=student, quiz=quiz, picks={trap: wrong(trap), statement_q: wrong(statement_q)}, now=T0)
    shown = student_client.get(reverse("history")).content.decode()
    assert "Taking a partnership for an alliance." in shown and "Third statement." in shown
    attempt_start(quiz=quiz, user=student)  # the same questions, on a paper now running
    html = student_client.get(reverse("history")).content.decode()
    assert "the traps and statements you missed stay hidden until it closes" in html
    assert "Taking a partnership for an alliance." not in html
    assert "Third statement." not in html and "Statements you misjudge most" not in html


def test_history_keeps_a_sealed_quizs_key_until_it_closes(student_client, student, time_machine):
    trap = QuestionFactory(is_trap=True, trap_note="Taking a partnership for an alliance.")
    statement_q = StatementQuestionFactory()
    closes = T0 + timedelta(days=6)
    quiz = QuizFactory(questions=[trap, statement_q], explanations="after_close", closes_at=closes)
    time_machine.move_to(T0, tick=False)
    graded_attempt(user=student, quiz=quiz, picks={trap: wrong(trap), statement_q: wrong(statement_q)}, now=T0)
    html = student_client.get(reverse("history")).content.decode()
    assert len(rows(html)) == 1  # the paper and its score are listed
    assert "Taking a partnership for an alliance." not in html and "Third statement." not in html
    assert progress.topic_mastery(student) == []
    time_machine.move_to(closes + timedelta(minutes=1), tick=False)
    html = student_client.get(reverse("history")).content.decode()
    assert "Taking a partnership for an alliance." in html and "Third statement." in html


def test_history_totals_leave_out_practice_rounds(student_client, student, three_papers):
    round_ = practice_start(user=student, now=T0 + timedelta(days=1))
    attempt_submit(attempt=round_, now=T0 + timedelta(days=1, minutes=1))
    html = student_client.get(reverse("history")).content.decode()
    assert '<div class="fs-3 fw-semibold" data-papers>3</div>' in html
    practice = student_client.get(reverse("history"), {"quiz": round_.quiz.slug}).content.decode()
    assert '<div class="fs-3 fw-semibold" data-papers>1</div>' in practice
