"""Practise now and the topic test, in Chromium: a finished paper's mistakes practised at once, and
the study notes' "Test yourself on this topic" leading to a paper; axe clean at phone and desktop."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from quiz.models import Attempt
from tests.e2e.axe import scan_at_both_widths
from tests.e2e.paper import PAPER_URL
from tests.factories import NoteFactory, QuestionFactory, QuizFactory, TopicFactory
from tests.helpers import graded_attempt, right, topic_test, wrong

pytestmark = pytest.mark.django_db(transaction=True)


def test_practise_a_papers_mistakes_straight_after_it(page, live_server, sign_in, screenshot):
    page.emulate_media(reduced_motion="reduce")  # axe reads settled colours, not a transition midway
    student = sign_in()
    q1, q2, q3 = QuestionFactory.create_batch(3)
    quiz = QuizFactory(questions=[q1, q2, q3], title="Partnerships drill")
    paper = graded_attempt(user=student, quiz=quiz, picks={q1: right(q1), q2: wrong(q2)}, now=timezone.now())

    page.goto(f"{live_server.url}{reverse('practice')}")
    expect(page.locator("[data-due]")).to_have_text("0")
    expect(page.locator("[data-paper-mistakes]")).to_contain_text("sent 2 questions here")
    found = scan_at_both_widths(page, "practice", screenshot)

    page.goto(f"{live_server.url}{reverse('attempt_result', args=[paper.public_id])}")
    offer = page.locator("[data-practise-now]")
    expect(offer).to_contain_text("2 questions you missed on this paper are in your practice boxes")
    found |= scan_at_both_widths(page, "result-practise-now", screenshot)
    offer.get_by_role("button", name="Practise this paper's mistakes now").click()

    expect(page).to_have_url(PAPER_URL)
    round_ = Attempt.objects.get(public_id=PAPER_URL.search(page.url).group(1))
    assert round_.quiz.is_practice and not round_.is_timed
    assert sorted(round_.items.values_list("question_id", flat=True)) == sorted([q2.pk, q3.pk])
    expect(page.get_by_text("Untimed practice")).to_be_visible()
    assert found == {name: [] for name in found}


def test_test_yourself_on_a_topic_from_its_notes(page, live_server, sign_in, screenshot):
    page.emulate_media(reduced_motion="reduce")
    sign_in()
    topic = TopicFactory(name="Partnership vs alliance")
    note = NoteFactory(topic=topic, heading="A partnership is not an alliance")
    questions = QuestionFactory.create_batch(3, note=note)
    QuestionFactory()  # another topic's: never on this test
    quiz = topic_test(topic)

    page.goto(f"{live_server.url}{topic.get_absolute_url()}")
    tested = page.get_by_role("link", name="Tested by 3 questions: test yourself on this topic")
    expect(tested).to_have_attribute("href", quiz.get_absolute_url())
    found = scan_at_both_widths(page, "study-topic-test", screenshot)
    page.get_by_role("link", name="Test yourself on this topic", exact=True).click()

    expect(page.get_by_role("heading", name="Topic test: Partnership vs alliance", level=1)).to_be_visible()
    page.get_by_role("button", name="Start the paper").click()
    expect(page).to_have_url(PAPER_URL)
    attempt = Attempt.objects.get(public_id=PAPER_URL.search(page.url).group(1))
    assert sorted(attempt.items.values_list("question_id", flat=True)) == sorted(q.pk for q in questions)
    assert attempt.is_timed and (attempt.deadline - attempt.started_at).total_seconds() == 3 * 72
    expect(page.locator("#timer")).to_be_visible()
    assert found == {name: [] for name in found}
