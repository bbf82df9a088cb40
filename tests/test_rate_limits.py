"""Rate limits on starting and submitting papers and practice rounds, per student (issue 14, item 12
of the findings; requirement 10): a refusal is a 429 that says so and changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from quiz.models import Answer, Attempt, ReviewCard
from quiz.services.attempts import attempt_start, attempt_submit
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import DAY, T0, graded_attempt, right, wrong

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions():
    return QuestionFactory.create_batch(3)


@pytest.fixture
def quiz(questions):
    return QuizFactory(slug="drill", title="Drill", questions=questions)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    # One rate-limit window for the whole test, whatever the machine's speed.
    time_machine.move_to(T0, tick=False)


def _start(client, quiz):
    return client.post(reverse("quiz_start", args=[quiz.slug]))


def test_rate_limit_start_refuses_the_eleventh_start_in_a_minute_and_changes_nothing(
    student_client, student, quiz, time_machine
):
    for _ in range(10):  # the default: 10 a minute, each a new paper
        assert _start(student_client, quiz).status_code == 302
        attempt_submit(attempt=Attempt.objects.get(user=student, status="in_progress"), now=T0)
    refused = _start(student_client, quiz)
    assert refused.status_code == 429
    seconds = int(refused["Retry-After"])
    assert 1 <= seconds <= 60
    html = refused.content.decode()
    assert "You pressed Start too many times in the last minute, so this start was refused and nothing changed." in html
    assert f"Try again in {seconds} second{'s' if seconds != 1 else ''}." in html
    assert f'href="{reverse("quiz_detail", args=["drill"])}">Go back</a>' in html
    assert Attempt.objects.filter(user=student).count() == 10
    assert not Attempt.objects.filter(user=student, status="in_progress").exists()

    # Another student is not held back by this one, and the student may start again once the window has passed.
    other = UserFactory(username="ravi")
    student_client.force_login(other)
    assert _start(student_client, quiz).status_code == 302
    student_client.force_login(student)
    time_machine.move_to(T0 + timedelta(seconds=seconds - 1), tick=False)
    assert _start(student_client, quiz).status_code == 429  # Retry-After is exact: not a second early
    time_machine.move_to(T0 + timedelta(seconds=seconds), tick=False)
    assert _start(student_client, quiz).status_code == 302


def test_rate_limit_is_a_setting(student_client, student, quiz, settings):
    settings.QUIZ_RATE_LIMIT = "2/m"
    assert [_start(student_client, quiz).status_code for _ in range(3)] == [302, 302, 429]
    assert Attempt.objects.filter(user=student).count() == 1  # the second start resumed the first paper


def test_rate_limit_submit_counts_submissions_only_and_a_refused_one_saves_nothing(
    student_client, student, quiz, questions, settings
):
    settings.QUIZ_RATE_LIMIT = "2/m"
    first = questions[0]
    for _ in range(2):
        paper = attempt_start(quiz=quiz, user=student, now=T0).attempt
        submit = reverse("attempt_submit", args=[paper.public_id])
        # Saving the form (a page without JavaScript) is not limited.
        for _ in range(5):
            assert student_client.post(submit, {"intent": "save", f"q-{first.pk}": right(first).pk}).status_code == 302
        assert student_client.post(submit, {"intent": "submit"}).status_code == 302
    paper = attempt_start(quiz=quiz, user=student, now=T0).attempt
    submit = reverse("attempt_submit", args=[paper.public_id])
    refused = student_client.post(submit, {"intent": "submit", f"q-{first.pk}": wrong(first).pk})
    assert refused.status_code == 429
    assert "You submitted too many times in the last minute, so this submission was refused" in refused.content.decode()
    assert f'href="{reverse("attempt_paper", args=[paper.public_id])}">Go back</a>' in refused.content.decode()
    paper.refresh_from_db()
    assert paper.is_open and not Answer.objects.filter(attempt=paper).exists()


def test_rate_limit_practice_round_start(student_client, student, quiz, questions, settings):
    settings.QUIZ_RATE_LIMIT = "1/m"
    graded_attempt(user=student, quiz=quiz, picks={q: wrong(q) for q in questions}, now=T0 - 2 * DAY)
    assert student_client.post(reverse("practice_start"), {"size": 10}).status_code == 302
    rounds = Attempt.objects.filter(user=student, quiz__is_practice=True)
    attempt_submit(attempt=rounds.get(), now=T0)
    cards = list(ReviewCard.objects.values_list("question_id", "box", "due_on"))
    refused = student_client.post(reverse("practice_start"), {"size": 10})
    assert refused.status_code == 429
    assert "You started too many practice rounds in the last minute" in refused.content.decode()
    assert rounds.count() == 1
    assert list(ReviewCard.objects.values_list("question_id", "box", "due_on")) == cards


def test_rate_limit_leaves_the_autosave_alone(student_client, student, quiz, questions, settings):
    settings.QUIZ_RATE_LIMIT = "1/m"
    paper = attempt_start(quiz=quiz, user=student, now=T0).attempt
    answer = reverse("attempt_answer", args=[paper.public_id])
    for n in range(30):
        question = questions[n % 3]
        choice = right(question) if n % 2 else wrong(question)
        response = student_client.post(answer, {"question": question.pk, "choice": choice.pk})
        assert response.status_code == 200, response.content


UNREACHABLE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def test_rate_limit_waived_while_the_cache_is_unreachable(student_client, student, quiz, settings, caplog):
    # Redis down must not turn Start and submit into 500s: the limit is waived, and says so in the log.
    working, settings.CACHES = settings.CACHES, UNREACHABLE_CACHE
    assert _start(student_client, quiz).status_code == 302
    attempt = Attempt.objects.get(user=student, status="in_progress")
    response = student_client.post(reverse("attempt_submit", args=[attempt.public_id]), {"intent": "submit"})
    assert response.status_code == 302
    assert Attempt.objects.get(pk=attempt.pk).status == "submitted"
    waived = [r.getMessage() for r in caplog.records if r.name == "config.ratelimits"]
    assert [line.split(":")[0] for line in waived] == ["Rate limit quiz.start waived", "Rate limit quiz.submit waived"]
    settings.CACHES = working  # before the fixtures that clear the cache tear down
