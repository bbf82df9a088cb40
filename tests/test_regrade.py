"""Regrade after a question is corrected, and the attempts' admin: filters and CSV export."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from quiz.models import Answer, Attempt
from quiz.services.regrade import attempts_regrade
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import T0, graded_attempt, right, wrong

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(student):
    """Two students sat a quiz whose first question's key was wrong: 'Wrong one' is the real answer."""
    q1, q2 = QuestionFactory(key="fix-me"), QuestionFactory(key="fine")
    quiz = QuizFactory(slug="drill", title="Drill", questions=[q1, q2])
    ravi = UserFactory(username="ravi")
    chose_old_key = graded_attempt(user=student, quiz=quiz, picks={q1: right(q1), q2: right(q2)}, now=T0)
    chose_real_answer = graded_attempt(user=ravi, quiz=quiz, picks={q1: wrong(q1), q2: right(q2)}, now=T0)
    blank = graded_attempt(user=UserFactory(username="meera"), quiz=quiz, picks={q2: right(q2)}, now=T0)
    return quiz, q1, chose_old_key, chose_real_answer, blank


def correct_the_key(question):
    old, new = right(question), wrong(question)
    old.is_correct, new.is_correct = False, True
    old.save()
    new.save()


def test_editing_a_question_never_changes_a_past_score(student_client, setup):
    _, q1, chose_old_key, _, _ = setup
    correct_the_key(q1)
    chose_old_key.refresh_from_db()
    assert chose_old_key.score == Decimal("4.00")
    html = student_client.get(reverse("attempt_result", args=[chose_old_key.public_id])).content.decode()
    assert '<div class="display-6 fw-semibold" data-score>4.00</div>' in html


def test_regrade_dry_run_lists_changes_and_writes_nothing(setup):
    quiz, q1, chose_old_key, chose_real_answer, _ = setup
    correct_the_key(q1)
    before = list(Answer.objects.order_by("pk").values_list("outcome", "marks"))
    changes = attempts_regrade(quizzes=[quiz], apply=False)
    assert [
        (c.attempt.user.username, c.old_score, c.new_score, c.old_counts, c.new_counts, c.answers_changed)
        for c in changes
    ] == [
        ("asha", Decimal("4.00"), Decimal("1.33"), (2, 0, 0), (1, 1, 0), 1),
        ("ravi", Decimal("1.33"), Decimal("4.00"), (1, 1, 0), (2, 0, 0), 1),
    ]
    assert list(Answer.objects.order_by("pk").values_list("outcome", "marks")) == before
    chose_old_key.refresh_from_db()
    chose_real_answer.refresh_from_db()
    assert (chose_old_key.score, chose_real_answer.score) == (Decimal("4.00"), Decimal("1.33"))


def test_regrade_apply_stores_marks_and_totals(setup):
    quiz, q1, chose_old_key, chose_real_answer, blank = setup
    correct_the_key(q1)
    attempts_regrade(quizzes=[quiz], apply=True)
    chose_old_key.refresh_from_db()
    chose_real_answer.refresh_from_db()
    blank.refresh_from_db()
    assert (chose_old_key.score, chose_old_key.correct_count, chose_old_key.wrong_count) == (Decimal("1.33"), 1, 1)
    assert (chose_real_answer.score, chose_real_answer.correct_count) == (Decimal("4.00"), 2)
    assert blank.score == Decimal("2.00")
    answer = Answer.objects.get(attempt=chose_old_key, question=q1)
    assert (answer.outcome, answer.marks) == ("wrong", Decimal("-0.67"))
    assert attempts_regrade(quizzes=[quiz], apply=False) == []


def test_regrade_keeps_each_attempts_own_marking(setup):
    quiz, q1, chose_old_key, _, _ = setup
    Attempt.objects.filter(pk=chose_old_key.pk).update(marks_per_correct=1, penalty_numerator=1, penalty_denominator=4)
    quiz.marks_per_correct = 5
    quiz.save()
    correct_the_key(q1)
    attempts_regrade(quizzes=[quiz], apply=True)
    chose_old_key.refresh_from_db()
    assert chose_old_key.score == Decimal("0.75")  # +1 - 1/4, the scheme it was sat under


