"""A rule quiz's draw keeps the questions' secrets: no paper sets a question beside one giving it away."""

import pytest

from content.selectors import giveaway_pairs, shared_fact_pairs
from quiz.services.attempts import attempt_start
from tests.factories import FactFactory, QuestionFactory, RuleQuizFactory, UserFactory


def _linked_by_a_fact(link: str):
    """Two questions and one fact the second tests: the first `reveals` it (a give-away) or `tests`
    it too (two questions on one fact)."""
    first, second = QuestionFactory.create_batch(2)
    fact = FactFactory(note=second.note)
    getattr(first, link).add(fact)
    second.tests.add(fact)
    return first, second


def _giver_and_taker():
    return _linked_by_a_fact("reveals")


def _sharing_a_fact():
    return _linked_by_a_fact("tests")


@pytest.mark.parametrize(("selector", "link"), [(giveaway_pairs, "reveals"), (shared_fact_pairs, "tests")])
def test_fact_pairs_read_the_fact_links_in_one_query(db, django_assert_num_queries, selector, link):
    first, second = _linked_by_a_fact(link)
    bystander = QuestionFactory()
    bystander.tests.add(FactFactory())
    with django_assert_num_queries(1):
        pairs = selector([first.pk, second.pk, bystander.pk])
    assert pairs == {frozenset((first.pk, second.pk))}


def test_giveaway_pairs_ignores_questions_outside_the_pool(db):
    giver, _taker = _giver_and_taker()
    assert giveaway_pairs([giver.pk]) == set()


def test_attempt_start_never_draws_a_giver_beside_its_taker(db):
    giver, taker = _giver_and_taker()
    others = QuestionFactory.create_batch(2)
    quiz = RuleQuizFactory(rule_count=3)
    papers = []
    for _ in range(16):
        attempt = attempt_start(quiz=quiz, user=UserFactory()).attempt
        papers.append(set(attempt.items.values_list("question_id", flat=True)))
    # Three of four, never both of the pair: every paper holds both bystanders and one of the two.
    assert all(paper >= {q.pk for q in others} and len(paper & {giver.pk, taker.pk}) == 1 for paper in papers)
    assert {giver.pk, taker.pk} <= set().union(*papers)


def test_attempt_start_sets_fewer_than_every_match_rather_than_a_giveaway(db):
    _giver_and_taker()
    quiz = RuleQuizFactory(rule_count=None)
    attempt = attempt_start(quiz=quiz, user=UserFactory()).attempt
    assert attempt.items.count() == 1


def test_attempt_start_keeps_two_questions_on_one_fact_apart(db):
    pair = {q.pk for q in _sharing_a_fact()}
    others = {q.pk for q in QuestionFactory.create_batch(2)}
    quiz = RuleQuizFactory(rule_count=3)
    papers = [
        set(attempt_start(quiz=quiz, user=UserFactory()).attempt.items.values_list("question_id", flat=True))
        for _ in range(16)
    ]
    assert all(paper >= others and len(paper & pair) == 1 for paper in papers)


def test_attempt_start_sets_two_questions_on_one_fact_together_when_the_pool_is_too_narrow(db):
    pair = {q.pk for q in _sharing_a_fact()}
    quiz = RuleQuizFactory(rule_count=None)
    attempt = attempt_start(quiz=quiz, user=UserFactory()).attempt
    assert set(attempt.items.values_list("question_id", flat=True)) == pair
