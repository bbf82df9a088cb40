"""What the confidence tags and measured time are read into: the result's risk report and time
chart, History's calibration, staff item analysis, and practice (issue 15)."""

import re

import pytest
from django.urls import reverse

from quiz.models import Answer, Quiz, ReviewCard
from quiz.practice import sure_miss_after
from quiz.scoring import Outcome
from quiz.selectors import items, results
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit, practice_start
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import DAY, MINUTE, T0, answers_saved, graded_attempt, right, wrong

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _section(html: str, marker: str, end: str = "</section>") -> str:
    """From `marker` to the next `end`."""
    start = html.index(marker)
    return html[start : html.index(end, start)]


@pytest.fixture
def six():
    return QuestionFactory.create_batch(6)


@pytest.fixture
def tagged_paper(student, six):
    """Sure: right, right, wrong; 50:50: right; Guess: wrong, wrong. UPSC marking, 12 min for 6."""
    q = six
    quiz = QuizFactory(questions=six, time_limit=12 * MINUTE)
    picks = {
        q[0]: right(q[0]),
        q[1]: right(q[1]),
        q[2]: wrong(q[2]),
        q[3]: right(q[3]),
        q[4]: wrong(q[4]),
        q[5]: wrong(q[5]),
    }
    confidences = {q[0]: "sure", q[1]: "sure", q[2]: "sure", q[3]: "fifty", q[4]: "guess", q[5]: "guess"}
    return graded_attempt(user=student, quiz=quiz, picks=picks, now=T0, confidences=confidences, seconds_apart=30)


def test_risk_report_groups_the_papers_answers_by_confidence(student_client, tagged_paper):
    html = student_client.get(reverse("attempt_result", args=[tagged_paper.public_id])).content.decode()
    risk = _section(html, "data-risk")
    assert "an answer pays when it is right more than 25.0% of the time" in _text(risk)
    rows = re.findall(r'<tr data-group="(\w+)">(.*?)</tr>', risk)
    assert [(group, _text(row)) for group, row in rows] == [
        ("sure", "Sure 3 2 1 66.7% +3.33 +1.11"),
        ("fifty", "50:50 1 1 0 100.0% +2.00 +2.00"),
        ("guess", "Guess 2 0 2 0.0% \u22121.33 \u22120.67"),
        ("untagged", "Untagged 0 0 0 \u2013 0.00 \u2013"),
    ]
    what_if = _text(_section(html, "data-what-if", "</ul>"))
    assert "Had you left every Guess blank, you would have scored 5.33 , 1.33 more: your guesses cost you." in what_if
    assert "Had you left every 50:50 blank, you would have scored 2.00 , 2.00 less: your 50:50s paid." in what_if
    assert str(tagged_paper.score) == "4.00"


def test_risk_report_without_tags_invites_them(student_client, student, six):
    attempt = graded_attempt(user=student, quiz=QuizFactory(questions=six), picks={six[0]: right(six[0])}, now=T0)
    risk = _section(
        student_client.get(reverse("attempt_result", args=[attempt.public_id])).content.decode(), "data-risk"
    )
    assert "data-untagged" in risk and "risk-table" not in risk


def test_time_chart_draws_each_question_against_the_pace_and_lists_the_slowest(student_client, tagged_paper):
    html = student_client.get(reverse("attempt_result", args=[tagged_paper.public_id])).content.decode()
    timing = _section(html, "data-timing")
    # No measure from a page: 30 s between first answers, estimated; pace 12 min / 6 = 120 s.
    assert timing.count('class="bar outcome-') == 6
    assert "against the paper's pace of 120 s a question" in timing
    assert "Time estimated from when each answer was first saved" in timing
    table = re.findall(r"<tr><td>(\d+)</td><td>(\d+)</td><td>(\w+)</td><td>([\w:]+)</td></tr>", timing)
    assert table[:3] == [("1", "30", "correct", "Sure"), ("2", "30", "correct", "Sure"), ("3", "30", "wrong", "Sure")]
    slowest = _text(_section(timing, "data-slowest", "</ol>"))
    assert slowest.startswith("data-slowest> Question 1 : 30 s (within the pace), right, tagged Sure.")
    assert slowest.count("Question") == results.SLOWEST


def test_time_chart_uses_measured_seconds_and_says_how_far_over_the_pace(student_client, student, six):
    attempt = attempt_start(quiz=QuizFactory(questions=six, time_limit=12 * MINUTE), user=student, now=T0).attempt
    for question, seconds in ((six[1], 200), (six[4], 90)):
        answer_save(
            user=student, attempt_public_id=attempt.public_id, question_id=question.pk, choice_id=wrong(question).pk,
            marked=False, confidence="guess", seconds=seconds, now=T0 + 5 * MINUTE,
        )  # fmt: skip
    attempt_submit(attempt=attempt, now=T0 + 6 * MINUTE)
    timing = _section(
        student_client.get(reverse("attempt_result", args=[attempt.public_id])).content.decode(), "data-timing"
    )
    assert "Time measured on the page" in timing
    assert _text(_section(timing, "data-slowest", "</ol>")) == (
        "data-slowest> Question 2 : 200 s (80 s over the pace), wrong, tagged Guess. "
        "Question 5 : 90 s (within the pace), wrong, tagged Guess."
    )


