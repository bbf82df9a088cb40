"""'Practise my mistakes': the Leitner schedule, the cards grading moves, and practice rounds."""

import importlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from quiz import wording
from quiz.models import Attempt, Quiz, ReviewCard
from quiz.practice import CardState, card_after
from quiz.scoring import Outcome
from quiz.selectors import progress
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit, practice_start
from quiz.services.errors import PaperRunning, QuizUnavailable
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import DAY, T0, answers_saved, before_the_seal, graded_attempt, queries_for, right, wrong

# 09:00 UTC (T0) is 14:30 in India: the schedule counts local (Asia/Kolkata) dates.


# --- the schedule, pure --------------------------------------------------------------------------


def test_card_after_a_miss_is_box_1_due_the_next_day():
    assert card_after(None, outcome=Outcome.WRONG, today=date(2026, 11, 22)) == CardState(1, date(2026, 11, 23))
    assert card_after(None, outcome=Outcome.BLANK, today=date(2026, 11, 22)) == CardState(1, date(2026, 11, 23))


def test_card_after_correct_answers_climbs_1_3_7_21_days_then_learned():
    card = CardState(1, date(2026, 11, 23))
    steps = []
    for today in [date(2026, 11, 23), date(2026, 11, 26), date(2026, 12, 3), date(2026, 12, 24)]:
        card = card_after(card, outcome=Outcome.CORRECT, today=today)
        steps.append(card)
    assert steps == [
        CardState(2, date(2026, 11, 26)),
        CardState(3, date(2026, 12, 3)),
        CardState(4, date(2026, 12, 24)),
        CardState(5, None),
    ]


def test_card_after_a_correct_answer_before_it_is_due_stays_put():
    card = CardState(2, date(2026, 11, 26))
    assert card_after(card, outcome=Outcome.CORRECT, today=date(2026, 11, 25)) == card


def test_card_after_a_miss_in_any_box_starts_over():
    assert card_after(CardState(4, date(2026, 12, 24)), outcome=Outcome.WRONG, today=date(2026, 12, 1)) == CardState(
        1, date(2026, 12, 2)
    )
    assert card_after(CardState(5, None), outcome=Outcome.BLANK, today=date(2027, 1, 1)) == CardState(
        1, date(2027, 1, 2)
    )


def test_card_after_a_correct_answer_never_missed_makes_no_card():
    assert card_after(None, outcome=Outcome.CORRECT, today=date(2026, 11, 22)) is None


# --- grading moves the cards ---------------------------------------------------------------------


@pytest.fixture
def questions(db):
    return [QuestionFactory(key=f"p-{n}") for n in range(1, 5)]


@pytest.fixture
def quiz(questions):
    return QuizFactory(slug="drill", questions=questions)


def cards(user) -> dict[str, tuple[int, date | None, int]]:
    return {c.question.key: (c.box, c.due_on, c.misses) for c in ReviewCard.objects.filter(user=user)}


def test_grading_files_wrong_and_blank_answers_in_box_1(student, quiz, questions):
    q1, q2, q3, _ = questions
    graded_attempt(user=student, quiz=quiz, picks={q1: right(q1), q2: wrong(q2), q3: None}, now=T0)
    assert cards(student) == {
        "p-2": (1, date(2026, 11, 23), 1),
        "p-3": (1, date(2026, 11, 23), 1),
        "p-4": (1, date(2026, 11, 23), 1),
    }


def test_grading_local_date_decides_the_day(student, quiz, questions):
    # 20:00 UTC is 01:30 the next morning in India: due the day after that.
    late = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    graded_attempt(user=student, quiz=quiz, picks={q: wrong(q) for q in questions}, now=late)
    assert {due for _, due, _ in cards(student).values()} == {date(2026, 11, 24)}


