import pytest

from content.rules import (
    ASSERTION_REASON_CHOICES,
    Kind,
    Problem,
    choice_claim,
    misjudged_statements,
    parse_statement_set,
    question_problems,
)

FOUR_SINGLE = [("A", True), ("B", False), ("C", False), ("D", False)]


def problems(**overrides):
    spec = {
        "kind": Kind.SINGLE,
        "statements": [],
        "choices": FOUR_SINGLE,
        "explanation": "Why.",
        "is_trap": False,
        "trap_note": "",
    }
    spec.update(overrides)
    return question_problems(**spec)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 only", {1}),
        ("2 only", {2}),
        ("1 and 2 only", {1, 2}),
        ("1 and 3 only", {1, 3}),
        ("1, 2 and 3", {1, 2, 3}),
        ("1, 2, 3 and 4", {1, 2, 3, 4}),
        ("Both 1 and 2", {1, 2}),
        ("Neither 1 nor 2", set()),
        ("None of the above statements", set()),
        ("Only 1", None),
        ("1 & 2", None),
    ],
)
def test_parse_statement_set_reads_upsc_forms(text, expected):
    assert parse_statement_set(text) == (None if expected is None else frozenset(expected))


def test_choice_claim_reads_counts_and_assertion_reason():
    assert choice_claim(Kind.STATEMENTS_COUNT, "Only two") == 2
    assert choice_claim(Kind.MATCH_PAIRS, "All four") == 4
    assert choice_claim(Kind.STATEMENTS_COUNT, "None") == 0
    assert choice_claim(Kind.ASSERTION_REASON, ASSERTION_REASON_CHOICES[3]) == (False, True)
    assert choice_claim(Kind.SINGLE, "anything") is None


def test_choice_claim_rejects_an_unknown_form():
    with pytest.raises(ValueError, match="'Two of them' is not one of None, Only one"):
        choice_claim(Kind.STATEMENTS_COUNT, "Two of them")


def test_question_problems_accepts_a_sound_single_question():
    assert problems() == []


def test_question_problems_requires_exactly_one_correct_choice():
    assert problems(choices=[("A", True), ("B", True), ("C", False), ("D", False)]) == [
        Problem("choices", "exactly one choice must be correct, not 2")
    ]
    assert problems(choices=[("A", False), ("B", False), ("C", False), ("D", False)]) == [
        Problem("choices", "exactly one choice must be correct, not 0")
    ]


def test_question_problems_requires_four_distinct_choices():
    assert problems(choices=FOUR_SINGLE[:3]) == [Problem("choices", "a question has exactly 4 choices, not 3")]
    assert problems(choices=[("A", True), ("A", False), ("C", False), ("D", False)]) == [
        Problem("choices", "two choices have the same text")
    ]


def test_question_problems_requires_an_explanation_and_a_trap_note_for_traps():
    assert problems(explanation="  ") == [Problem("explanation", "every question needs an explanation")]
    assert problems(is_trap=True) == [
        Problem("trap_note", "a trap question needs a trap note naming the misconception it tests"),
        Problem("misconception", "a trap question names one of the bank's misconceptions"),
    ]
    assert problems(is_trap=True, trap_note="An exercise is not a pact.", misconception="exercise-as-treaty") == []
    assert problems(misconception="exercise-as-treaty") == [
        Problem(
            "misconception",
            "only a trap question names a misconception; mark the question as a trap, or clear the misconception",
        )
    ]
    assert problems(trap_note="stray") == [
        Problem("trap_note", "only a trap question has a trap note; mark the question as a trap, or clear the note")
    ]


def test_question_problems_checks_the_key_against_the_statements():
    statements = [("S1", True), ("S2", False), ("S3", True)]
    wrong_key = [("1 only", True), ("1 and 3 only", False), ("2 and 3 only", False), ("1, 2 and 3", False)]
    assert problems(kind=Kind.STATEMENTS_CORRECT, statements=statements, choices=wrong_key) == [
        Problem("choices", "the correct choice ('1 only') disagrees with the statements' truth values"),
        Problem("choices", "choice 2 ('1 and 3 only') is also right by the statements"),
    ]


def test_question_problems_checks_counts_and_statement_numbers():
    statements = [("S1", True), ("S2", True), ("S3", False)]
    counts = [("Only one", True), ("Only two", False), ("All three", False), ("None", False)]
    assert problems(kind=Kind.STATEMENTS_COUNT, statements=statements, choices=counts)[0] == Problem(
        "choices", "the correct choice ('Only one') disagrees with the statements' truth values"
    )
    sets = [("1 and 2 only", True), ("4 only", False), ("2 and 3 only", False), ("1, 2 and 3", False)]
    assert problems(kind=Kind.STATEMENTS_CORRECT, statements=statements, choices=sets) == [
        Problem("choices", "choice 2 names a statement that does not exist")
    ]


def test_question_problems_checks_statement_counts_and_pair_form():
    assert problems(statements=[("S1", True)]) == [
        Problem("statements", "a question of the kind “Single answer” has no statements, not 1")
    ]
    pairs = [("Malabar — US", True), ("Varuna: France", True), ("BrahMos — Russia", True)]
    counts = [("Only one", False), ("Only two", False), ("All three", True), ("None", False)]
    assert problems(kind=Kind.MATCH_PAIRS, statements=pairs, choices=counts) == [
        Problem("statements", "pair 2 must read 'left — right'")
    ]


def test_question_problems_requires_the_standard_assertion_reason_options():
    statements = [("I", True), ("II", True)]
    shuffled = [(text, i == 0) for i, text in enumerate(reversed(ASSERTION_REASON_CHOICES))]
    assert problems(kind=Kind.ASSERTION_REASON, statements=statements, choices=shuffled) == [
        Problem("choices", "assertion-reason choices are the four standard options, in order")
    ]
    keyed_second = [(text, i == 1) for i, text in enumerate(ASSERTION_REASON_CHOICES)]
    assert problems(kind=Kind.ASSERTION_REASON, statements=statements, choices=keyed_second) == []


def test_misjudged_statements_names_the_statements_a_choice_got_wrong():
    truths = [True, False, True]
    assert misjudged_statements(Kind.STATEMENTS_CORRECT, "1 and 2 only", truths) == [2, 3]
    assert misjudged_statements(Kind.STATEMENTS_CORRECT, "1 and 3 only", truths) == []
    assert misjudged_statements(Kind.ASSERTION_REASON, ASSERTION_REASON_CHOICES[0], [True, False]) == [2]
    assert misjudged_statements(Kind.STATEMENTS_COUNT, "Only one", truths) is None
