"""The question texts every paper and review share through the cache (content/fragments.py) and the
per-question renderings kept by what they show (quiz/templatetags/quiz_tags.py): a new version
reaches new papers only, and a key reaches only a review that may show it, however warm the caches."""

from datetime import timedelta

from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from content import fragments
from content.services import question_version_current
from quiz.models import Quiz
from quiz.services.attempts import attempt_start, attempt_submit
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.helpers import T0, before_the_seal, graded_attempt, wrong


def page(client, name: str, attempt) -> str:
    response = client.get(reverse(name, args=[attempt.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_question_cache_new_version_reaches_new_papers_and_old_reviews_keep_theirs(student_client, student):
    question = QuestionFactory(stem="Which body decides?", explanation="The old reasoning.")
    quiz = QuizFactory(questions=[question])
    old = attempt_start(quiz=quiz, user=student).attempt
    assert "Which body decides?" in page(student_client, "attempt_paper", old)  # now in the cache
    attempt_submit(attempt=old)
    assert "The old reasoning." in page(student_client, "attempt_result", old)

    question.stem, question.explanation = "Which council decides?", "The new reasoning."
    question.save()
    assert question_version_current(question=question).number == 2

    ravi, other = UserFactory(username="ravi"), Client()
    other.force_login(ravi)
    new = attempt_start(quiz=quiz, user=ravi).attempt
    html = page(other, "attempt_paper", new)
    assert "Which council decides?" in html and "Which body decides?" not in html
    review = page(student_client, "attempt_result", old)
    assert "Which body decides?" in review and "The old reasoning." in review
    assert "Which council decides?" not in review and "The new reasoning." not in review


def test_question_cache_paper_text_never_holds_the_key(student_client, student):
    question = QuestionFactory(explanation="Only the review explains this.")
    attempt = attempt_start(quiz=QuizFactory(questions=[question]), user=student).attempt
    html = page(student_client, "attempt_paper", attempt)

    version = attempt.items.get().version
    stamps = dict(attempt.items.annotate(stamp=fragments.stamp("version__created_at")).values_list("version", "stamp"))
    text = fragments.version_texts(stamps)[version.pk]
    assert text.html in html
    assert "Only the review explains this." not in text.html and "Only the review explains this." not in html
    assert text.choices == tuple((c["key"], c["text"]) for c in version.choices)  # texts, not which is right


def test_question_cache_never_serves_a_key_to_a_review_that_may_not_show_it(student_client, student, staff):
    """Staff read a paper with every key (warming the key's cache and the rendering); its student,
    whose question a live mock now seals, gets the same question without it."""
    shared = QuestionFactory(explanation="Sealed reasoning: a dialogue is not a membership.")
    mock = QuizFactory(
        slug="live",
        questions=[shared, QuestionFactory()],
        explanations=Quiz.Explanations.AFTER_CLOSE,
        closes_at=T0 + timedelta(days=3),
    )
    with before_the_seal(mock):
        attempt = graded_attempt(
            user=student, quiz=QuizFactory(slug="full", questions=[shared]), picks={shared: wrong(shared)}, now=T0
        )
    staff_client = Client()
    staff_client.force_login(staff)

    assert "Sealed reasoning" in page(staff_client, "attempt_result", attempt)
    html = page(student_client, "attempt_result", attempt)
    assert "Sealed reasoning" not in html and "The answer</span>" not in html and "is-key" not in html
    assert "Key sealed" in html


def test_question_cache_unreachable_renders_the_paper_afresh(student_client, student, monkeypatch, caplog):
    question = QuestionFactory(stem="Who signs the treaty?")
    attempt = attempt_start(quiz=QuizFactory(questions=[question]), user=student).attempt
    fragments._texts.clear()

    def down(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "set_many", down)
    assert "Who signs the treaty?" in page(student_client, "attempt_paper", attempt)
    assert "Question fragments rendered afresh: the cache did not answer (Redis is restarting)" in caplog.text
