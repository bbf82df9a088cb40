"""A sealed quiz's results (issue 14): no score oracle before its release (finding 2), and the
release when `closes_at` moves while papers run (finding 3), through the pages a student opens."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quiz import policy
from quiz.models import Attempt, Quiz
from quiz.selectors import results
from quiz.services.answers import answer_save
from quiz.services.attempts import attempt_start, attempt_submit
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import (
    HOUR,
    MINUTE,
    T0,
    before_the_seal,
    graded_attempt,
    history_rows,
    queries_for,
    quiz_form,
    right,
    wrong,
)

pytestmark = pytest.mark.django_db

# T0 is 14:30 in India (TIME_ZONE); the live mock closes two hours later, and its 5 s grace follows.
CLOSES = T0 + 2 * HOUR
RELEASE = "22 November 2026, 16:30:05"


@pytest.fixture
def questions():
    return QuestionFactory.create_batch(3)


@pytest.fixture
def live(questions):
    """A sealed live mock: explanations only after it closes, unlimited attempts (the oracle's premise)."""
    return QuizFactory(
        slug="live",
        title="Live mock",
        questions=questions,
        explanations=Quiz.Explanations.AFTER_CLOSE,
        closes_at=CLOSES,
        time_limit=30 * MINUTE,
    )


def _page(client, name: str, *args, **params) -> str:
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


# --- finding 2: no score oracle --------------------------------------------------------------------


def test_score_oracle_result_says_only_when_the_result_appears(client, live, questions, time_machine):
    student = UserFactory(username="ravi")
    time_machine.move_to(T0, tick=False)
    attempt = graded_attempt(user=student, quiz=live, picks={questions[0]: right(questions[0])}, now=T0)
    client.force_login(student)

    response = client.get(reverse("attempt_result", args=[attempt.public_id]))
    html = response.content.decode()
    assert f"Submitted at 22 November 2026, 14:30; your result appears at {RELEASE}." in html
    assert "no score is shown, as a score would give its answers away" in html
    for told in ("data-score", "data-standing", "correct", "wrong", "unanswered", "Accuracy", "By topic", "mark"):
        assert told not in html.replace("Mark", ""), told
    assert "standing" not in response.context and "items" not in response.context

    time_machine.move_to(CLOSES + policy.grace() + timedelta(seconds=1), tick=False)
    html = _page(client, "attempt_result", attempt.public_id)
    assert '<div class="display-6 fw-semibold" data-score>2.00</div>' in html
    assert "✓ The answer" in html


def _normalised(html: str, student, attempts) -> str:
    """A page with what must differ between two students taken out: their names, ids and tokens."""
    for attempt in attempts:
        html = html.replace(str(attempt.public_id), "ID")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return html.replace(student.username, "STUDENT")


def test_score_oracle_no_page_tells_a_right_answer_from_a_wrong_one(live, questions, time_machine):
    """Two students sit the live mock at the same moments, one answering right, one wrong: until
    the release every page each of them can open reads the same, word for word."""
    first = questions[0]
    time_machine.move_to(T0 + HOUR, tick=False)
    seen = {}
    for username, choice in (("ravi", right(first)), ("meera", wrong(first))):
        student = UserFactory(username=username)
        mine = [graded_attempt(user=student, quiz=live, picks={first: choice}, now=T0 + HOUR)]
        # A second attempt answering nothing: with unlimited attempts, the difference was the oracle.
        mine.append(graded_attempt(user=student, quiz=live, picks={}, now=T0 + HOUR))
        client = Client()
        client.force_login(student)
        pages = [_page(client, "attempt_result", attempt.public_id) for attempt in mine]
        pages += [_page(client, name) for name in ("history", "home", "quiz_list", "practice")]
        pages += [_page(client, "quiz_detail", live.slug), _page(client, "history", quiz=live.slug)]
        seen[username] = [_normalised(page, student, mine) for page in pages]
    assert seen["ravi"] == seen["meera"]

    time_machine.move_to(CLOSES + HOUR, tick=False)  # released: now the results differ, as they should
    scores = []
    for username in ("ravi", "meera"):
        client = Client()
        client.force_login(UserFactory._meta.model.objects.get(username=username))
        first_attempt = Attempt.objects.get(user__username=username, number=1)
        scores.append(client.get(reverse("attempt_result", args=[first_attempt.public_id])).context["attempt"].score)
    assert [str(score) for score in scores] == ["2.00", "-0.67"]


def test_score_oracle_history_home_and_quiz_page_list_the_paper_without_its_score(
    student_client, student, live, questions, time_machine
):
    drill = QuizFactory(slug="drill", title="Drill", questions=questions[:1])
    time_machine.move_to(T0, tick=False)
    with before_the_seal(live):
        graded_attempt(user=student, quiz=drill, picks={questions[0]: right(questions[0])}, now=T0)
    graded_attempt(user=student, quiz=live, picks={q: right(q) for q in questions}, now=T0 + MINUTE)

    html = _page(student_client, "history")
    assert history_rows(html) == [
        f"22 Nov 2026, 14:31 Live mock Result at {RELEASE} \u2013 \u2013 \u2013 40 s Submitted",
        "22 Nov 2026, 14:30 Drill 2.00 / 2.00 1 of 1 100.0% 1 / 0 / 0 20 s Submitted",
    ]
    # The totals and the chart count the drill only, and say what they leave out.
    assert '<div class="fs-3 fw-semibold" data-papers>1</div>' in html
    assert "1 right, 0 wrong, 0 blank" in html
    assert "Not counted yet: 1 paper of a quiz that has not released its results." in html
    assert "1 paper on 22 Nov 2026" in html

    home = _page(student_client, "home")
    assert f'<div class="small" data-withheld>Result at {RELEASE}</div>' in home
    assert "<strong>2.00</strong> / 2.00 · 1 right, 0 wrong, 0 blank" in home  # the drill's
    assert "6.00" not in home

    detail = _page(student_client, "quiz_detail", "live")
    assert f"<span data-withheld>Submitted · Result at {RELEASE}</span>" in detail
    assert "6.00" not in detail
    assert f"Scores and the key appear at {RELEASE}, once the quiz has closed" in detail
    assert f"Scores and the key appear at {RELEASE}" in _page(student_client, "quiz_list")

    time_machine.move_to(CLOSES + HOUR, tick=False)
    assert "<strong>6.00</strong> / 6.00" in _page(student_client, "history")
    assert "<strong>6.00</strong> / 6.00" in _page(student_client, "home")
    assert "<strong>6.00</strong> / 6.00" in _page(student_client, "quiz_detail", "live")
    assert "Scores and the key appear" not in _page(student_client, "quiz_list")


def test_score_oracle_practice_boxes_leave_out_a_sealed_papers_questions(
    student_client, student, live, questions, time_machine
):
    """A sealed paper's misses go to box 1 at once; counting them there would tell its score."""
    drill = QuizFactory(slug="drill", questions=questions)
    time_machine.move_to(T0, tick=False)
    with before_the_seal(live):
        graded_attempt(user=student, quiz=drill, picks={q: wrong(q) for q in questions}, now=T0)  # 3 in box 1
    time_machine.move_to(T0 + HOUR, tick=False)
    graded_attempt(user=student, quiz=live, picks={questions[0]: right(questions[0])}, now=T0 + HOUR)
    page = student_client.get(reverse("practice"))
    assert page.context["boxes"][0] == (1, 1, 0)  # all three are on the sealed paper, right or wrong
    time_machine.move_to(CLOSES + HOUR, tick=False)
    assert student_client.get(reverse("practice")).context["boxes"][0] == (1, 1, 3)


def test_score_oracle_staff_allowed_to_view_attempts_see_everything(client, live, questions, time_machine):
    time_machine.move_to(T0, tick=False)
    attempt = graded_attempt(
        user=UserFactory(username="ravi"), quiz=live, picks={questions[0]: right(questions[0])}, now=T0
    )
    editor = UserFactory(username="editor", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="view_attempt"))
    client.force_login(editor)
    html = _page(client, "attempt_result", attempt.public_id)
    assert '<div class="display-6 fw-semibold" data-score>2.00</div>' in html
    assert html.count("✓ The answer") == 3
    client.force_login(UserFactory(username="intern", is_staff=True))
    assert client.get(reverse("attempt_result", args=[attempt.public_id])).status_code == 404