def test_practice_round_draws_due_cards_most_urgent_first_and_promotes_them(student, quiz, questions):
    q1, q2, q3, q4 = questions
    graded_attempt(user=student, quiz=quiz, picks={q1: wrong(q1), q2: right(q2), q3: right(q3), q4: right(q4)}, now=T0)
    graded_attempt(
        user=student, quiz=quiz, picks={q1: right(q1), q2: wrong(q2), q3: right(q3), q4: right(q4)}, now=T0 + DAY
    )
    # p-1: missed on the 22nd, right on the 23rd when due: box 2, due 3 days later. p-2: missed on the 23rd.
    assert cards(student) == {"p-1": (2, date(2026, 11, 26), 1), "p-2": (1, date(2026, 11, 24), 1)}
    with pytest.raises(QuizUnavailable, match="Nothing is due for review today"):
        practice_start(user=student, now=T0 + DAY)

    round_ = practice_start(user=student, now=T0 + 4 * DAY)
    assert [item.question.key for item in round_.items.order_by("position")] == ["p-2", "p-1"]
    assert round_.quiz == Quiz.objects.get(is_practice=True)
    assert round_.is_timed is False
    assert round_.deadline == T0 + 5 * DAY  # untimed: closes itself a day later if left open

    answers_saved(round_, {q1: right(q1), q2: right(q2)}, now=T0 + 4 * DAY)
    closed = attempt_submit(attempt=round_, now=T0 + 4 * DAY + timedelta(minutes=5))
    assert (closed.score, closed.max_score) == (4, 4)
    assert cards(student) == {"p-1": (3, date(2026, 12, 3), 1), "p-2": (2, date(2026, 11, 29), 1)}


def test_practice_round_timed_runs_at_exam_pace_with_extra_time_none(student, quiz, questions):
    graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    round_ = practice_start(user=student, size=3, timed=True, now=T0 + DAY)
    assert round_.question_count == 3
    assert round_.is_timed is True
    assert round_.deadline - round_.started_at == timedelta(seconds=3 * 72)


def test_practice_round_leaves_out_unpublished_questions(student, quiz, questions):
    graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    questions[0].status = "draft"
    questions[0].save()
    round_ = practice_start(user=student, now=T0 + DAY)
    assert sorted(item.question.key for item in round_.items.all()) == ["p-2", "p-3", "p-4"]


def test_practice_start_while_a_timed_paper_runs_is_refused(student, quiz, questions):
    graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    running = attempt_start(quiz=quiz, user=student, now=T0 + DAY).attempt
    with pytest.raises(PaperRunning) as refused:
        practice_start(user=student, now=T0 + DAY)
    assert refused.value.attempt == running


def test_attempt_start_submits_an_open_practice_round_first(student, quiz, questions):
    q1 = questions[0]
    graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    round_ = practice_start(user=student, now=T0 + DAY)
    answer_save(
        user=round_.user,
        attempt_public_id=round_.public_id,
        question_id=q1.pk,
        choice_id=right(q1).pk,
        marked=False,
        now=T0 + DAY,
    )
    paper = attempt_start(quiz=quiz, user=student, now=T0 + DAY + timedelta(minutes=1)).attempt
    round_.refresh_from_db()
    assert (round_.status, round_.correct_count, round_.blank_count) == ("submitted", 1, 3)
    assert paper.quiz == quiz and paper.is_open


def test_review_cards_migration_replays_past_attempts(student, quiz, questions):
    q1, q2, q3, q4 = questions
    graded_attempt(user=student, quiz=quiz, picks={q1: wrong(q1), q2: right(q2), q3: right(q3), q4: right(q4)}, now=T0)
    graded_attempt(
        user=student, quiz=quiz, picks={q1: right(q1), q2: right(q2), q3: right(q3), q4: right(q4)}, now=T0 + DAY
    )
    expected = cards(student)
    ReviewCard.objects.all().delete()
    migration = importlib.import_module("quiz.migrations.0003_review_cards_from_past_attempts")
    migration.cards_from_history(django_apps, None)
    assert cards(student) == expected == {"p-1": (2, date(2026, 11, 26), 1)}


# --- pages ---------------------------------------------------------------------------------------


def test_home_shows_how_many_are_due(student_client, student, quiz, questions, time_machine):
    time_machine.move_to(T0, tick=False)
    graded_attempt(user=student, quiz=quiz, picks={q: wrong(q) for q in questions[:3]}, now=T0)
    assert "are due for review today" not in student_client.get("/").content.decode()
    time_machine.move_to(T0 + DAY, tick=False)
    html = student_client.get("/").content.decode()
    assert "<strong data-due>4</strong> questions you missed are due for review today." in html


