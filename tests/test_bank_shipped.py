"""The question bank we ship, checked as a whole."""

import re
from collections import Counter
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from content.bank import BANK_DIR, bank_lint, bank_load, bank_read
from content.models import Note, Question, Topic
from content.rules import Kind
from content.selectors import giveaway_pairs, shared_fact_pairs
from quiz.bank import QUIZZES, quizzes_papers, quizzes_read
from quiz.models import Quiz
from quiz.selectors.papers import topic_test_links
from quiz.services.attempts import attempt_start
from tests.factories import UserFactory

MATERIAL = Path(settings.BASE_DIR).parent / "shared" / "material"
COPY_RUN = 7  # words in a row shared with a source text that count as copying


@pytest.fixture
def bank(db):
    # Reading checks references against the (empty) test database too.
    return bank_read([BANK_DIR], set_aside=[QUIZZES])


@pytest.fixture
def quizzes(bank):
    return quizzes_read(bank=bank)


@pytest.fixture
def loaded(db, bank):
    bank_load(bank=bank)


def test_shipped_bank_has_enough_published_questions_of_every_kind(bank):
    published = [q for q in bank.questions if q.status == "published"]
    kinds = Counter(q.kind for q in published)
    assert len(published) >= 100
    assert set(kinds) == set(Kind.values)
    for kind in (Kind.STATEMENTS_CORRECT, Kind.STATEMENTS_COUNT, Kind.MATCH_PAIRS, Kind.ASSERTION_REASON):
        assert kinds[kind] >= 10, kind


def test_shipped_bank_passes_the_strict_checker(bank, quizzes):
    # The same report `lint_bank --strict` prints, fixed papers included; a failure names each check and flaw.
    report = bank_lint(bank=bank, papers=quizzes_papers(quizzes))
    assert [f"{c.name}: {c.figure}" for c in report.checks if not c.ok] == []
    assert [str(flaw) for flaw in report.open_flaws] == []


def test_shipped_bank_traps_name_a_misconception_of_the_bank_list(bank):
    traps = [q for q in bank.questions if q.is_trap and q.status == "published"]
    listed = {m.key for m in bank.misconceptions}
    assert len(traps) >= 20
    assert all(q.misconception in listed and len(q.trap_note.split()) >= 5 for q in traps)
    assert len({q.misconception for q in traps}) >= 8


def test_shipped_bank_questions_have_one_correct_choice_of_four(bank):
    # Reading the bank already applied every rule of content.rules; these are the headline ones.
    assert all(len(q.choices) == 4 and sum(c.is_correct for c in q.choices) == 1 for q in bank.questions)
    assert all(q.explanation.strip() for q in bank.questions)
    assert {q.difficulty for q in bank.questions} == {1, 2, 3}


def test_shipped_bank_cites_every_examinable_note_and_no_other(bank):
    notes = {n.key: n for n in bank.notes}
    published = [q for q in bank.questions if q.status == "published"]
    assert all(notes[q.note_key].topic == q.topic for q in bank.questions)
    assert {q.note_key for q in published} == {key for key, note in notes.items() if note.examinable}
    assert {key for key, note in notes.items() if not note.examinable} == {"dp-kp-11", "dp-relevance"}


def test_shipped_bank_covers_both_sources(bank):
    assert {n.source for n in bank.notes} == {"dp", "nato"}
    assert Counter(n.source for n in bank.notes) == {"dp": 29, "nato": 11}


def test_shipped_bank_key_positions_are_spread(bank):
    published = [q for q in bank.questions if q.status == "published"]
    positions = Counter(next(i for i, c in enumerate(q.choices) if c.is_correct) for q in published)
    assert len(positions) == 4
    assert min(positions.values()) >= len(published) // 8


def test_shipped_bank_never_keys_on_natos_member_count(bank):
    # 31 when the article was written, 32 since March 2024: worded as of the source, flagged, never the key.
    for q in bank.questions:
        texts = [q.stem, *(s.text for s in q.statements), *(c.text for c in q.choices)]
        if any(re.search(r"\b3[12]\b", text) for text in texts):
            assert "2024" in q.explanation, q.key
        assert not re.search(r"\b3[12]\b", next(c.text for c in q.choices if c.is_correct)), q.key


