"""Reads of the authored content that other apps build on (no writes here)."""

from collections.abc import Collection

from content import lint
from content.models import Fact, Note, Question


def giveaway_pairs(question_ids: Collection[int]) -> set[frozenset[int]]:
    """Pairs among `question_ids` where one's stem reveals a fact the other tests, in one query.

    The bank declares these links (`reveals`, `tests`); `content.lint` checks the declarations
    and also detects undeclared give-aways in the wording, for authors to declare or rewrite.
    """
    revealed = Question.reveals.through.objects.filter(
        question_id__in=question_ids, fact__tested_by__in=question_ids
    ).values_list("question_id", "fact__tested_by")
    return {frozenset(pair) for pair in revealed if pair[0] != pair[1]}


def shared_fact_pairs(question_ids: Collection[int]) -> set[frozenset[int]]:
    """Pairs among `question_ids` that test a fact in common, in one query.

    Neither states the other's key, but a reader who meets one fact from two sides on one paper
    (a detail true in one question, swapped in the other) can work out both without the notes: the
    draw keeps such pairs apart whenever the pool is wide enough.
    """
    shared = Question.tests.through.objects.filter(
        question_id__in=question_ids, fact__tested_by__in=question_ids
    ).values_list("question_id", "fact__tested_by")
    return {frozenset(pair) for pair in shared if pair[0] != pair[1]}


def fact_texts(keys) -> dict[str, str]:
    """Each fact's text by key: the checker matches statements to facts by these words."""
    return dict(Fact.objects.filter(key__in=keys).values_list("key", "text"))


def bank_report_saved():
    """The checker's report on the saved bank, with the coverage of its notes and facts."""
    items = [lint.item_from_question(q) for q in Question.objects.with_bank_fields()]
    return lint.bank_report(
        items,
        facts=dict(Fact.objects.values_list("key", "note__key")),
        notes=dict(Note.objects.values_list("key", "examinable")),
    )


def question_flaws_in_bank(question: Question) -> list:
    """One question's flaws, on its own and against every other published question."""
    question = Question.objects.with_bank_fields().get(pk=question.pk)
    item = lint.item_from_question(question)
    others = [
        lint.item_from_question(q) for q in Question.objects.published().exclude(pk=question.pk).with_bank_fields()
    ]
    return lint.question_flaws(item) + lint.pair_flaws_of(item, others)