def test_practice_page_shows_boxes_and_starts_a_round(student_client, student, quiz, questions, time_machine):
    time_machine.move_to(T0, tick=False)
    graded_attempt(user=student, quiz=quiz, picks={questions[0]: right(questions[0])}, now=T0)
    html = student_client.get(reverse("practice")).content.decode()
    assert "Due today: <span data-due>0</span>" in html
    assert "The next question comes back on <strong>Monday 23 November</strong>." in html
    assert '<tr><th scope="row">1</th><td>1 day</td><td class="text-end">3</td></tr>' in html

    time_machine.move_to(T0 + DAY, tick=False)
    response = student_client.post(reverse("practice_start"), {"size": "10"})
    attempt = Attempt.objects.get(quiz__is_practice=True)
    assert response.url == reverse("attempt_paper", args=[attempt.public_id])
    paper = student_client.get(response.url).content.decode()
    assert "Untimed practice" in paper
    assert 'role="timer"' not in paper


def test_practice_start_rejects_a_forged_size(student_client, student, quiz):
    response = student_client.post(reverse("practice_start"), {"size": "1000000"}, follow=True)
    assert "Choose how many questions to practise." in response.content.decode()
    assert not Attempt.objects.exists()


def test_practice_start_with_nothing_due_says_so(student_client):
    response = student_client.post(reverse("practice_start"), {"size": "20"}, follow=True)
    assert "Nothing is due for review today." in response.content.decode()
    assert not Attempt.objects.exists()


def test_quiz_start_says_when_it_submitted_a_practice_round(student_client, student, quiz, questions, time_machine):
    time_machine.move_to(T0, tick=False)
    graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    time_machine.move_to(T0 + DAY, tick=False)
    practice_start(user=student)
    response = student_client.post(reverse("quiz_start", args=[quiz.slug]), follow=True)
    assert "Your practice round was submitted with the answers you had given" in response.content.decode()


def test_practice_page_queries_do_not_grow(student_client, student, time_machine, django_assert_num_queries):
    """The boxes, what is due and when the next comes back: the same queries for one card as for thirty."""

    def measure() -> int:
        with django_assert_num_queries(8):
            return queries_for(student_client, reverse("practice"))

    time_machine.move_to(T0 + 2 * DAY, tick=False)
    one = QuestionFactory()
    graded_attempt(user=student, quiz=QuizFactory(questions=[one]), picks={one: wrong(one)}, now=T0)
    small = measure()
    many = QuestionFactory.create_batch(30)
    quiz = QuizFactory(questions=many)
    graded_attempt(user=student, quiz=quiz, picks={q: wrong(q) for q in many}, now=T0)
    graded_attempt(user=student, quiz=quiz, picks={q: right(q) for q in many[:10]}, now=T0 + DAY)  # ten to box 2
    assert ReviewCard.objects.filter(user=student).count() == 31
    assert measure() == small


def test_practice_start_queries_do_not_grow(student_client, student, time_machine, django_assert_num_queries):
    """A round of 2 due questions and one of 40 start with the same queries (the practice quiz made beforehand)."""

    def measure(missed: int) -> int:
        questions = QuestionFactory.create_batch(missed)
        graded_attempt(user=student, quiz=QuizFactory(questions=questions), picks={}, now=T0)
        with django_assert_num_queries(19):
            count = queries_for(
                student_client, reverse("practice_start"), method="post", data={"size": "40"}, status=302
            )
        round_ = Attempt.objects.get(quiz__is_practice=True, status=Attempt.Status.IN_PROGRESS)
        assert round_.question_count == missed
        attempt_submit(attempt=round_)
        return count

    Quiz.objects.practice()  # made on first use, with its own insert
    time_machine.move_to(T0 + DAY, tick=False)
    small = measure(2)
    assert measure(40) == small


def test_practice_pages_need_login(client):
    assert client.get(reverse("practice")).url.startswith(reverse("login"))
    assert client.post(reverse("practice_start")).url.startswith(reverse("login"))


