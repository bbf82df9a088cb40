"""Quiz authoring in the admin, extra time, and attempts as read-only history."""

from datetime import timedelta

import pytest
from django.urls import reverse

from quiz.models import Attempt, ExtraTime, Quiz
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import queries_for

pytestmark = pytest.mark.django_db


def test_admin_adds_a_fixed_quiz_with_its_questions(staff_client):
    first, second = QuestionFactory(), QuestionFactory()
    form = {
        "title": "Weekly test",
        "slug": "weekly",
        "instructions": "",
        "position": 0,
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
        "quiz_questions-TOTAL_FORMS": "2",
        "quiz_questions-INITIAL_FORMS": "0",
        "quiz_questions-0-question": second.pk,
        "quiz_questions-0-order": "1",
        "quiz_questions-1-question": first.pk,
        "quiz_questions-1-order": "2",
    }
    response = staff_client.post(reverse("admin:quiz_quiz_add"), form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    quiz = Quiz.objects.get(slug="weekly")
    assert quiz.time_limit == timedelta(minutes=20)
    assert list(quiz.quiz_questions.values_list("question_id", flat=True)) == [second.pk, first.pk]


def test_admin_refuses_a_quiz_timed_two_ways(staff_client):
    form = {
        "title": "Both",
        "slug": "both",
        "position": 0,
        "time_limit": "00:20:00",
        "seconds_per_question": "72",
        "marks_per_correct": "2",
        "penalty_numerator": "1",
        "penalty_denominator": "3",
        "selection": "rule",
        "rule_difficulty_min": "1",
        "rule_difficulty_max": "3",
        "explanations": "after_submit",
        "quiz_questions-TOTAL_FORMS": "0",
        "quiz_questions-INITIAL_FORMS": "0",
    }
    response = staff_client.post(reverse("admin:quiz_quiz_add"), form)
    assert response.status_code == 200
    assert "Give either a time limit or seconds per question, not both." in response.content.decode()
    assert not Quiz.objects.exists()


def test_admin_extra_time_stretches_the_students_next_paper(staff_client, student):
    response = staff_client.post(
        reverse("admin:quiz_extratime_add"),
        {"user": student.pk, "minutes_per_hour": "20", "reason": "Certificate seen"},
    )
    assert response.status_code == 302
    assert ExtraTime.objects.get(user=student).minutes_per_hour == 20
    quiz = QuizFactory(questions=[QuestionFactory()], time_limit=timedelta(hours=1))
    attempt = attempt_start(quiz=quiz, user=student).attempt
    assert attempt.deadline - attempt.started_at == timedelta(minutes=80)


def test_admin_attempts_are_read_only(staff_client, student):
    question = QuestionFactory()
    attempt = attempt_start(quiz=QuizFactory(questions=[question]), user=student).attempt
    answer_save(
        user=attempt.user,
        attempt_public_id=attempt.public_id,
        question_id=question.pk,
        choice_id=question.choices.first().pk,
        marked=False,
    )
    attempt = attempt_submit(attempt=attempt)
    change = reverse("admin:quiz_attempt_change", args=[attempt.pk])

    page = staff_client.get(change).content.decode()
    assert "Save" not in page.replace("Saved", "")
    staff_client.post(change, {"score": "99"})
    assert Attempt.objects.get(pk=attempt.pk).score == attempt.score
    assert staff_client.get(reverse("admin:quiz_attempt_add")).status_code == 403
    assert staff_client.get(reverse("admin:quiz_attempt_delete", args=[attempt.pk])).status_code == 403


def test_admin_attempts_are_staff_only(student_client):
    assert student_client.get(reverse("admin:quiz_attempt_changelist"))["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    ("url_name", "expected"), [("admin:quiz_quiz_changelist", 5), ("admin:quiz_attempt_changelist", 9)]
)
def test_admin_quiz_and_attempt_lists_query_count_does_not_grow(
    staff_client, url_name, expected, django_assert_num_queries
):
    def add_quiz_with_attempt():
        question = QuestionFactory()
        attempt_submit(attempt=attempt_start(quiz=QuizFactory(questions=[question]), user=UserFactory()).attempt)

    add_quiz_with_attempt()
    with django_assert_num_queries(expected):
        small = queries_for(staff_client, reverse(url_name))
    for _ in range(10):
        add_quiz_with_attempt()
    with django_assert_num_queries(expected):
        assert queries_for(staff_client, reverse(url_name)) == small


def test_admin_quiz_list_links_to_its_attempts(staff_client, student):
    quiz = QuizFactory(questions=[QuestionFactory()])
    attempt_submit(attempt=attempt_start(quiz=quiz, user=student).attempt)
    html = staff_client.get(reverse("admin:quiz_quiz_changelist")).content.decode()
    assert f'<a href="/admin/quiz/attempt/?quiz__id__exact={quiz.pk}">1</a>' in html
    listed = staff_client.get(f"/admin/quiz/attempt/?quiz__id__exact={quiz.pk}").content.decode()
    assert "asha · " in listed