def _quiz_form(**fields) -> dict:
    """The admin's quiz form for a sealed live mock with no questions; `fields` replace the defaults."""
    sealed = {
        "title": "Weekly live mock",
        "time_limit": "00:30:00",
        "explanations": "after_close",
        "closes_at_0": "2026-11-22",
        "closes_at_1": "16:30:00",
    }
    return quiz_form(**sealed | fields)


@pytest.mark.parametrize(
    ("fields", "attempts", "exam_conditions"),
    [
        ({}, 1, True),  # sealed, left as they were: one attempt, exam conditions
        ({"attempts_allowed": "3"}, 3, True),  # a number given wins
        ({"explanations": "after_submit"}, None, False),  # not sealed: no sealed defaults
    ],
)
def test_score_oracle_sealed_quiz_defaults_to_one_attempt_in_the_admin(staff_client, fields, attempts, exam_conditions):
    response = staff_client.post(reverse("admin:quiz_quiz_add"), _quiz_form(**fields))
    assert response.status_code == 302, response.context["adminform"].form.errors
    quiz = Quiz.objects.get(slug="weekly")
    assert (quiz.attempts_allowed, quiz.exam_conditions) == (attempts, exam_conditions)


def test_score_oracle_admin_may_still_make_a_sealed_quiz_unlimited(staff_client):
    staff_client.post(reverse("admin:quiz_quiz_add"), _quiz_form())
    quiz = Quiz.objects.get(slug="weekly")
    change = reverse("admin:quiz_quiz_change", args=[quiz.pk])
    response = staff_client.post(change, _quiz_form(attempts_allowed="", exam_conditions=""))
    assert response.status_code == 302, response.context["adminform"].form.errors
    quiz.refresh_from_db()
    assert (quiz.attempts_allowed, quiz.exam_conditions) == (None, False)  # cleared on purpose: that wins