def test_quiz_detail_offers_to_start_over_an_open_practice_round(student_client, student, quiz, time_machine):
    time_machine.move_to(T0, tick=False)
    graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    time_machine.move_to(T0 + DAY, tick=False)
    practice_start(user=student)
    html = student_client.get(reverse("quiz_detail", args=[quiz.slug])).content.decode()
    assert "You have a practice round open" in html
    assert f'action="{reverse("quiz_start", args=[quiz.slug])}"' in html
    home = student_client.get("/").content.decode()
    assert "Practise my mistakes</a>: untimed, carry on when you like." in home


def test_practice_round_closed_for_the_student_leaves_skipped_cards_alone(student, quiz, questions):
    q1, q2, q3, _ = questions
    graded_attempt(user=student, quiz=quiz, picks={q1: wrong(q1), q2: wrong(q2), q3: wrong(q3)}, now=T0)
    round_ = practice_start(user=student, now=T0 + DAY)
    answer_save(
        user=round_.user,
        attempt_public_id=round_.public_id,
        question_id=q1.pk,
        choice_id=right(q1).pk,
        marked=False,
        now=T0 + DAY,
    )
    attempt_start(quiz=quiz, user=student, now=T0 + DAY + timedelta(minutes=1))  # submits the round
    assert cards(student) == {
        "p-1": (2, date(2026, 11, 26), 1),
        "p-2": (1, date(2026, 11, 23), 1),  # skipped: neither demoted nor counted as a miss
        "p-3": (1, date(2026, 11, 23), 1),
        "p-4": (1, date(2026, 11, 23), 1),
    }


@pytest.fixture
def sealed_quiz(questions):
    """Explanations only after it closes, on 30 November at 12:00 in India."""
    closes = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    return QuizFactory(slug="sealed", questions=questions[:2], explanations="after_close", closes_at=closes)


def test_practice_waits_for_a_sealed_quiz_to_close(student, sealed_quiz, quiz, questions):
    q1, q2, *_ = questions
    graded_attempt(user=student, quiz=sealed_quiz, picks={q1: wrong(q1), q2: wrong(q2)}, now=T0)
    assert cards(student) == {"p-1": (1, date(2026, 12, 1), 1), "p-2": (1, date(2026, 12, 1), 1)}
    # Another quiz puts p-1 in a box due tomorrow: still withheld while the sealed quiz is open.
    with before_the_seal(sealed_quiz):  # sat now, its paper would leave the sealed questions out
        graded_attempt(user=student, quiz=quiz, picks={q: right(q) for q in questions} | {q1: wrong(q1)}, now=T0 + DAY)
    assert cards(student)["p-1"] == (1, date(2026, 11, 24), 2)
    with pytest.raises(QuizUnavailable):
        practice_start(user=student, now=T0 + 2 * DAY)
    round_ = practice_start(user=student, now=datetime(2026, 12, 1, 4, 0, tzinfo=UTC))
    assert sorted(item.question.key for item in round_.items.all()) == ["p-1", "p-2"]


def test_practice_quiz_window_is_read_only_in_the_admin(staff_client, student, quiz):
    practice = Quiz.objects.practice()
    html = staff_client.get(reverse("admin:quiz_quiz_change", args=[practice.pk])).content.decode()
    assert 'name="closes_at_0"' not in html and 'name="is_published"' not in html
    assert 'name="seconds_per_question"' in html


# --- practise now: a paper's mistakes, and cards not yet due -------------------------------------


