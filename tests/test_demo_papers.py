"""The demo student's past papers (`create_demo_papers`, run by `make run`): real papers over ten
days that History, Practice and the results show at once; made once, however often it runs."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from quiz.models import Attempt, AttemptQuestion, ReviewCard
from quiz.selectors.progress import cards_due

pytestmark = pytest.mark.django_db

# 09:30 in Kolkata on 25 Nov 2026: the papers fall from 15 to 24 Nov.
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def run(command: str, **options) -> str:
    out = StringIO()
    call_command(command, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo():
    run("load_bank")
    run("create_demo_users")
    with time_machine.travel(NOW, tick=False):
        output = run("create_demo_papers")
    return output


def sat(username="student") -> list[tuple]:
    return [
        (
            timezone.localtime(a.submitted_at).strftime("%d %b %H:%M"),
            a.quiz.slug,
            a.status,
            a.correct_count,
            a.wrong_count,
            a.blank_count,
            a.score,
            a.max_score,
        )
        for a in Attempt.objects.filter(user__username=username).select_related("quiz").order_by("started_at")
    ]


def test_create_demo_papers_sits_six_papers_over_ten_days_scoring_a_little_better(demo):
    papers = sat()
    assert [(when[:6], slug, status, c, w, b, score, top) for when, slug, status, c, w, b, score, top in papers] == [
        ("15 Nov", "quick-10", "submitted", 4, 4, 2, Decimal("5.33"), Decimal("20.00")),
        ("17 Nov", "trap-drill", "submitted", 6, 6, 3, Decimal("8.00"), Decimal("30.00")),
        ("19 Nov", "india-and-nato", "submitted", 5, 3, 2, Decimal("8.00"), Decimal("20.00")),
        ("21 Nov", "quick-10", "submitted", 6, 3, 1, Decimal("10.00"), Decimal("20.00")),
        ("24 Nov", "trap-drill", "submitted", 9, 4, 2, Decimal("15.33"), Decimal("30.00")),
        ("24 Nov", "quick-10", "submitted", 7, 2, 1, Decimal("12.67"), Decimal("20.00")),
    ]
    shares = [score / top for *_, score, top in papers]
    assert shares[-1] > shares[0]
    assert demo.splitlines()[0] == "Gave student 6 past papers:"
    assert demo.splitlines()[-1].endswith("Quick 10: 12.67 / 20.00")


def test_create_demo_papers_fills_history_practice_and_the_results(demo, client):
    student = Attempt.objects.filter(user__username="student").first().user
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        history = client.get(reverse("history")).content.decode()
        practice = client.get(reverse("practice")).content.decode()
        due = cards_due(student, now=timezone.now()).count()
    assert history.count('class="point"') == 6
    assert 'data-axis="last">Paper 6 · 24 Nov</text>' in history
    # The questions missed became review cards (the draws vary, so how many does too); those missed
    # before today are due today.
    on_papers = set(AttemptQuestion.objects.filter(attempt__user=student).values_list("question_id", flat=True))
    cards = set(ReviewCard.objects.filter(user=student).values_list("question_id", flat=True))
    assert cards and cards <= on_papers
    assert 0 < due <= len(cards)
    assert f"Due today: <span data-due>{due}</span>" in practice
    for attempt in Attempt.objects.filter(user=student):
        assert client.get(reverse("attempt_result", args=[attempt.public_id])).status_code == 200


def test_create_demo_papers_twice_adds_nothing(demo):
    before = sat()
    with time_machine.travel(NOW, tick=False):
        assert run("create_demo_papers") == "student has papers already: none added.\n"
    assert sat() == before


def test_create_demo_papers_needs_the_demo_student_and_the_bank(db):
    with pytest.raises(
        CommandError, match=re.escape("No user 'student': run `python manage.py create_demo_users` first.")
    ):
        run("create_demo_papers")
    run("create_demo_users")
    with pytest.raises(
        CommandError,
        match=re.escape("no quiz india-and-nato, quick-10, trap-drill: run `python manage.py load_bank` first."),
    ):
        run("create_demo_papers")
    assert Attempt.objects.count() == 0


def test_demo_papers_carry_tags_and_measured_time_for_the_risk_report_and_calibration(demo):
    from django.contrib.auth import get_user_model

    from quiz.selectors.progress import confidence_calibration

    student = get_user_model().objects.get(username="student")
    answered = Attempt.objects.get(user=student, quiz__slug="trap-drill", number=1).answers.exclude(choice=None)
    assert answered.exclude(confidence="").count() >= answered.count() * 3 // 4
    assert not answered.filter(active_seconds=0).exists()
    with time_machine.travel(NOW, tick=False):
        levels = {level.group.confidence: level for level in confidence_calibration(student)}
    # Enough sure and 50:50 answers for History to advise on them; the guesses are too few yet.
    assert (levels["sure"].enough, levels["fifty"].enough, levels["guess"].enough) == (True, True, False)
    assert ReviewCard.objects.filter(user=student, sure_miss=True).exists()