# --- finding 3: moving closes_at while papers run ----------------------------------------------------


def test_moving_closes_at_keeps_the_key_sealed_until_running_papers_end(staff_client, live, questions, time_machine):
    """Option (b): a paper started before the move keeps its deadline, and the key, every score and
    the reviews that share its questions stay sealed until it ends, plus the grace."""
    first = questions[0]
    sitter, finisher = UserFactory(username="sitter"), UserFactory(username="finisher")
    drill = QuizFactory(slug="drill", title="Drill", questions=[first])
    time_machine.move_to(T0 + HOUR, tick=False)
    running = attempt_start(quiz=live, user=sitter, now=T0 + HOUR).attempt  # ends at 16:00 in India
    done = graded_attempt(user=finisher, quiz=live, picks={first: right(first)}, now=T0 + HOUR)
    with before_the_seal(live):
        other = graded_attempt(user=finisher, quiz=drill, picks={first: right(first)}, now=T0 + HOUR + MINUTE)

    # The admin moves the close from 16:30 to 15:40, while the sitter's paper runs until 16:00.
    time_machine.move_to(T0 + HOUR + 5 * MINUTE, tick=False)
    form = _quiz_form(title="Live mock", slug="live", attempts_allowed="", closes_at_1="15:40:00", exam_conditions="")
    form |= {"quiz_questions-TOTAL_FORMS": "3", "quiz_questions-INITIAL_FORMS": "3"}
    for n, row in enumerate(live.quiz_questions.order_by("order")):
        form |= {
            f"quiz_questions-{n}-id": row.pk,
            f"quiz_questions-{n}-quiz": live.pk,
            f"quiz_questions-{n}-question": row.question_id,
            f"quiz_questions-{n}-order": row.order,
        }
    response = staff_client.post(reverse("admin:quiz_quiz_change", args=[live.pk]), form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    live.refresh_from_db()
    assert timezone.localtime(live.closes_at).strftime("%H:%M") == "15:40"

    # Past the new close and its grace: nobody new may start, the sitter still saves...
    time_machine.move_to(T0 + HOUR + 20 * MINUTE, tick=False)
    moved_release = "22 November 2026, 16:00:05"  # the sitter's deadline, plus the grace
    saved = answer_save(
        user=sitter, attempt_public_id=running.public_id, question_id=first.pk, choice_id=right(first).pk, marked=False
    )
    assert saved.answered == 1
    # ...and every page tells the finisher the same release: the sitter's deadline plus the grace.
    client = Client()
    client.force_login(finisher)
    result = _page(client, "attempt_result", done.public_id)
    assert f"your result appears at {moved_release}." in result
    assert "✓ The answer" not in result and "data-score" not in result
    assert f"Result at {moved_release}" in _page(client, "history")
    assert f"Scores and the key appear at {moved_release}" in _page(client, "quiz_list")
    assert f"Scores and the key appear at {moved_release}" in _page(client, "quiz_detail", "live")
    # The drill shares the question: its review keeps that key sealed too.
    drill_result = client.get(reverse("attempt_result", args=[other.public_id]))
    assert drill_result.context["sealed_count"] == 1 and "✓ The answer" not in drill_result.content.decode()

    # The sitter submits early: nothing runs any more, and the new close has passed, so all is released.
    time_machine.move_to(T0 + HOUR + 25 * MINUTE, tick=False)
    attempt_submit(attempt=running, now=T0 + HOUR + 25 * MINUTE)
    result = _page(client, "attempt_result", done.public_id)
    assert '<div class="display-6 fw-semibold" data-score>2.00</div>' in result
    assert "✓ The answer" in result
    assert "Scores and the key appear" not in _page(client, "quiz_list")


def test_moving_closes_at_releases_when_the_last_running_paper_times_out(live, questions, time_machine):
    sitter, finisher = UserFactory(username="sitter"), UserFactory(username="finisher")
    time_machine.move_to(T0 + HOUR, tick=False)
    attempt_start(quiz=live, user=sitter, now=T0 + HOUR)  # ends at T0 + 90 min
    done = graded_attempt(user=finisher, quiz=live, picks={}, now=T0 + HOUR)
    Quiz.objects.filter(pk=live.pk).update(closes_at=T0 + HOUR + 10 * MINUTE)  # from the shell, say
    client = Client()
    client.force_login(finisher)
    for moment, shown in (
        (T0 + 90 * MINUTE + policy.grace(), False),  # the sitter's answers may still arrive
        (T0 + 90 * MINUTE + policy.grace() + timedelta(seconds=1), True),  # nobody sits it any more
    ):
        time_machine.move_to(moment, tick=False)
        html = _page(client, "attempt_result", done.public_id)
        assert ("data-score" in html) is shown


def test_moving_closes_at_quiz_page_promises_no_end_it_will_not_keep(live, questions, time_machine):
    """After the close moves earlier, a running paper keeps its time: the quiz page tells its student
    the time left on it and no longer says every running paper ends at the close."""
    sitter = UserFactory(username="sitter")
    time_machine.move_to(T0 + HOUR, tick=False)
    attempt_start(quiz=live, user=sitter, now=T0 + HOUR)  # ends at T0 + 90 min
    Quiz.objects.filter(pk=live.pk).update(closes_at=T0 + HOUR + 10 * MINUTE)
    time_machine.move_to(T0 + HOUR + 20 * MINUTE, tick=False)
    client = Client()
    client.force_login(sitter)
    html = _page(client, "quiz_detail", live.slug)
    assert "ends at that moment" not in html
    assert "no paper starts after that, and one started from now on ends by then at the latest" in html
    assert "Resume your paper" in html
    assert "10:00 left" in html


# --- the rule and its database twin ----------------------------------------------------------------


@pytest.mark.parametrize("explanations", [Quiz.Explanations.AFTER_SUBMIT, Quiz.Explanations.AFTER_CLOSE])
@pytest.mark.parametrize("running_until", [None, -10, 0, 10])  # minutes after the close, or no paper running
def test_release_at_and_its_database_twin_agree(questions, explanations, running_until):
    """`policy.release_at` (through `results.key_releases`) and `key_visible_q`/`sealed_quizzes_q`
    say the same at every moment around the close and the last running paper's deadline."""
    student, sitter = UserFactory(username="asha"), UserFactory(username="sitter")
    quiz = QuizFactory(questions=questions, explanations=explanations, closes_at=CLOSES, time_limit=HOUR)
    closed = graded_attempt(user=student, quiz=quiz, picks={}, now=T0)
    if running_until is not None:
        paper = attempt_start(quiz=quiz, user=sitter, now=T0).attempt
        Attempt.objects.filter(pk=paper.pk).update(deadline=CLOSES + running_until * MINUTE)
    grace = policy.grace()
    ends = CLOSES + max(0, running_until or 0) * MINUTE
    for now in (T0, ends, ends + grace, ends + grace + timedelta(microseconds=1), ends + HOUR):
        release = results.key_releases([quiz], now=now)[quiz.pk]
        withheld = policy.result_withheld_until(closed, release=release, viewer=student, now=now) is not None
        visible_in_db = Attempt.objects.filter(policy.key_visible_q(now), pk=closed.pk).exists()
        sealed_in_db = Quiz.objects.filter(policy.sealed_quizzes_q(now), pk=quiz.pk).exists()
        assert visible_in_db is not withheld, now
        assert sealed_in_db is withheld, now
        if explanations == Quiz.Explanations.AFTER_CLOSE:
            assert withheld is (now <= ends + grace), now


# --- query counts ------------------------------------------------------------------------------------


def test_sealed_pages_query_counts_do_not_grow(
    student_client, student, questions, time_machine, django_assert_num_queries
):
    """Every statement, session and user included. A page that shows a sealed quiz's release reads
    the deadline of its last running paper: one query, whatever the number of sealed quizzes and
    papers. A withheld result reads nothing else: no review, standing or running paper. History
    reads the calibration by confidence: one query (it counts only answers whose key shows)."""
    expected = {"result": 4, "history": 14, "home": 11, "quiz_list": 7, "quiz_detail": 9}

    def sealed_quiz(n: int) -> Quiz:
        # Questions of their own: one sealed quiz's papers leave out the questions another seals.
        return QuizFactory(
            slug=f"live-{n}",
            questions=questions if n == 0 else QuestionFactory.create_batch(3),
            explanations=Quiz.Explanations.AFTER_CLOSE,
            closes_at=CLOSES,
        )

    def measure(attempt) -> dict:
        urls = {
            "result": reverse("attempt_result", args=[attempt.public_id]),
            "history": reverse("history"),
            "home": reverse("home"),
            "quiz_list": reverse("quiz_list"),
            "quiz_detail": reverse("quiz_detail", args=[attempt.quiz.slug]),
        }
        counts = {}
        for name, path in urls.items():
            with django_assert_num_queries(expected[name]):
                counts[name] = queries_for(student_client, path)
        return counts

    time_machine.move_to(T0 + HOUR, tick=False)
    one = graded_attempt(user=student, quiz=sealed_quiz(0), picks={}, now=T0)
    small = measure(one)
    for n in range(1, 5):
        quiz = sealed_quiz(n)
        first = quiz.quiz_questions.order_by("order").first().question
        last = graded_attempt(user=student, quiz=quiz, picks={first: right(first)}, now=T0 + n * MINUTE)
        attempt_start(quiz=quiz, user=UserFactory(), now=T0 + n * MINUTE)  # a paper running on each
    assert measure(last) == small


# --- the oracle through another quiz (found by the second hostile pass) -----------------------------


def test_score_oracle_another_fixed_quiz_leaves_out_a_question_a_live_mock_seals(live, questions, time_machine):
    # The full mock holds every question, the live mock's too: answering only the sealed one and
    # reading the full mock's score told its key. Its papers leave sealed questions out until release.
    bystander = QuestionFactory()
    full = QuizFactory(slug="full", questions=[*questions, bystander])
    time_machine.move_to(T0, tick=False)
    paper = attempt_start(quiz=full, user=UserFactory()).attempt
    assert list(paper.items.order_by("position").values_list("question_id", flat=True)) == [bystander.pk]

    time_machine.move_to(CLOSES + policy.grace() + timedelta(seconds=1), tick=False)
    later = attempt_start(quiz=full, user=UserFactory()).attempt
    assert list(later.items.order_by("position").values_list("question_id", flat=True)) == [
        *(q.pk for q in questions),
        bystander.pk,
    ]


def test_score_oracle_another_rule_quiz_draws_no_question_a_live_mock_seals(live, questions, time_machine):
    bystander = QuestionFactory()
    drill = QuizFactory(slug="drill", selection=Quiz.Selection.RULE, questions=[], rule_count=None)
    time_machine.move_to(T0, tick=False)
    paper = attempt_start(quiz=drill, user=UserFactory()).attempt
    assert list(paper.items.values_list("question_id", flat=True)) == [bystander.pk]


def test_sealed_quiz_keeps_its_own_questions_on_its_own_papers(live, questions, time_machine):
    # Its own seal never keeps its questions from it: every student's paper holds all three.
    time_machine.move_to(T0, tick=False)
    for student in UserFactory.create_batch(2):
        paper = attempt_start(quiz=live, user=student).attempt
        assert set(paper.items.values_list("question_id", flat=True)) == {q.pk for q in questions}


def test_sealed_rule_quiz_draws_the_same_questions_for_its_next_student(questions, time_machine):
    # Its first paper's questions are sealed elsewhere, but not from its own later papers.
    sealed = QuizFactory(
        slug="live-rule",
        selection=Quiz.Selection.RULE,
        questions=[],
        rule_count=None,
        explanations=Quiz.Explanations.AFTER_CLOSE,
        closes_at=CLOSES,
    )
    time_machine.move_to(T0, tick=False)
    for student in UserFactory.create_batch(2):
        paper = attempt_start(quiz=sealed, user=student).attempt
        assert set(paper.items.values_list("question_id", flat=True)) == {q.pk for q in questions}