def test_risk_report_and_time_chart_absent_while_the_result_is_withheld(client, student, six, time_machine):
    live = QuizFactory(
        questions=six,
        explanations=Quiz.Explanations.AFTER_CLOSE,
        closes_at=T0 + 2 * 60 * MINUTE,
        time_limit=30 * MINUTE,
    )
    time_machine.move_to(T0, tick=False)
    attempt = graded_attempt(
        user=student, quiz=live, picks={six[0]: right(six[0])}, now=T0, confidences={six[0]: "sure"}
    )
    client.force_login(student)
    html = client.get(reverse("attempt_result", args=[attempt.public_id])).content.decode()
    assert "data-withheld" in html
    assert "data-risk" not in html and "data-timing" not in html and "break-even" not in html


def test_risk_report_absent_while_another_paper_runs(student_client, student, tagged_paper, six):
    attempt_start(quiz=QuizFactory(questions=six), user=student)
    html = student_client.get(reverse("attempt_result", args=[tagged_paper.public_id])).content.decode()
    assert "data-risk" not in html and "data-timing" not in html


def test_paper_risk_leaves_out_a_question_another_quiz_seals(student, six, time_machine):
    time_machine.move_to(T0, tick=False)
    attempt = graded_attempt(
        user=student,
        quiz=QuizFactory(questions=six[:2]),
        picks={six[0]: right(six[0]), six[1]: wrong(six[1])},
        now=T0,
        confidences={six[0]: "sure", six[1]: "sure"},
    )
    QuizFactory(questions=[six[1]], explanations=Quiz.Explanations.AFTER_CLOSE, closes_at=T0 + 60 * MINUTE)
    review = results.attempt_review(attempt, show="all", now=T0)
    sure = review["risk"].group("sure")
    assert (review["sealed_count"], sure.correct, sure.wrong) == (1, 1, 0)
    assert [bar.item["outcome"] for bar in review["timing"].bars] == ["correct", "sealed"]
    assert Answer.objects.filter(attempt=attempt, confidence="sure").count() == 2


# --- History: calibration per confidence level -------------------------------------------------------


@pytest.fixture
def calibrated(student):
    """One paper of 45: 20 Sure (18 right), 20 Guess (3 right), 5 50:50 (all right)."""
    questions = QuestionFactory.create_batch(45)
    sure, guess, fifty = questions[:20], questions[20:40], questions[40:]
    picks = {q: right(q) if i < 18 else wrong(q) for i, q in enumerate(sure)}
    picks |= {q: right(q) if i < 3 else wrong(q) for i, q in enumerate(guess)}
    picks |= {q: right(q) for q in fifty}
    confidences = dict.fromkeys(sure, "sure") | dict.fromkeys(guess, "guess") | dict.fromkeys(fifty, "fifty")
    return graded_attempt(
        user=student,
        quiz=QuizFactory(questions=questions),
        picks=picks,
        now=T0,
        confidences=confidences,
        seconds_apart=1,
    )


def test_history_calibration_shows_accuracy_intervals_and_the_students_own_advice(student_client, calibrated):
    html = student_client.get(reverse("history")).content.decode()
    section = _section(html, "data-calibration")
    rows = dict(re.findall(r'<tr data-level="(\w+)">(.*?)</tr>', section, re.S))
    assert _text(rows["sure"]) == "Sure 20 18 90.0% 70%\u201397% +1.73"
    assert _text(rows["guess"]) == "Guess 20 3 15.0% 5%\u201336% \u22120.27"
    assert _text(rows["fifty"]) == "50:50 5 5 too few answers yet"
    assert _text(rows["untagged"]) == "Untagged 0 0 no answers yet"
    advice = re.findall(r"<li>(.*?)</li>", _section(section, "data-advice", "</ul>"))
    assert advice == [
        "Your Sure answers were right 90% of the time (n = 20): each one you attempt earns +1.73 marks on average"
        " \u2014 keep attempting them.",
        "Your guesses were right 15% of the time (n = 20): each costs \u22120.27 marks on average \u2014 leave them"
        " blank. The 95% interval, 5% to 36%, still takes in the break-even of 25%: more answers will make it sure.",
    ]


def test_history_calibration_gives_no_advice_below_the_threshold(student_client, student, six):
    graded_attempt(
        user=student,
        quiz=QuizFactory(questions=six),
        picks={q: wrong(q) for q in six},
        now=T0,
        confidences=dict.fromkeys(six, "guess"),
    )
    section = _section(student_client.get(reverse("history")).content.decode(), "data-calibration")
    assert "data-advice" not in section and "data-no-advice" in section
    assert "Advice appears for a level once you have 20 attempted answers tagged with it" in section