def test_practice_page_offers_the_last_papers_mistakes_at_once(student_client, student, quiz, questions, time_machine):
    time_machine.move_to(T0, tick=False)
    q1, q2, q3, _ = questions
    paper = graded_attempt(user=student, quiz=quiz, picks={q1: right(q1), q2: wrong(q2), q3: None}, now=T0)
    html = student_client.get(reverse("practice")).content.decode()
    assert "Due today: <span data-due>0</span>" in html
    result = reverse("attempt_result", args=[paper.public_id])
    assert (
        f'<p data-paper-mistakes>Your last paper, <a href="{result}">{quiz.title}</a> (22 Nov, 14:30), sent '
        "<strong>3</strong> questions here: practise them now, while the explanations are fresh.</p>"
    ) in html
    assert f"Mistakes of your last paper, {quiz.title} (3)" in html
    assert "Not due yet: practise early (3)" in html
    assert "Due today (" not in html  # nothing is due, so it is not offered

    response = student_client.post(
        reverse("practice_start"), {"scope": "paper", "paper": str(paper.public_id), "size": "10"}
    )
    round_ = Attempt.objects.get(quiz__is_practice=True)
    assert response.url == reverse("attempt_paper", args=[round_.public_id])
    assert [item.question.key for item in round_.items.order_by("position")] == ["p-2", "p-3", "p-4"]


def test_practice_round_of_a_paper_leaves_out_what_it_got_right_and_what_is_learned(student, quiz, questions):
    q1, q2, q3, q4 = questions
    graded_attempt(user=student, quiz=quiz, picks={q1: wrong(q1), q2: right(q2), q3: right(q3), q4: right(q4)}, now=T0)
    paper = graded_attempt(user=student, quiz=quiz, picks={q1: right(q1), q2: wrong(q2)}, now=T0 + DAY)
    ReviewCard.objects.filter(question=q3).update(box=5, due_on=None)  # learned since: nothing to practise
    round_ = practice_start(user=student, scope="paper", paper=paper, now=T0 + DAY)
    # p-1 was right on this paper; p-3 is learned: only p-2 and p-4 come back.
    assert [item.question.key for item in round_.items.order_by("position")] == ["p-2", "p-4"]


def test_practice_round_early_keeps_a_right_card_and_restarts_a_wrong_one(student, quiz, questions):
    q1, q2, q3, _ = questions
    graded_attempt(user=student, quiz=quiz, picks={q1: right(q1), q2: wrong(q2), q3: wrong(q3)}, now=T0)
    with pytest.raises(QuizUnavailable, match="Nothing is due for review today"):
        practice_start(user=student, now=T0)
    round_ = practice_start(user=student, scope="early", now=T0 + timedelta(hours=1))
    assert [item.question.key for item in round_.items.order_by("position")] == ["p-2", "p-3", "p-4"]
    answers_saved(round_, {q2: right(q2), q3: wrong(q3)}, now=T0 + timedelta(hours=1))
    attempt_submit(attempt=round_, now=T0 + timedelta(hours=2))
    assert cards(student) == {
        "p-2": (1, date(2026, 11, 23), 1),  # right before it was due: stays in box 1, due when it was
        "p-3": (1, date(2026, 11, 23), 2),  # wrong: box 1, due tomorrow, one more miss
        "p-4": (1, date(2026, 11, 23), 1),  # left blank in a practice round: as it was
    }
    # Practised early, none is learned any sooner: the next day it is due like any other.
    assert practice_start(user=student, now=T0 + DAY).question_count == 3


def test_practice_start_of_someone_elses_paper_draws_nothing(student_client, student, quiz, questions):
    other = graded_attempt(user=UserFactory(username="ravi"), quiz=quiz, picks={}, now=T0)
    graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    response = student_client.post(
        reverse("practice_start"), {"scope": "paper", "paper": str(other.public_id), "size": "10"}, follow=True
    )
    assert wording.PRACTICE_EMPTY_BY_SCOPE["paper"] in response.content.decode()
    assert not Attempt.objects.filter(quiz__is_practice=True).exists()


def test_practice_start_refuses_a_forged_scope_or_paper(student_client, student, quiz, questions):
    graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    for data in ({"scope": "everything", "size": "10"}, {"scope": "paper", "paper": "not-a-uuid", "size": "10"}):
        response = student_client.post(reverse("practice_start"), data, follow=True)
        assert "Choose how many questions to practise." in response.content.decode()
    assert not Attempt.objects.filter(quiz__is_practice=True).exists()


