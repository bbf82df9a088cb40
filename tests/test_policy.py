"""quiz/policy.py: the rules themselves, and proof that every page able to show a key asks them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from quiz import policy
from quiz.models import Attempt, Quiz
from quiz.policy import ReviewSealed, StartRefusal
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import T0, before_the_seal, graded_attempt, right, wrong

# --- may this student start ------------------------------------------------------------------------


def _quiz(pk: int = 1, **fields) -> Quiz:
    return Quiz(pk=pk, title=f"Quiz {pk}", **{"is_published": True, **fields})


def _open_paper(quiz: Quiz) -> Attempt:
    return Attempt(quiz=quiz, status=Attempt.Status.IN_PROGRESS, deadline=T0 + timedelta(minutes=5))


@pytest.mark.parametrize(
    ("fields", "taken", "length", "refusal"),
    [
        ({}, 0, 5, None),
        ({"is_published": False}, 0, 5, StartRefusal.NOT_PUBLISHED),
        ({"opens_at": T0 + timedelta(seconds=1)}, 0, 5, StartRefusal.UPCOMING),
        ({"closes_at": T0}, 0, 5, StartRefusal.CLOSED),
        ({"attempts_allowed": 2}, 2, 5, StartRefusal.NO_ATTEMPTS_LEFT),
        ({"attempts_allowed": 2}, 1, 5, None),
        ({}, 0, 0, StartRefusal.EMPTY),
        ({}, 0, None, None),
    ],
)
def test_start_check_refuses_for_the_first_reason_that_holds(fields, taken, length, refusal):
    quiz = _quiz(**fields)
    check = policy.start_check(quiz=quiz, open_attempt=None, taken=taken, length=length, now=T0)
    assert check.refusal == refusal
    assert check.may_start is (refusal is None)


def test_start_check_resumes_the_open_paper_of_the_same_quiz():
    quiz = _quiz(attempts_allowed=1)
    paper = _open_paper(quiz)
    check = policy.start_check(quiz=quiz, open_attempt=paper, taken=1, length=5, now=T0)
    assert (check.resume, check.refusal, check.may_start, check.attempts_left) == (paper, None, False, 0)


def test_start_check_refuses_while_another_paper_runs():
    other = _open_paper(_quiz(pk=2))
    check = policy.start_check(quiz=_quiz(), open_attempt=other, taken=0, length=5, now=T0)
    assert (check.refusal, check.other_paper) == (StartRefusal.OTHER_PAPER, other)


def test_start_check_submits_an_open_practice_round_rather_than_refusing():
    practice = _open_paper(_quiz(pk=2, is_practice=True))
    check = policy.start_check(quiz=_quiz(), open_attempt=practice, taken=0, length=5, now=T0)
    assert (check.refusal, check.closes_practice, check.may_start) == (None, practice, True)


# --- may the key show ----------------------------------------------------------------------------


def _closed(quiz: Quiz) -> Attempt:
    return Attempt(quiz=quiz, status=Attempt.Status.SUBMITTED, deadline=T0)


def test_review_check_seals_an_open_paper_and_while_another_is_sat():
    quiz = _quiz()
    check = policy.review_check(attempt=_open_paper(quiz), sitting=None, release=None, now=T0)
    assert check.sealed == ReviewSealed.OPEN
    sitting = _open_paper(_quiz(pk=2))
    check = policy.review_check(attempt=_closed(quiz), sitting=sitting, release=None, now=T0)
    assert (check.sealed, check.sitting, check.visible) == (ReviewSealed.SITTING, sitting, False)


def test_review_check_after_close_waits_for_the_close_and_its_grace():
    quiz = _quiz(explanations=Quiz.Explanations.AFTER_CLOSE, closes_at=T0)
    attempt = _closed(quiz)
    grace = policy.grace()
    release = policy.release_at(quiz, last_running_deadline=None)
    assert release == T0 + grace
    check = policy.review_check(attempt=attempt, sitting=None, release=release, now=T0 + grace)
    assert (check.sealed, check.until) == (ReviewSealed.UNTIL_CLOSE, T0 + grace)
    later = T0 + grace + timedelta(seconds=1)
    assert policy.review_check(attempt=attempt, sitting=None, release=release, now=later).visible is True
    assert policy.review_check(attempt=_closed(_quiz(pk=2)), sitting=None, release=None, now=T0).visible is True


# --- every page that can show a key asks the policy ------------------------------------------------

# Each route that can render a key, an explanation, a per-question outcome or a statement's truth,
# with the policy rule its view (or the selectors it calls) must ask.
KEY_ROUTES = {
    "attempt_result": "review_check",
    "history": "key_visible_q",
    "practice_start": "key_visible_q",  # draws questions whose keys a round shows at once
    "quiz_stats": "may_read_item_analysis",
}
# Routes that never render one (the paper shows options, never which is right).
KEYLESS_ROUTES = {
    "home",
    "quiz_list",
    "quiz_detail",
    "quiz_lobby",  # a live mock's clock: its stage and seconds to the start
    "quiz_start",
    "attempt_paper",
    "attempt_answer",
    "attempt_state",
    "attempt_submit",
    "practice",
    "study_index",
    "study_topic",
    "signup",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "favicon",
}


def _route_names(patterns) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name != "admin":  # the admin checks its own permissions, per model
                names |= _route_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def test_policy_routes_every_route_is_classified():
    assert _route_names(get_resolver().url_patterns) == KEY_ROUTES.keys() | KEYLESS_ROUTES


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(KEY_ROUTES))
def test_policy_routes_each_key_route_asks_the_policy(route, client, monkeypatch, time_machine):
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    student = UserFactory(username="asha")
    questions = QuestionFactory.create_batch(2)
    quiz = QuizFactory(slug="drill", questions=questions)
    attempt = graded_attempt(
        user=student, quiz=quiz, picks={questions[0]: right(questions[0]), questions[1]: wrong(questions[1])}, now=T0
    )
    reader = student
    if route == "quiz_stats":
        reader = UserFactory(username="editor", is_staff=True)
        reader.user_permissions.add(*Permission.objects.filter(codename__in=["view_attempt", "view_question"]))
    client.force_login(reader)
    asked = []
    rule = getattr(policy, KEY_ROUTES[route])
    monkeypatch.setattr(policy, KEY_ROUTES[route], lambda *a, **kw: asked.append(1) or rule(*a, **kw))
    if route == "practice_start":
        response = client.post(reverse(route), {"size": 10})
    else:
        args = {"attempt_result": [attempt.public_id], "quiz_stats": ["drill"]}.get(route, [])
        response = client.get(reverse(route, args=args))
    assert response.status_code in (200, 302)
    assert asked, f"{route} rendered without asking policy.{KEY_ROUTES[route]}"


# --- staff need permissions, not is_staff alone ----------------------------------------------------


@pytest.fixture
def sat(db):
    questions = QuestionFactory.create_batch(2)
    quiz = QuizFactory(slug="drill", questions=questions)
    return graded_attempt(
        user=UserFactory(username="asha"), quiz=quiz, picks={questions[0]: right(questions[0])}, now=T0
    )


def test_staff_without_permissions_see_no_item_analysis_and_no_student_result(client, sat):
    client.force_login(UserFactory(username="intern", is_staff=True))
    assert client.get(reverse("quiz_stats", args=["drill"])).status_code == 403
    assert client.get(reverse("attempt_result", args=[sat.public_id])).status_code == 404


def test_staff_allowed_to_view_attempts_read_a_student_result(client, sat):
    editor = UserFactory(username="editor", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="view_attempt"))
    client.force_login(editor)
    assert client.get(reverse("attempt_result", args=[sat.public_id])).status_code == 200
    assert client.get(reverse("quiz_stats", args=["drill"])).status_code == 403  # also needs view_question
    editor.user_permissions.add(Permission.objects.get(codename="view_question"))
    editor = type(editor).objects.get(pk=editor.pk)  # permissions are cached on the instance
    client.force_login(editor)
    assert client.get(reverse("quiz_stats", args=["drill"])).status_code == 200


# --- a key belongs to a question: a sealed quiz's keys do not leak through another quiz ------------


@pytest.fixture
def live_mock(db):
    """A live mock that shows its key only after it closes, and an open quiz sharing one question."""
    shared = QuestionFactory(explanation="Sealed reasoning: a dialogue is not a membership.")
    own, other = QuestionFactory.create_batch(2)
    mock = QuizFactory(
        slug="live",
        questions=[shared, own],
        explanations=Quiz.Explanations.AFTER_CLOSE,
        closes_at=T0 + timedelta(days=3),
        time_limit=timedelta(minutes=30),
    )
    full = QuizFactory(slug="full", questions=[shared, other])
    return mock, full, shared, other


def test_sealed_key_does_not_leak_through_another_quizs_review(client, live_mock, time_machine):
    mock, full, shared, other = live_mock
    student = UserFactory(username="ravi")
    time_machine.move_to(T0, tick=False)
    with before_the_seal(mock):
        attempt = graded_attempt(user=student, quiz=full, picks={shared: wrong(shared), other: wrong(other)}, now=T0)
    client.force_login(student)
    page = client.get(reverse("attempt_result", args=[attempt.public_id]))
    html = page.content.decode()
    assert page.context["sealed_count"] == 1
    assert [item["sealed"] for item in page.context["items"]] == [True, False]
    assert html.count("✓ The answer") == 1  # the other question's key only
    assert html.count("is-key") == 1
    assert shared.explanation not in html
    assert [
        item["question_id"]
        for item in client.get(reverse("attempt_result", args=[attempt.public_id]), {"show": "wrong"}).context["items"]
    ] == [other.pk]

    time_machine.move_to(mock.closes_at + policy.grace() + timedelta(seconds=1), tick=False)
    page = client.get(reverse("attempt_result", args=[attempt.public_id]))
    assert page.context["sealed_count"] == 0
    assert page.content.decode().count("✓ The answer") == 2


def test_sealed_question_stays_out_of_practice_and_the_trap_record(client, live_mock, time_machine):
    mock, full, shared, other = live_mock
    shared.is_trap, shared.trap_note = True, "Dialogue is not membership."
    shared.save()
    student = UserFactory(username="ravi")
    time_machine.move_to(T0, tick=False)
    with before_the_seal(mock):
        graded_attempt(user=student, quiz=full, picks={shared: wrong(shared), other: wrong(other)}, now=T0)
    client.force_login(student)
    assert "Dialogue is not membership." not in client.get(reverse("history")).content.decode()

    time_machine.move_to(T0 + timedelta(days=1, minutes=1), tick=False)  # both cards are due
    assert client.get(reverse("practice")).context["due"] == 1  # the count says what a round can draw
    client.post(reverse("practice_start"), {"size": 10})
    round_ = Attempt.objects.get(user=student, quiz__is_practice=True)
    assert list(round_.items.values_list("question_id", flat=True)) == [other.pk]
