"""What makes a question well-formed, as pure functions.

One set of rules serves the bank loader (`content.bank`), the admin's forms and the shipped-bank
test, so a question the admin accepts is a question the loader accepts, and the other way round.

Statement questions keep each statement's truth value, and every choice of a statement question
*claims* something about those statements ("1 and 3 only", "Only two", "Statement-I is correct,
but Statement-II is incorrect"). `choice_claim` reads that claim back from the choice's text, which
lets us check the key against the statements, and later tell which statements a student misjudged.
"""

import re
from dataclasses import dataclass

from django.db import models


class Kind(models.TextChoices):
    SINGLE = "single", "Single answer"
    STATEMENTS_CORRECT = "statements_correct", "Statements: which are correct"
    STATEMENTS_COUNT = "statements_count", "Statements: how many are correct"
    MATCH_PAIRS = "match_pairs", "Match the pairs"
    ASSERTION_REASON = "assertion_reason", "Assertion and reason"


CLOSING_LINE = {
    Kind.SINGLE: "",
    Kind.STATEMENTS_CORRECT: "Which of the statements given above is/are correct?",
    Kind.STATEMENTS_COUNT: "How many of the above statements are correct?",
    Kind.MATCH_PAIRS: "How many of the pairs given above are correctly matched?",
    Kind.ASSERTION_REASON: "Which one of the following is correct in respect of the above statements?",
}

ASSERTION_REASON_CHOICES = (
    "Both Statement-I and Statement-II are correct and Statement-II explains Statement-I",
    "Both Statement-I and Statement-II are correct, but Statement-II does not explain Statement-I",
    "Statement-I is correct, but Statement-II is incorrect",
    "Statement-I is incorrect, but Statement-II is correct",
)
# What each assertion-reason option says of (Statement-I, Statement-II). Whether II explains I is a
# judgement no truth value records, so options 1 and 2 make the same claim about the statements.
_ASSERTION_REASON_TRUTHS = ((True, True), (True, True), (True, False), (False, True))

COUNT_WORDS = {"None": 0, "Only one": 1, "Only two": 2, "Only three": 3, "All three": 3, "All four": 4}

CHOICES_PER_QUESTION = 4
STATEMENT_RANGE = {
    Kind.SINGLE: (0, 0),
    Kind.STATEMENTS_CORRECT: (2, 4),
    Kind.STATEMENTS_COUNT: (3, 4),
    Kind.MATCH_PAIRS: (3, 4),
    Kind.ASSERTION_REASON: (2, 2),
}
PAIR_SEPARATOR = " — "

_SET_FORM = re.compile(
    r"^(?:(?P<only>\d) only|(?P<list>\d(?:, \d)*) and (?P<last>\d)(?P<only2> only)?|Both (?P<b1>\d) and (?P<b2>\d))$"
)
_EMPTY_SET_FORMS = ("None of the above statements",)
_NEITHER_FORM = re.compile(r"^Neither (\d) nor (\d)$")


def kind_phrase(kind: str) -> str:
    """A kind as a person reads it in a sentence, by its label: 'a question of the kind "Match the pairs"'."""
    return f"a question of the kind \u201c{Kind(kind).label}\u201d"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a question: the field it is in, and what to do about it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def parse_statement_set(text: str) -> frozenset[int] | None:
    """The statement numbers a "which are correct" choice claims are true, or None if unreadable."""
    text = text.strip()
    if text in _EMPTY_SET_FORMS or _NEITHER_FORM.match(text):
        return frozenset()
    match = _SET_FORM.match(text)
    if not match:
        return None
    if match["only"]:
        return frozenset({int(match["only"])})
    if match["b1"]:
        return frozenset({int(match["b1"]), int(match["b2"])})
    numbers = [int(n) for n in match["list"].split(", ")] + [int(match["last"])]
    # "1, 2 and 3" names every statement; "1 and 3 only" names some. Both read as the set named.
    return frozenset(numbers)


def choice_claim(kind: str, text: str) -> frozenset[int] | int | tuple[bool, ...] | None:
    """What a choice asserts about the statements, or None for a single-answer question.

    - statements_correct: the set of statement numbers it calls correct;
    - statements_count, match_pairs: how many it calls correct;
    - assertion_reason: the truth it gives Statement-I and Statement-II.
    Raises ValueError when the text is not one of the forms the kind allows.
    """
    text = text.strip()
    if kind == Kind.STATEMENTS_CORRECT:
        claim = parse_statement_set(text)
        if claim is None:
            raise ValueError(f"{text!r} is not a statement set such as '1 and 3 only' or 'Neither 1 nor 2'")
        return claim
    if kind in (Kind.STATEMENTS_COUNT, Kind.MATCH_PAIRS):
        if text not in COUNT_WORDS:
            raise ValueError(f"{text!r} is not one of {', '.join(COUNT_WORDS)}")
        return COUNT_WORDS[text]
    if kind == Kind.ASSERTION_REASON:
        if text not in ASSERTION_REASON_CHOICES:
            raise ValueError(f"{text!r} is not one of the four assertion-reason options")
        return _ASSERTION_REASON_TRUTHS[ASSERTION_REASON_CHOICES.index(text)]
    return None