def test_regrade_leaves_open_attempts_alone(student, setup):
    quiz, q1, *_ = setup
    from quiz.services.answers import answer_save
    from quiz.services.attempts import attempt_start

    other = UserFactory(username="open")
    running = attempt_start(quiz=quiz, user=other).attempt
    answer_save(
        user=running.user, attempt_public_id=running.public_id, question_id=q1.pk, choice_id=right(q1).pk, marked=False
    )
    correct_the_key(q1)
    assert running.pk not in [c.attempt.pk for c in attempts_regrade(quizzes=[quiz], apply=True)]
    assert Answer.objects.get(attempt=running, question=q1).outcome == ""


def test_regrade_admin_action_shows_a_dry_run_then_applies(staff_client, setup):
    quiz, q1, chose_old_key, _, _ = setup
    correct_the_key(q1)
    changelist = reverse("admin:quiz_quiz_changelist")
    dry = staff_client.post(changelist, {"action": "regrade", "_selected_action": [quiz.pk]})
    html = dry.content.decode()
    assert dry.status_code == 200
    assert "<strong data-changes>2</strong> attempts would change:" in html
    assert "<td>asha</td><td>Drill</td><td>#1</td><td>4.00</td><td><strong>1.33</strong></td>" in html
    chose_old_key.refresh_from_db()
    assert chose_old_key.score == Decimal("4.00")

    applied = staff_client.post(
        changelist, {"action": "regrade", "_selected_action": [quiz.pk], "apply": "yes"}, follow=True
    )
    assert "Regraded 2 attempts of Drill; the others already matched the key." in applied.content.decode()
    chose_old_key.refresh_from_db()
    assert chose_old_key.score == Decimal("1.33")
    assert LogEntry.objects.get().change_message == "Regraded: 2 attempt(s) changed."


def test_regrade_admin_action_with_nothing_to_change(staff_client, setup):
    quiz, *_ = setup
    html = staff_client.post(
        reverse("admin:quiz_quiz_changelist"), {"action": "regrade", "_selected_action": [quiz.pk]}
    ).content.decode()
    assert "Every closed attempt already matches the key: nothing to regrade." in html


def test_regrade_action_is_staff_only(student_client, setup):
    quiz, q1, chose_old_key, *_ = setup
    correct_the_key(q1)
    response = student_client.post(
        reverse("admin:quiz_quiz_changelist"), {"action": "regrade", "_selected_action": [quiz.pk], "apply": "yes"}
    )
    assert response.status_code == 302
    chose_old_key.refresh_from_db()
    assert chose_old_key.score == Decimal("4.00")


# --- the attempts' admin -------------------------------------------------------------------------


def test_attempt_admin_filters_by_quiz_student_status_and_date(staff_client, setup):
    _, _, chose_old_key, *_ = setup
    other = QuestionFactory()
    graded_attempt(user=chose_old_key.user, quiz=QuizFactory(questions=[other]), picks={}, now=T0)
    changelist = reverse("admin:quiz_attempt_changelist")
    html = staff_client.get(changelist).content.decode()
    for heading in ("By status", "By quiz", "By user", "By started at"):
        assert heading in html
    only_asha = staff_client.get(changelist, {"user__id__exact": chose_old_key.user_id})
    assert only_asha.context["cl"].result_count == 2
    only_drill = staff_client.get(
        changelist, {"quiz__id__exact": chose_old_key.quiz_id, "user__id__exact": chose_old_key.user_id}
    )
    assert list(only_drill.context["cl"].result_list) == [chose_old_key]
    assert staff_client.get(changelist, {"status__exact": "timed_out"}).context["cl"].result_count == 0


def test_attempt_admin_exports_the_filtered_list_as_csv(staff_client, setup):
    _, _, chose_old_key, *_ = setup
    changelist = staff_client.get(reverse("admin:quiz_attempt_changelist"), {"user__id__exact": chose_old_key.user_id})
    export_url = f"{reverse('admin:quiz_attempt_export')}?user__id__exact={chose_old_key.user_id}"
    assert f'href="{export_url}"' in changelist.content.decode()
    response = staff_client.get(export_url)
    assert response.status_code == 200, response.content[:400]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [list(row) for row in rows] == [EXPORT_COLUMNS]
    assert rows[0] | {"started_at": "", "deadline": "", "submitted_at": ""} == {
        "attempt": str(chose_old_key.public_id),
        "student": "asha",
        "quiz": "drill",
        "number": "1",
        "status": "submitted",
        "started_at": "",
        "deadline": "",
        "submitted_at": "",
        "time_taken_seconds": "30",
        "question_count": "2",
        "correct_count": "2",
        "wrong_count": "0",
        "blank_count": "0",
        "score": "4.00",
        "max_score": "4.00",
        "accuracy_percent": "100.0",
    }
    # Times are local (Asia/Kolkata): the paper started at T0, 09:00 UTC.
    assert (rows[0]["started_at"], rows[0]["deadline"], rows[0]["submitted_at"]) == (
        "2026-11-22 14:30:00",
        "2026-11-22 14:40:00",
        "2026-11-22 14:30:30",
    )


