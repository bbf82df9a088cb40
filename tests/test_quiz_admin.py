"""Quiz authoring in the admin, extra time, and attempts as read-only history."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from content.models import Statement
from quiz.models import Attempt, ExtraTime, Quiz
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit
from tests.factories import (
    AssertionReasonQuestionFactory,
    FactFactory,
    QuestionFactory,
    QuizFactory,
    RuleQuizFactory,
    StatementQuestionFactory,
    UserFactory,
)
from tests.helpers import queries_for, quiz_form

pytestmark = pytest.mark.django_db


def test_admin_adds_a_fixed_quiz_with_its_questions(staff_client):
    first, second = QuestionFactory(), QuestionFactory()
    form = quiz_form(
        **{
            "quiz_questions-TOTAL_FORMS": "2",
            "quiz_questions-0-question": second.pk,
            "quiz_questions-0-order": "1",
            "quiz_questions-1-question": first.pk,
            "quiz_questions-1-order": "2",
        }
    )
    response = staff_client.post(reverse("admin:quiz_quiz_add"), form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    quiz = Quiz.objects.get(slug="weekly")
    assert quiz.time_limit == timedelta(minutes=20)
    assert list(quiz.quiz_questions.values_list("question_id", flat=True)) == [second.pk, first.pk]


def test_admin_refuses_a_quiz_timed_two_ways(staff_client):
    form = quiz_form(title="Both", slug="both", seconds_per_question="72", selection="rule", is_published="")
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


# --- issue 17, item 7: the error summary, rule or list, a new quiz last, "Add to quiz…" ------------

QUIZ_FORM = quiz_form(is_published="")


def test_admin_quiz_error_summary_names_each_problem_and_links_its_field(staff_client):
    form = {**QUIZ_FORM, "seconds_per_question": "72", "marks_per_correct": "0"}
    response = staff_client.post(reverse("admin:quiz_quiz_add"), form)
    assert [(line.text, line.anchor) for line in response.context["error_summary"]] == [
        ("Give either a time limit or seconds per question, not both.", ""),
        ("Marks per correct: A correct answer earns at least 0.01 marks.", "id_marks_per_correct"),
    ]
    html = response.content.decode()
    assert html.index('class="error-summary"') < html.index('id="id_title"')
    assert not Quiz.objects.exists()


def _rule_and_list(html: str) -> tuple[str, str]:
    """The class attributes of the rule's fieldset and of the fixed list's."""
    rule = re.search(
        r'<fieldset class="module aligned ([^"]*)" aria-labelledby="[^"]*">\s*(?:<details><summary>)?\s*'
        r"<h2 [^>]*>Drawing rule",
        html,
    )
    listed = re.search(r'<fieldset class="module ([^"]*)" aria-labelledby="quiz_questions-heading">', html)
    return rule[1].strip(), listed[1].strip()


def test_admin_quiz_shows_the_rule_or_the_list_its_selection_uses(staff_client):
    fixed, rule = QuizFactory(questions=[QuestionFactory()]), RuleQuizFactory()
    change = "admin:quiz_quiz_change"
    assert _rule_and_list(staff_client.get(reverse(change, args=[fixed.pk])).content.decode()) == (
        "rule-fields collapse",
        "",
    )
    assert _rule_and_list(staff_client.get(reverse(change, args=[rule.pk])).content.decode()) == (
        "rule-fields",
        "collapse",
    )
    add = reverse("admin:quiz_quiz_add")
    assert _rule_and_list(staff_client.get(add).content.decode()) == ("rule-fields collapse", "")
    assert _rule_and_list(staff_client.get(add + "?selection=rule").content.decode()) == ("rule-fields", "collapse")
    refused = staff_client.post(add, {**QUIZ_FORM, "selection": "rule", "title": ""})
    assert _rule_and_list(refused.content.decode()) == ("rule-fields", "collapse")
    assert '<script src="/static/js/admin-quiz.js"></script>' in refused.content.decode()


def test_admin_switching_a_quiz_to_a_rule_saves_its_rule_in_the_same_save(staff_client):
    quiz = QuizFactory(questions=[QuestionFactory()])
    form = {**QUIZ_FORM, "slug": quiz.slug, "selection": "rule", "rule_count": "5", "rule_traps_only": "on"}
    form.update({"quiz_questions-TOTAL_FORMS": "0", "quiz_questions-INITIAL_FORMS": "0"})
    response = staff_client.post(reverse("admin:quiz_quiz_change", args=[quiz.pk]), form)
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert (quiz.selection, quiz.rule_count, quiz.rule_traps_only) == ("rule", 5, True)


def test_admin_new_quiz_goes_after_the_last(staff_client):
    QuizFactory(position=0)
    QuizFactory(position=7)
    Quiz.objects.practice()  # at 10,000, and never listed: not "the last"
    response = staff_client.get(reverse("admin:quiz_quiz_add"))
    assert response.context["adminform"].form.initial["position"] == 8
    assert 'name="position" value="8"' in response.content.decode()


def test_admin_first_quiz_goes_first(staff_client):
    assert staff_client.get(reverse("admin:quiz_quiz_add")).context["adminform"].form.initial["position"] == 0


def test_admin_quiz_paper_checks_name_kinds_by_their_labels(staff_client):
    quiz = QuizFactory(questions=[QuestionFactory(), StatementQuestionFactory(), AssertionReasonQuestionFactory()])
    html = staff_client.get(reverse("admin:quiz_quiz_change", args=[quiz.pk])).content.decode()
    assert "3 published questions: Assertion and reason 1, Single answer 1, Statements: which are correct 1" in html


def test_admin_quiz_paper_checks_name_a_fact_stated_true_each_time(staff_client):
    fact = FactFactory(key="varuna", text="India holds Varuna with France in 2024.")
    rows = [("India holds Varuna with France.", True), ("Malabar trains navies.", False), ("It helps.", True)]
    questions = StatementQuestionFactory.create_batch(2, statements=rows)
    for question in questions:
        question.tests.add(fact)
    html = staff_client.get(reverse("admin:quiz_quiz_change", args=[QuizFactory(questions=questions).pk])).content
    assert "varuna: stated true 2 time(s) and false 0 time(s)" in html.decode()
    swapped = {"text": "India holds Varuna with Japan.", "is_true": False}
    Statement.objects.filter(question=questions[1], key="s1").update(**swapped)
    html = staff_client.get(reverse("admin:quiz_quiz_change", args=[QuizFactory(questions=questions).pk])).content
    assert "varuna: stated" not in html.decode()


def test_admin_fixed_quiz_change_page_makes_a_fixed_number_of_queries(staff_client):
    """Whatever the length of the fixed list: its rows, their questions and the paper checks."""
    small, large = (QuizFactory(questions=QuestionFactory.create_batch(n)) for n in (2, 22))
    counts = [queries_for(staff_client, reverse("admin:quiz_quiz_change", args=[quiz.pk])) for quiz in (small, large)]
    assert counts == [14, 14]


def test_admin_fixed_quiz_rows_name_their_questions(staff_client):
    questions = [QuestionFactory(key="pva-01"), QuestionFactory(key="pva-02")]
    html = staff_client.get(reverse("admin:quiz_quiz_change", args=[QuizFactory(questions=questions).pk])).content
    for n, question in enumerate(questions):
        option = f'<option value="{question.pk}" selected>{question}</option>'
        assert option in html.decode(), f"row {n}"


QUESTIONS = reverse("admin:content_question_changelist")


def _add_to_quiz(client, questions, *, quiz=None, query=""):
    data = {"action": "add_to_quiz", "_selected_action": [q.pk for q in questions]}
    if quiz is not None:
        data["quiz"] = quiz.pk
    return client.post(QUESTIONS + query, data, follow=quiz is not None)


def test_admin_add_to_quiz_asks_which_fixed_quiz_first(staff_client):
    questions = [QuestionFactory(key="q-1"), QuestionFactory(key="q-2", status="draft")]
    weekly = QuizFactory(title="Weekly test")
    RuleQuizFactory(title="Drawn")
    Quiz.objects.practice()
    response = _add_to_quiz(staff_client, questions)
    assert response.status_code == 200
    assert list(response.context["form"].fields["quiz"].queryset) == [weekly]
    html = response.content.decode()
    assert "2 questions selected; <strong data-published>1</strong> is published." in html
    assert "<strong>q-2</strong> (not published: skipped)" in html
    assert f'<input type="hidden" name="_selected_action" value="{questions[1].pk}">' in html
    assert not weekly.quiz_questions.exists()


def test_admin_add_to_quiz_appends_in_list_order_and_skips_what_it_cannot_add(staff_client):
    on_it = QuestionFactory(key="q-on")
    quiz = QuizFactory(title="Weekly test", questions=[on_it])
    new = [QuestionFactory(key=f"q-{n}") for n in (3, 1, 2)]
    draft = QuestionFactory(key="q-draft", status="draft")
    # Listed by key, descending: the order the author sees is the order they are appended in.
    response = _add_to_quiz(staff_client, [*new, on_it, draft], quiz=quiz, query="?o=-1")
    assert [(m.level_tag, m.message) for m in response.context["messages"]] == [
        (
            "success",
            "Added 3 questions to “Weekly test”, at the end: q-3, q-2, q-1. It now has 4 questions. "
            "Skipped 1 already on it: q-on. Skipped 1 not published (publish them first): q-draft.",
        )
    ]
    assert list(quiz.quiz_questions.values_list("question__key", "order")) == [
        ("q-on", 1),
        ("q-3", 2),
        ("q-2", 3),
        ("q-1", 4),
    ]
    assert LogEntry.objects.get(object_id=str(quiz.pk)).change_message == "Added to the fixed list: q-3, q-2, q-1."


def test_admin_add_to_quiz_that_adds_nothing_says_so(staff_client):
    question = QuestionFactory(key="q-on")
    quiz = QuizFactory(title="Weekly test", questions=[question])
    response = _add_to_quiz(staff_client, [question], quiz=quiz)
    assert [(m.level_tag, m.message) for m in response.context["messages"]] == [
        ("warning", "Added 0 questions to “Weekly test”. It now has 1 question. Skipped 1 already on it: q-on.")
    ]
    assert quiz.quiz_questions.count() == 1


def test_admin_add_to_quiz_refuses_a_quiz_that_is_not_fixed(staff_client):
    question = QuestionFactory()
    rule = RuleQuizFactory()
    response = _add_to_quiz(staff_client, [question], quiz=rule)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "quiz": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert not rule.quiz_questions.exists()


def test_admin_add_to_quiz_without_a_fixed_quiz_says_to_add_one(staff_client):
    html = _add_to_quiz(staff_client, [QuestionFactory()]).content.decode()
    assert "<p data-no-quiz>There is no fixed quiz to add them to yet" in html


def test_admin_add_to_quiz_needs_the_permission_to_change_quizzes(client):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=["view_question", "change_question"]))
    client.force_login(clerk)
    question, quiz = QuestionFactory(), QuizFactory()
    assert "add_to_quiz" not in client.get(QUESTIONS).content.decode()
    response = _add_to_quiz(client, [question], quiz=quiz)
    assert [m.message for m in response.context["messages"]] == ["No action selected."]
    assert not quiz.quiz_questions.exists()
    clerk.user_permissions.add(Permission.objects.get(codename="change_quiz"))
    assert 'value="add_to_quiz"' in client.get(QUESTIONS).content.decode()


def test_admin_add_to_quiz_page_makes_a_fixed_number_of_queries(staff_client):
    """Session, user; the changelist Django builds for any action (its filters' topics and sources,
    twice, and two counts); the selected questions; whether a fixed quiz exists, and the quizzes."""
    QuizFactory.create_batch(2)
    few = QuestionFactory.create_batch(2)
    data = {"action": "add_to_quiz", "_selected_action": [q.pk for q in few]}
    small = queries_for(staff_client, QUESTIONS, method="post", data=data)
    QuizFactory.create_batch(10)
    data["_selected_action"] += [q.pk for q in QuestionFactory.create_batch(30)]
    assert queries_for(staff_client, QUESTIONS, method="post", data=data) == small == 12


def test_admin_add_to_quiz_makes_a_fixed_number_of_queries(staff_client):
    """The changelist as above, the quiz chosen and then locked, what is on it and its last place,
    the questions, one insert for them all, and the quiz's history entry."""
    quiz = QuizFactory(questions=[QuestionFactory()])
    few = QuestionFactory.create_batch(2)
    data = {"action": "add_to_quiz", "_selected_action": [q.pk for q in few], "quiz": quiz.pk}
    small = queries_for(staff_client, QUESTIONS, method="post", data=data, status=302)
    data["_selected_action"] = [q.pk for q in QuestionFactory.create_batch(30)]
    assert queries_for(staff_client, QUESTIONS, method="post", data=data, status=302) == small == 18