def claim_is_true(kind: str, claim, truths: list[bool]) -> bool:
    """Whether a choice's claim matches the statements' real truth values."""
    if kind == Kind.STATEMENTS_CORRECT:
        return claim == frozenset(i for i, is_true in enumerate(truths, start=1) if is_true)
    if kind in (Kind.STATEMENTS_COUNT, Kind.MATCH_PAIRS):
        return claim == sum(truths)
    if kind == Kind.ASSERTION_REASON:
        return claim == tuple(truths)
    return False


def misjudged_statements(kind: str, choice_text: str, truths: list[bool]) -> list[int] | None:
    """The statement numbers a chosen option judged wrongly.

    None where the choice cannot say which (a count, or a single-answer question): "Only two"
    when one is true tells us a statement was misjudged, not which one.
    """
    claim = choice_claim(kind, choice_text)
    if kind == Kind.STATEMENTS_CORRECT:
        return [i for i, is_true in enumerate(truths, start=1) if (i in claim) != is_true]
    if kind == Kind.ASSERTION_REASON:
        return [i for i, (said, is_true) in enumerate(zip(claim, truths, strict=True), start=1) if said != is_true]
    return None


def trap_problems(*, is_trap: bool, trap_note: str, misconception: str) -> list[Problem]:
    """A trap names its misconception twice: one of the bank's list, and a sentence of its own."""
    problems = []
    if is_trap and not trap_note.strip():
        problems.append(Problem("trap_note", "a trap question needs a trap note naming the misconception it tests"))
    if not is_trap and trap_note.strip():
        problems.append(
            Problem("trap_note", "only a trap question has a trap note; mark the question as a trap, or clear the note")
        )
    if is_trap and not misconception:
        problems.append(Problem("misconception", "a trap question names one of the bank's misconceptions"))
    if not is_trap and misconception:
        problems.append(
            Problem(
                "misconception",
                "only a trap question names a misconception; mark the question as a trap, or clear the misconception",
            )
        )
    return problems


def question_problems(
    *,
    kind: str,
    statements: list[tuple[str, bool]],
    choices: list[tuple[str, bool]],
    explanation: str,
    is_trap: bool,
    trap_note: str,
    misconception: str = "",
) -> list[Problem]:
    """Everything wrong with a question, as (field, message) problems; empty when it is sound.

    `misconception` is the key of the trap's misconception, empty for none.
    """
    problems: list[Problem] = []
    if kind not in Kind.values:
        known = ", ".join(f"{value} ({label})" for value, label in Kind.choices)
        return [Problem("kind", f"unknown kind {kind!r}; use one of {known}")]
    if not explanation.strip():
        problems.append(Problem("explanation", "every question needs an explanation"))
    problems += trap_problems(is_trap=is_trap, trap_note=trap_note, misconception=misconception)

    low, high = STATEMENT_RANGE[kind]
    if not low <= len(statements) <= high:
        wanted = "no statements" if high == 0 else f"{low} to {high} statements" if low != high else f"{low} statements"
        problems.append(Problem("statements", f"{kind_phrase(kind)} has {wanted}, not {len(statements)}"))
    for number, (text, _) in enumerate(statements, start=1):
        if not text.strip():
            problems.append(Problem("statements", f"statement {number} is empty"))
        elif kind == Kind.MATCH_PAIRS and PAIR_SEPARATOR not in text:
            problems.append(Problem("statements", f"pair {number} must read 'left — right'"))

    if len(choices) != CHOICES_PER_QUESTION:
        problems.append(
            Problem("choices", f"a question has exactly {CHOICES_PER_QUESTION} choices, not {len(choices)}")
        )
    correct = [number for number, (_, is_correct) in enumerate(choices, start=1) if is_correct]
    if len(correct) != 1:
        problems.append(Problem("choices", f"exactly one choice must be correct, not {len(correct)}"))
    texts = [text.strip() for text, _ in choices]
    if any(not text for text in texts):
        problems.append(Problem("choices", "a choice is empty"))
    elif len(set(texts)) != len(texts):
        problems.append(Problem("choices", "two choices have the same text"))
    if problems or kind == Kind.SINGLE:
        return problems

    if kind == Kind.ASSERTION_REASON and tuple(texts) != ASSERTION_REASON_CHOICES:
        return [Problem("choices", "assertion-reason choices are the four standard options, in order")]
    truths = [is_true for _, is_true in statements]
    # The key first: when it disagrees with the statements, that is the problem to report.
    for number, (text, is_correct) in sorted(enumerate(choices, start=1), key=lambda item: not item[1][1]):
        try:
            claim = choice_claim(kind, text)
        except ValueError as error:
            problems.append(Problem("choices", f"choice {number}: {error}"))
            continue
        if kind == Kind.STATEMENTS_CORRECT and any(n > len(statements) for n in claim):
            problems.append(Problem("choices", f"choice {number} names a statement that does not exist"))
        elif is_correct and not claim_is_true(kind, claim, truths):
            problems.append(
                Problem("choices", f"the correct choice ({text!r}) disagrees with the statements' truth values")
            )
        elif not is_correct and claim_is_true(kind, claim, truths) and kind != Kind.ASSERTION_REASON:
            problems.append(Problem("choices", f"choice {number} ({text!r}) is also right by the statements"))
    return problems