def test_shipped_full_mock_is_the_real_papers_shape(bank, quizzes):
    (mock,) = [quiz for quiz in quizzes if quiz.slug == "full-mock"]
    questions = {q.key: q for q in bank.questions}
    kinds = Counter(questions[key].kind for key in mock.questions)
    assert (len(mock.questions), mock.minutes) == (100, 120)
    assert kinds == {
        Kind.STATEMENTS_CORRECT: 42,
        Kind.SINGLE: 17,
        Kind.STATEMENTS_COUNT: 17,
        Kind.ASSERTION_REASON: 14,
        Kind.MATCH_PAIRS: 10,
    }
    assert all(questions[key].status == "published" for key in mock.questions)


def test_shipped_bank_loads_into_the_database(loaded):
    assert Question.objects.published().count() >= 100
    assert Note.objects.count() == 40
    examinable = Note.objects.filter(examinable=True)
    assert set(examinable.filter(questions__isnull=True).values_list("key", flat=True)) == set()


# Names may be quoted in full; they are not sentences.
PROPER_NAMES = ("initiative on critical and emerging technology",)


def _words(text: str) -> list[str]:
    text = " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("defense", "defence")))
    for name in PROPER_NAMES:
        text = text.replace(name, "NAME")
    return text.split()


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + COPY_RUN]) for i in range(len(words) - COPY_RUN + 1)}


@pytest.mark.skipif(not MATERIAL.is_dir(), reason=f"the source material is not at {MATERIAL}")
def test_shipped_bank_never_copies_the_source_texts(bank):
    source_runs = set()
    for path in MATERIAL.glob("*.txt"):
        source_runs |= _runs(_words(path.read_text(encoding="utf-8")))
    authored = {f"note {n.key}": n.body for n in bank.notes}
    authored |= {f"fact {f.key}": f.text for f in bank.facts}
    authored |= {f"misconception {m.key}": m.description for m in bank.misconceptions}
    for q in bank.questions:
        texts = [q.stem, q.explanation, q.trap_note, *(s.text for s in q.statements), *(c.text for c in q.choices)]
        # Each piece on its own: a run across two statements is not a copied sentence.
        authored |= {f"question {q.key} #{i}": text for i, text in enumerate(texts)}
    copied = {where: sorted(_runs(_words(text)) & source_runs) for where, text in authored.items()}
    assert {where: runs for where, runs in copied.items() if runs} == {}


@pytest.mark.parametrize(("slug", "papers"), [("quick-10", 12), ("trap-drill", 4)])
def test_shipped_drawn_quizzes_set_no_two_questions_on_one_fact(db, slug, papers):
    # What the draw promises where the pool allows it, on the shipped bank: each paper holds every
    # tested fact once, so no question on it can be worked out from another.
    call_command("load_bank", stdout=StringIO())
    quiz = Quiz.objects.get(slug=slug)
    for _ in range(papers):
        attempt = attempt_start(quiz=quiz, user=UserFactory()).attempt
        question_ids = list(attempt.items.values_list("question_id", flat=True))
        assert len(question_ids) == quiz.rule_count
        assert shared_fact_pairs(question_ids) == set()


def test_shipped_topic_tests_cover_every_topic_and_draw_ten_of_its_questions_apart(db):
    # "Test yourself on this topic" on every study page: each topic's test draws ten of that topic's
    # published questions, none giving another away (two on one fact only where the topic's pool is short).
    call_command("load_bank", stdout=StringIO())
    links = topic_test_links(now=timezone.now())
    topics = Topic.objects.all()
    assert {topic.slug: links.get(topic.pk) for topic in topics} == {
        topic.slug: f"/quizzes/topic-{topic.slug}/" for topic in topics
    }
    for topic in topics:
        quiz = Quiz.objects.get(slug=f"topic-{topic.slug}")
        for _ in range(3):
            attempt = attempt_start(quiz=quiz, user=UserFactory()).attempt
            question_ids = list(attempt.items.values_list("question_id", flat=True))
            assert len(question_ids) == 10
            assert set(Question.objects.filter(pk__in=question_ids).values_list("topic", flat=True)) == {topic.pk}
            assert giveaway_pairs(question_ids) == set()
            assert attempt.deadline - attempt.started_at == timedelta(seconds=720)
