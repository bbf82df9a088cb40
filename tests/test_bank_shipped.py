"""The question bank we ship, checked as a whole."""

import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from content.bank import BANK_DIR, bank_load, bank_read
from content.models import Note, Question
from content.rules import Kind

MATERIAL = Path(settings.BASE_DIR).parent / "shared" / "material"
COPY_RUN = 7  # words in a row shared with a source text that count as copying


@pytest.fixture
def bank(db):
    # Reading checks references against the (empty) test database too.
    return bank_read([BANK_DIR])


@pytest.fixture
def loaded(db, bank):
    bank_load(bank=bank)


def test_shipped_bank_has_enough_published_questions_of_every_kind(bank):
    published = [q for q in bank.questions if q.status == "published"]
    kinds = Counter(q.kind for q in published)
    assert len(published) >= 80
    assert set(kinds) == set(Kind.values)
    for kind in (Kind.STATEMENTS_CORRECT, Kind.STATEMENTS_COUNT, Kind.MATCH_PAIRS, Kind.ASSERTION_REASON):
        assert kinds[kind] >= 10, kind


def test_shipped_bank_has_twenty_traps_each_naming_its_misconception(bank):
    traps = [q for q in bank.questions if q.is_trap]
    assert len(traps) >= 20
    assert all(len(q.trap_note.split()) >= 5 for q in traps)


def test_shipped_bank_questions_have_one_correct_choice_of_four(bank):
    # Reading the bank already applied every rule of content.rules; these are the headline ones.
    assert all(len(q.choices) == 4 and sum(c.is_correct for c in q.choices) == 1 for q in bank.questions)
    assert all(q.explanation.strip() for q in bank.questions)
    assert {q.difficulty for q in bank.questions} == {1, 2, 3}


def test_shipped_bank_every_question_cites_a_note_of_its_topic_and_every_note_is_cited(bank):
    notes = {n.key: n for n in bank.notes}
    assert {q.note_key for q in bank.questions} == set(notes)
    assert all(notes[q.note_key].topic == q.topic for q in bank.questions)


def test_shipped_bank_covers_both_sources(bank):
    assert {n.source for n in bank.notes} == {"dp", "nato"}
    assert Counter(n.source for n in bank.notes) == {"dp": 29, "nato": 11}


def test_shipped_bank_key_positions_are_spread(bank):
    positions = Counter(next(i for i, c in enumerate(q.choices) if c.is_correct) for q in bank.questions)
    assert len(positions) == 4
    assert min(positions.values()) >= len(bank.questions) // 8


def test_shipped_bank_loads_into_the_database(loaded):
    assert Question.objects.published().count() >= 80
    assert Note.objects.count() == 40
    assert set(Note.objects.filter(questions__isnull=True).values_list("key", flat=True)) == set()


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
    for q in bank.questions:
        texts = [q.stem, q.explanation, q.trap_note, *(s.text for s in q.statements), *(c.text for c in q.choices)]
        # Each piece on its own: a run across two statements is not a copied sentence.
        authored |= {f"question {q.key} #{i}": text for i, text in enumerate(texts)}
    copied = {where: sorted(_runs(_words(text)) & source_runs) for where, text in authored.items()}
    assert {where: runs for where, runs in copied.items() if runs} == {}