def test_attempt_admin_export_needs_the_view_permission(client, setup):
    client.force_login(UserFactory(username="clerk", is_staff=True))
    assert client.get(reverse("admin:quiz_attempt_export")).status_code == 403


EXPORT_COLUMNS = [
    "attempt",
    "student",
    "quiz",
    "number",
    "status",
    "started_at",
    "deadline",
    "submitted_at",
    "time_taken_seconds",
    "question_count",
    "correct_count",
    "wrong_count",
    "blank_count",
    "score",
    "max_score",
    "accuracy_percent",
]


def test_attempt_admin_is_read_only(staff_client, setup):
    _, _, chose_old_key, *_ = setup
    url = reverse("admin:quiz_attempt_change", args=[chose_old_key.pk])
    html = staff_client.get(url).content.decode()
    assert 'name="_save"' not in html
    assert staff_client.post(url, {"score": "99"}).status_code == 403
    chose_old_key.refresh_from_db()
    assert chose_old_key.score == Decimal("4.00")


def test_quiz_admin_links_to_item_analysis(staff_client, setup):
    quiz, *_ = setup
    html = staff_client.get(reverse("admin:quiz_quiz_changelist")).content.decode()
    assert f'<a href="{reverse("quiz_stats", args=[quiz.slug])}">Statistics per question</a>' in html
    change = staff_client.get(reverse("admin:quiz_quiz_change", args=[quiz.pk])).content.decode()
    assert reverse("quiz_stats", args=[quiz.slug]) in change


def test_regrade_needs_change_permission(client, setup):
    from django.contrib.auth.models import Permission

    quiz, q1, chose_old_key, *_ = setup
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_quiz"))
    client.force_login(viewer)
    correct_the_key(q1)
    response = client.post(
        reverse("admin:quiz_quiz_changelist"), {"action": "regrade", "_selected_action": [quiz.pk], "apply": "yes"}
    )
    assert response.status_code in (200, 302)
    chose_old_key.refresh_from_db()
    assert chose_old_key.score == Decimal("4.00")


def test_regrade_sends_answers_now_wrong_to_practice(setup):
    from datetime import date

    from quiz.models import ReviewCard

    quiz, q1, chose_old_key, *_ = setup
    correct_the_key(q1)
    assert not ReviewCard.objects.filter(user=chose_old_key.user).exists()
    attempts_regrade(quizzes=[quiz], apply=True)
    card = ReviewCard.objects.get(user=chose_old_key.user)
    assert (card.question, card.box, card.misses) == (q1, 1, 1)
    assert card.due_on > date(2026, 11, 22)


def test_regrade_dry_run_names_other_quizzes_with_the_question(staff_client, setup):
    quiz, q1, *_ = setup
    mock = QuizFactory(title="Mock", questions=[q1])
    graded_attempt(user=UserFactory(username="dev"), quiz=mock, picks={q1: right(q1)}, now=T0)
    correct_the_key(q1)
    html = staff_client.post(
        reverse("admin:quiz_quiz_changelist"), {"action": "regrade", "_selected_action": [quiz.pk]}
    ).content.decode()
    assert "closed attempts of <strong>Mock</strong>: select it too to regrade those papers." in html


# --- CSV injection (issue 14, finding 9) -------------------------------------------------------------

FORMULAS = ["+1+2", '=HYPERLINK("http://evil.example","x")', "@SUM(A1)", "-2+3", "\t=1+1", "\r=1+1"]


def test_csv_export_neutralises_formula_cells(staff_client):
    """A cell a spreadsheet would run starts with a single quote; the app's own numbers stay numbers."""
    question = QuestionFactory()
    quiz = QuizFactory(slug="-drill", questions=[question])  # a slug may start with "-" too
    for name in FORMULAS:
        # Factories skip the username validator: whatever a database holds must export safely.
        graded_attempt(user=UserFactory(username=name), quiz=quiz, picks={question: wrong(question)}, now=T0)
    response = staff_client.get(f"{reverse('admin:quiz_attempt_export')}?o=1")
    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    assert sorted((row["student"], row["quiz"], row["score"]) for row in rows) == sorted(
        (f"'{name}", "'-drill", "-0.67") for name in FORMULAS
    )