def test_history_calibration_leaves_out_a_paper_whose_result_is_withheld(student_client, student, six, time_machine):
    live = QuizFactory(
        questions=six,
        explanations=Quiz.Explanations.AFTER_CLOSE,
        closes_at=T0 + 2 * 60 * MINUTE,
        time_limit=30 * MINUTE,
    )
    time_machine.move_to(T0 + MINUTE, tick=False)
    graded_attempt(
        user=student, quiz=live, picks={q: right(q) for q in six}, now=T0, confidences=dict.fromkeys(six, "sure")
    )
    section = _section(student_client.get(reverse("history")).content.decode(), "data-calibration")
    assert (
        _text(dict(re.findall(r'<tr data-level="(\w+)">(.*?)</tr>', section, re.S))["sure"])
        == "Sure 0 0 no answers yet"
    )


# --- staff item analysis: sure and wrong -----------------------------------------------------------


def test_item_analysis_counts_sure_and_wrong_flags_and_sorts(staff_client, six):
    quiz = QuizFactory(slug="mock", questions=six[:3])
    trap, plain, easy = six[:3]
    # Three students: all Sure of the same wrong answer to `trap`; one Sure and wrong on `plain`.
    for n in range(3):
        picks = {trap: wrong(trap), plain: wrong(plain) if n == 0 else right(plain), easy: right(easy)}
        tags = {trap: "sure", plain: "sure" if n == 0 else "guess", easy: "sure"}
        graded_attempt(
            user=UserFactory(username=f"s{n}"), quiz=quiz, picks=picks, now=T0 + n * MINUTE, confidences=tags
        )
    analysis = items.item_analysis(quiz, sort="-sure_wrong")
    assert [(row.question.pk, row.sure_wrong) for row in analysis.rows] == [(trap.pk, 3), (plain.pk, 1), (easy.pk, 0)]
    flagged = {row.question.pk: row.flags for row in analysis.rows}
    assert "3 sure and wrong: a working trap, or a wrong key?" in flagged[trap.pk]
    assert not any("sure and wrong" in flag for flag in flagged[plain.pk] + flagged[easy.pk])

    html = staff_client.get(reverse("quiz_stats", args=[quiz.slug]), {"sort": "-sure_wrong"}).content.decode()
    assert re.findall(r"<td class=\"text-end\" data-sure-wrong>(\d+)</td>", html) == ["3", "1", "0"]
    assert 'href="?sort=sure_wrong">Sure and wrong</a>' in html  # sorted most first: the link turns it round


# --- practice: sure but wrong first ----------------------------------------------------------------


def test_sure_miss_after_is_set_by_a_sure_wrong_answer_and_ended_by_a_right_one():
    assert sure_miss_after(was=False, outcome=Outcome.WRONG, confidence="sure") is True
    assert sure_miss_after(was=False, outcome=Outcome.WRONG, confidence="guess") is False
    assert sure_miss_after(was=False, outcome=Outcome.BLANK, confidence="sure") is False
    assert sure_miss_after(was=True, outcome=Outcome.WRONG, confidence="") is True
    assert sure_miss_after(was=True, outcome=Outcome.BLANK, confidence="") is True
    assert sure_miss_after(was=True, outcome=Outcome.CORRECT, confidence="sure") is False


def test_practice_sure_but_wrong_goes_to_box_1_and_is_drawn_first(student, six):
    plain, confident = six[0], six[1]
    # A plain miss on day 0 (more overdue), then a Sure one that was in box 2 missed on day 1.
    graded_attempt(user=student, quiz=QuizFactory(questions=[plain]), picks={plain: wrong(plain)}, now=T0)
    graded_attempt(user=student, quiz=QuizFactory(questions=[confident]), picks={confident: wrong(confident)}, now=T0)
    graded_attempt(
        user=student, quiz=QuizFactory(questions=[confident]), picks={confident: right(confident)}, now=T0 + DAY
    )
    assert ReviewCard.objects.get(question=confident).box == 2
    graded_attempt(
        user=student, quiz=QuizFactory(questions=[confident]), picks={confident: wrong(confident)}, now=T0 + 2 * DAY,
        confidences={confident: "sure"},
    )  # fmt: skip
    card = ReviewCard.objects.get(question=confident)
    assert (card.box, card.sure_miss) == (1, True)
    assert ReviewCard.objects.get(question=plain).sure_miss is False

    round_ = practice_start(user=student, now=T0 + 4 * DAY)
    assert [item.question_id for item in round_.items.order_by("position")] == [confident.pk, plain.pk]
    # Right this time: no longer listed first.
    answers_saved(round_, {confident: right(confident), plain: right(plain)}, now=T0 + 4 * DAY)
    attempt_submit(attempt=round_, now=T0 + 4 * DAY + MINUTE)
    assert ReviewCard.objects.get(question=confident).sure_miss is False