def test_practice_round_leaves_out_a_mistake_another_quiz_seals(student, quiz, questions, sealed_quiz, time_machine):
    # The sealed live mock holds p-1 and p-2 on its fixed list: their keys stay sealed until it closes.
    paper = graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    assert progress.practice_counts(student, now=T0, paper=paper) == {"due": 0, "paper": 2, "early": 2}
    round_ = practice_start(user=student, scope="paper", paper=paper, now=T0)
    assert sorted(item.question.key for item in round_.items.all()) == ["p-3", "p-4"]


def test_result_offers_to_practise_the_papers_mistakes_now(student_client, student, quiz, questions, time_machine):
    time_machine.move_to(T0, tick=False)
    q1, q2, *_ = questions
    paper = graded_attempt(user=student, quiz=quiz, picks={q1: right(q1), q2: wrong(q2)}, now=T0)
    html = student_client.get(reverse("attempt_result", args=[paper.public_id])).content.decode()
    assert (
        '<span class="me-auto">3 questions you missed on this paper are in your practice boxes: practise them now, '
        "while the explanations are fresh.</span>"
    ) in html
    assert f'<input type="hidden" name="paper" value="{paper.public_id}">' in html
    assert '<button type="submit" class="btn btn-primary">Practise this paper\'s mistakes now</button>' in html

    perfect = graded_attempt(user=student, quiz=quiz, picks={q: right(q) for q in questions}, now=T0 + DAY)
    html = student_client.get(reverse("attempt_result", args=[perfect.public_id])).content.decode()
    assert "Practise this paper's mistakes now" not in html


def test_result_of_a_sealed_or_someone_elses_paper_offers_no_practice(
    client, staff, student, sealed_quiz, questions, time_machine
):
    time_machine.move_to(T0, tick=False)
    paper = graded_attempt(user=student, quiz=sealed_quiz, picks={}, now=T0)
    client.force_login(student)
    html = client.get(reverse("attempt_result", args=[paper.public_id])).content.decode()
    assert "your result appears at" in html
    assert "Practise this paper's mistakes now" not in html
    client.force_login(staff)  # sees the review, but the cards are the student's
    html = client.get(reverse("attempt_result", args=[paper.public_id])).content.decode()
    assert "Question by question" in html
    assert "Practise this paper's mistakes now" not in html


def test_practice_result_and_page_word_the_rule_for_right_wrong_and_blank(
    student_client, student, quiz, questions, time_machine
):
    time_machine.move_to(T0, tick=False)
    graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    round_ = practice_start(user=student, scope="early", now=T0)
    attempt_submit(attempt=round_, now=T0)
    rule = (
        "A question you get right when it is due moves up a box and waits longer: 1, 3, 7, then 21 days, and right "
        "once more after that, it counts as learned. Right before it is due, it stays in its box and comes back "
        "when it was due. Wrong, here or in any quiz, it goes back to box 1 and is due tomorrow; you can practise "
        "it again at once. Left blank in a practice round, it stays as it was; left blank in a quiz, it counts as "
        "a miss."
    )
    assert rule == wording.PRACTICE_RULE
    result = student_client.get(reverse("attempt_result", args=[round_.public_id])).content.decode()
    assert f"<p data-practice-rule>{rule} <a" in result
    assert "come back tomorrow" not in result
    assert f"<p data-practice-rule>{rule}</p>" in student_client.get(reverse("practice")).content.decode()


def test_practice_start_of_a_paper_queries_do_not_grow(
    student_client, student, time_machine, django_assert_num_queries
):
    """A round of a paper's 2 mistakes and one of its 40 start with the same queries."""

    def measure(missed: int) -> int:
        questions = QuestionFactory.create_batch(missed)
        paper = graded_attempt(user=student, quiz=QuizFactory(questions=questions), picks={}, now=T0)
        data = {"scope": "paper", "paper": str(paper.public_id), "size": "40"}
        with django_assert_num_queries(20):
            count = queries_for(student_client, reverse("practice_start"), method="post", data=data, status=302)
        round_ = Attempt.objects.get(quiz__is_practice=True, status=Attempt.Status.IN_PROGRESS)
        assert round_.question_count == missed
        attempt_submit(attempt=round_)
        return count

    Quiz.objects.practice()
    time_machine.move_to(T0, tick=False)
    small = measure(2)
    assert measure(40) == small
