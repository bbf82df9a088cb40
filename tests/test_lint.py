"""The bank checker (content/lint.py): each rule on a small bad question and a good one."""

import math
from collections import Counter
from fractions import Fraction

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from content.lint import (
    Item,
    absolutes_in,
    accepted_flaws_parse,
    bank_report,
    cue_solver_pick,
    fact_forms,
    giveaway_pairs,
    lopsided_facts,
    option_shares,
    pair_flaws,
    paper_flaws,
    phrases_in,
    question_flaws,
    word_weights,
)
from content.rules import ASSERTION_REASON_CHOICES, Kind

EVEN = (
    ("France and India hold the Varuna naval exercise", True),
    ("Japan and India hold the Varuna naval exercise", False),
    ("Israel and India hold the Varuna naval exercise", False),
    ("Russia and India hold the Varuna naval exercise", False),
)


def single(key="q1", stem="Which country holds the Varuna exercise with India?", choices=EVEN, **fields) -> Item:
    return Item(key=key, kind=Kind.SINGLE, stem=stem, choices=tuple(choices), tests=frozenset({"varuna"}), **fields)


def statements(rows, key="q2", choices=None, kind=Kind.STATEMENTS_CORRECT, **fields) -> Item:
    return Item(
        key=key,
        kind=kind,
        stem="Consider the following statements:",
        statements=tuple(rows),
        choices=tuple(
            choices or (("1 only", False), ("2 only", True), ("Both 1 and 2", False), ("Neither 1 nor 2", False))
        ),
        tests=frozenset({"fact"}),
        **fields,
    )


def codes(item: Item) -> list[str]:
    return [flaw.code for flaw in question_flaws(item)]


def test_question_flaws_passes_a_homogeneous_single_question():
    assert codes(single()) == []


def test_question_flaws_finds_a_conspicuously_longest_key():
    item = single(
        choices=(
            ("A partnership that reaches beyond arms sales into co-production and training", True),
            ("A one-off arms sale", False),
            ("A treaty of alliance", False),
            ("A trade agreement", False),
        )
    )
    assert codes(item) == ["key-longest"]
    assert question_flaws(item)[0].message == (
        "the key (76 characters) is conspicuously the longest option (others 17 to 20)"
    )


def test_question_flaws_finds_a_conspicuously_shortest_key():
    item = single(
        choices=(
            ("France", True),
            ("Japan, which trains with India in Malabar", False),
            ("Israel, a key source of missile technology", False),
            ("Russia, India's partner in making BrahMos", False),
        )
    )
    assert codes(item) == ["key-shortest"]


def test_question_flaws_allows_a_key_within_fifteen_percent_of_its_distractors():
    # 46 against 40 to 42: longest, but not conspicuously.
    item = single(
        choices=(
            ("a" * 46, True),
            ("b" * 40, False),
            ("c" * 41, False),
            ("d" * 42, False),
        ),
        stem="Pick one.",
    )
    assert codes(item) == []


def test_question_flaws_finds_absolutes_only_in_false_statements():
    bad = statements(
        [("Partners share intelligence on terrorist groups.", True), ("Partners must always fight.", False)]
    )
    good = statements(
        [("Every NATO member is bound by collective defence.", True), ("Partners must always fight.", False)]
    )
    assert codes(bad) == ["absolutes-only-false"]
    assert codes(good) == []


def test_question_flaws_finds_absolutes_only_in_wrong_options():
    item = single(
        choices=(
            ("France and India hold the Varuna naval drill", True),
            ("Only Japan holds the Varuna drill with India", False),
            ("Israel alone must hold Varuna with India", False),
            ("Russia and India hold the Varuna naval drill", False),
        )
    )
    assert codes(item) == ["absolutes-only-false"]
    assert question_flaws(item)[0].message == "absolute words (must, only) only in the wrong options"


def test_question_flaws_finds_a_statement_the_option_set_settles():
    rows = [("India talks to NATO.", True), ("India joined NATO.", False), ("NATO has members.", True)]
    leaky = ["1 only", "1 and 2 only", "1 and 3 only", "1, 2 and 3"]  # 1 in every option
    item = statements(rows, choices=[(text, text == "1 and 3 only") for text in leaky])
    assert [(f.code, f.message) for f in question_flaws(item)] == [
        ("option-set-leak", "statement 1 is in every option, so the options settle it")
    ]
    even = ["1 only", "2 and 3 only", "1 and 3 only", "1, 2 and 3"]
    assert codes(statements(rows, choices=[(text, text == "1 and 3 only") for text in even])) == []


def test_question_flaws_finds_a_stem_word_echoed_only_by_the_key():
    item = single(
        stem="Which describes co-production in a defence partnership?",
        choices=(
            ("Partners jointly manufacture equipment by co-production", True),
            ("One partner sells its finished weapons to the other", False),
            ("Partners train their navies together at sea", False),
            ("One partner shares intelligence about threats", False),
        ),
    )
    assert codes(item) == ["stem-echo"]
    assert question_flaws(item)[0].message == "only the key repeats the stem's 'production'"


def test_question_flaws_finds_an_all_of_the_above_option():
    item = single(
        choices=(
            ("France and India hold the Varuna naval exercise", False),
            ("Japan and India hold the Varuna naval exercise", False),
            ("Israel and India hold the Varuna naval exercise", False),
            ("All of the above options are right about Varuna", True),
        )
    )
    assert "all-or-none-option" in codes(item)


def test_question_flaws_finds_an_unemphasised_negative_stem():
    assert codes(single(stem="Which of these is not a partner of India?")) == ["negative-stem"]
    assert codes(single(stem="Which of these is NOT a partner of India?")) == []


def test_question_flaws_finds_an_assertion_reason_connective():
    rows = [("India trains with France.", True), ("Because they share concerns at sea.", True)]
    item = statements(
        rows, kind=Kind.ASSERTION_REASON, choices=[(text, i == 0) for i, text in enumerate(ASSERTION_REASON_CHOICES)]
    )
    plain = statements(
        [rows[0], ("They share concerns at sea.", True)],
        kind=Kind.ASSERTION_REASON,
        choices=[(text, i == 0) for i, text in enumerate(ASSERTION_REASON_CHOICES)],
    )
    assert codes(item) == ["connective"]
    assert codes(plain) == []


def test_question_flaws_finds_a_published_question_naming_no_fact():
    assert codes(Item(key="q", kind=Kind.SINGLE, stem="Pick.", choices=EVEN)) == ["no-tests"]
    assert codes(Item(key="q", kind=Kind.SINGLE, stem="Pick.", choices=EVEN, published=False)) == []


def test_question_flaws_marks_an_accepted_flaw_with_its_reason():
    item = single(
        stem="Which of these is not a partner of India?", accepted={"negative-stem": "the real paper asks so"}
    )
    (flaw,) = question_flaws(item)
    assert (flaw.code, flaw.accepted) == ("negative-stem", "the real paper asks so")
    assert str(flaw) == (
        "q1: [negative-stem] a negative stem without emphasis: write NOT (or EXCEPT) in capitals "
        "(accepted: the real paper asks so)"
    )


def test_accepted_flaws_parse_needs_a_reason_on_each_line():
    assert accepted_flaws_parse("stem-echo: names are names\nkey-longest:\n  \nnegative-stem") == {
        "stem-echo": "names are names"
    }


def test_paper_flaws_finds_a_declared_giveaway_and_not_the_reverse():
    giver = single(key="giver", stem="India's Malabar exercise brings in three navies. What is it for?")
    giver = Item(**{**giver.__dict__, "reveals": frozenset({"malabar-partners"}), "tests": frozenset({"malabar-aim"})})
    taker = Item(**{**single(key="taker").__dict__, "tests": frozenset({"malabar-partners"})})
    flaws = paper_flaws([giver, taker])
    assert [(f.code, f.key, f.other) for f in flaws] == [("same-paper", "giver", "taker")]
    assert flaws[0].message == "gives away taker: it declares that it reveals malabar-partners"
    assert giveaway_pairs([giver, taker]) == {frozenset({"giver", "taker"})}


def test_pair_flaws_leaves_a_declared_giveaway_to_the_draw():
    giver = Item(**{**single(key="giver").__dict__, "reveals": frozenset({"malabar-partners"})})
    taker = Item(**{**single(key="taker", stem="Which navies join India in Malabar?").__dict__})
    taker = Item(**{**taker.__dict__, "tests": frozenset({"malabar-partners"})})
    assert [f.code for f in pair_flaws([giver, taker])] == []


MALABAR = "Malabar brings India together with the United States, Japan and Australia for maritime security."
BYSTANDERS = (
    ("Varuna is a naval exercise that India holds with France.", True),
    ("Technology transfer passes know-how from one partner to another.", True),
    ("Israel has supplied advanced missile technology to India.", True),
)


def test_pair_flaws_detects_a_true_statement_that_another_question_restates():
    taker = statements(((MALABAR, True), ("Varuna is held with the United States.", False)), key="taker")
    giver = statements(
        (
            (
                "For maritime security, Malabar brings together the navies of India, the United States, Japan "
                "and Australia.",
                True,
            ),
        ),
        key="giver",
    )
    bystander = statements(BYSTANDERS, key="bystander")
    flaws = pair_flaws([taker, giver, bystander])
    # Two true statements of one fact give each other away, whichever the student meets first.
    flaws = [f for f in flaws if f.code == "gives-away"]
    assert [(f.code, f.key, f.other) for f in flaws] == [
        ("gives-away", "taker", "giver"),
        ("gives-away", "giver", "taker"),
    ]
    assert flaws[1].message == (
        "gives away taker: its statement 1 restates its true statement 1 (australia, brings, japan, malabar, "
        "maritime, security, states, together, united); reword it, or declare the fact in `reveals` so that no "
        "paper holds both"
    )


def test_pair_flaws_ignores_a_false_statement_with_the_same_words():
    taker = statements(((MALABAR, True), ("Varuna is held with the United States.", False)), key="taker")
    giver = statements(((MALABAR.replace("Australia", "France"), False), *BYSTANDERS), key="giver")
    assert [f for f in pair_flaws([taker, giver]) if f.code == "gives-away"] == []


def test_pair_flaws_detects_a_single_keys_telling_words_in_a_true_statement():
    taker = single(
        key="taker",
        stem="With which country does India co-produce the BrahMos missile?",
        choices=(("Russia", True), ("Israel", False), ("France", False), ("Japan", False)),
    )
    giver = statements((("Russia and India produce the BrahMos missile together.", True),), key="giver")
    false_giver = statements((("India and Israel co-produce the BrahMos missile.", False),), key="false-giver")
    flaws = pair_flaws([taker, giver, false_giver, statements(BYSTANDERS, key="bystander")])
    flaws = [f for f in flaws if f.code == "gives-away"]
    assert [(f.key, f.other) for f in flaws] == [("giver", "taker")]
    assert flaws[0].message.startswith("gives away taker: its statement 1 holds the key's telling words (russia);")


def test_word_weights_weigh_a_word_by_how_few_texts_use_it():
    # Seven texts: the stem, two statements, four options.
    weights = word_weights([statements(((MALABAR, True), ("Malabar is a naval drill.", True)), key="q")])
    assert weights["malabar"] == math.log(7 / 2)
    assert weights["japan"] == math.log(7 / 1)


def test_pair_flaws_detects_a_stem_holding_another_keys_telling_words():
    taker = single(
        key="taker",
        stem="With which country does India co-produce the BrahMos missile?",
        choices=(("Russia", True), ("Israel", False), ("France", False), ("Japan", False)),
    )
    giver = single(key="giver", stem="Since India and Russia co-produce the BrahMos missile, what follows?")
    innocent = single(key="innocent", stem="Which exercise does India hold with France at sea?")
    assert [(f.key, f.other) for f in pair_flaws([giver, taker, innocent])] == [("giver", "taker")]


def test_pair_flaws_finds_near_duplicates():
    a = single(key="a", stem="Which country holds the Varuna naval exercise with India each year?")
    b = single(key="b", stem="Which country holds the Varuna naval exercise with India?")
    c = single(key="c", stem="What does co-production add to a defence partnership?")
    assert [(f.code, f.key, f.other) for f in pair_flaws([a, b, c])] == [("near-duplicate", "a", "b")]


def test_paper_flaws_keeps_only_giveaways():
    a = single(key="a", stem="Which country holds the Varuna naval exercise with India each year?")
    b = single(key="b", stem="Which country holds the Varuna naval exercise with India?")
    assert paper_flaws([a, b]) == []


def test_absolutes_in_finds_words_and_phrases_but_not_parts_of_words():
    assert absolutes_in("It can no longer rely on one supplier, only on many.") == ["only", "can no longer"]
    assert absolutes_in("Allies are installing ballast.") == []


def test_cue_solver_pick_takes_the_longest_option_and_reads_absolutes_as_false():
    assert cue_solver_pick(single(choices=(("a", False), ("bbbb", True), ("cc", False), ("d", False)))) == 1
    item = statements(
        [("Partners share intelligence.", True), ("Partners must always fight.", False)],
        choices=(("1 only", True), ("2 only", False), ("Both 1 and 2", False), ("Neither 1 nor 2", False)),
    )
    assert cue_solver_pick(item) == 0


def _bank(n_single=4, longest=1, absolute_true=True, traps=("m1", "m2")) -> list[Item]:
    """A small bank: `n_single` single questions, `longest` of them keyed on the longest option."""
    items = []
    for i in range(n_single):
        key_first = i < longest
        choices = [("x" * (44 if key_first else 41), True), ("y" * 40, False), ("z" * 42, False), ("w" * 43, False)]
        items.append(single(key=f"s{i}", stem=f"Question {i}?", choices=choices, difficulty=3))
    patterns = ["1 only", "2 only", "Both 1 and 2", "Neither 1 nor 2"]
    for i, pattern in enumerate(patterns):
        truths = {"1 only": (True, False), "2 only": (False, True), "Both 1 and 2": (True, True)}.get(
            pattern, (False, False)
        )
        rows = [
            ("Every member is bound." if absolute_true and truths[0] else "A member trains.", truths[0]),
            ("It must act." if not truths[1] else "It shares data.", truths[1]),
        ]
        items.append(statements(rows, key=f"c{i}", choices=[(p, p == pattern) for p in patterns]))
    for i, misconception in enumerate(traps):
        items[i] = Item(**{**items[i].__dict__, "is_trap": True, "misconception": misconception})
    return items


def _check(report, start: str):
    return next(check for check in report.checks if check.name.startswith(start))


def test_bank_report_counts_key_length_ranks_and_the_longest_share():
    report = bank_report(_bank(n_single=4, longest=1))
    assert report.key_length_rank == Counter({1: 1, 3: 3})
    assert _check(report, "key longest").ok
    assert not _check(bank_report(_bank(n_single=4, longest=2)), "key longest").ok


def test_bank_report_caps_the_share_of_any_one_key_length_rank():
    # Keys never the longest but always third longest: the overcorrected bank has a cue too.
    check = _check(bank_report(_bank(n_single=4, longest=1)), "no length rank")
    assert (check.ok, check.figure) == (False, "most: rank 3 (1 = longest) 3 of 4 (75%)")
    distractors = [("d" * 45, False), ("e" * 41, False), ("f" * 37, False)]
    spread = [
        single(key=f"r{length}", stem="Which?", choices=[("k" * length, True), *distractors])
        for length in (47, 43, 39, 35)  # the key is first, second, third and fourth longest
    ]
    assert _check(bank_report(spread), "no length rank").ok


def test_bank_report_compares_absolutes_in_true_and_false_statements():
    good = bank_report(_bank(absolute_true=True))
    bad = bank_report(_bank(absolute_true=False))
    assert good.absolutes["true statements"] == (2, 4)
    assert bad.absolutes["true statements"] == (0, 4)
    assert _check(good, "absolute words as common").ok
    assert not _check(bad, "absolute words as common").ok


def test_bank_report_refuses_absolutes_that_mark_true_statements():
    rows = [("Every member is bound.", True), ("Only one trains.", True), ("It shares data.", False)]
    items = [statements(rows, key="c1", choices=[("1 and 2 only", True), ("1 only", False), ("2 only", False)])]
    check = _check(bank_report(items), "absolute words as common")
    assert (check.ok, check.figure) == (False, "100% of true vs 0% of false")


def test_phrases_in_finds_each_family_and_not_parts_of_words():
    assert phrases_in("It helps each side, not only India, as well as NATO.", "inclusive") == ["not only", "as well as"]
    assert phrases_in("Besides drills, it shares data.", "inclusive") == ["besides"]
    assert phrases_in("It lists piracy but treats terrorism on land as separate.", "contrast") == [
        "but treats( [a-z0-9']+){1,6} as separate"
    ]
    assert phrases_in("It matters chiefly at sea, rather than on land.", "contrast") == ["rather than", "chiefly"]
    assert phrases_in("Mischiefly, the rathertham moreover.", "contrast") == []


def _phrase_bank(true_texts, false_texts) -> list[Item]:
    rows = [(text, True) for text in true_texts] + [(text, False) for text in false_texts]
    return [statements([row, ("A plain claim.", not row[1])], key=f"p{i}") for i, row in enumerate(rows)]


def test_bank_report_refuses_inclusive_phrases_only_on_true_statements():
    inclusive = ["It helps both, not only India.", "It helps NATO as well as India."]
    bad = bank_report(_phrase_bank(inclusive, ["It trains."]))
    check = _check(bad, "inclusive phrases as common")
    assert bad.phrases["inclusive"] == {"true statements": (2, 3), "false statements": (0, 3)}
    assert (check.ok, check.figure) == (False, "67% of true vs 0% of false")
    good = bank_report(_phrase_bank(["It helps both, not only India."], ["Besides India, Japan trains in it."]))
    assert _check(good, "inclusive phrases as common").ok


def test_bank_report_refuses_contrast_phrases_only_on_false_statements():
    contrast = ["It serves chiefly NATO.", "It lists piracy but leaves out terror."]
    bad = bank_report(_phrase_bank(["It trains."], contrast))
    check = _check(bad, "contrast phrases as common")
    assert (check.ok, check.figure) == (False, "0% of true vs 67% of false")
    good = bank_report(_phrase_bank(["It is a sale rather than a partnership."], ["It serves chiefly NATO."]))
    assert _check(good, "contrast phrases as common").ok


def test_option_shares_counts_the_options_naming_each_statement():
    rows = [("One.", True), ("Two.", False), ("Three.", True)]
    voted = statements(
        rows, choices=[("1 only", False), ("1 and 3 only", True), ("1, 2 and 3", False), ("3 only", False)]
    )
    assert option_shares(voted) == [Fraction(3, 4), Fraction(1, 4), Fraction(3, 4)]
    assert option_shares(single()) == []


def test_bank_report_refuses_options_that_vote_on_the_statements():
    rows = [("One.", True), ("Two.", False), ("Three.", True)]
    votes = [("1 only", False), ("1 and 3 only", True), ("1, 2 and 3", False), ("3 only", False)]
    bad = bank_report([statements(rows, choices=votes)])
    check = _check(bad, "statements named by most options")
    assert (check.ok, check.figure) == (False, "100% of true vs 0% of false")
    assert not _check(bad, "statements named by few options").ok
    even = [
        ("None of the above statements", False),
        ("1 and 3 only", True),
        ("1 and 2 only", False),
        ("2 and 3 only", False),
    ]
    good = bank_report([statements(rows, choices=even)])
    assert _check(good, "statements named by most options").ok
    assert _check(good, "statements named by few options").ok


VARUNA = {"varuna": "India holds Varuna with France in 2024."}


def _on_varuna(key: str, text: str, is_true: bool, tests=("varuna",)) -> Item:
    rows = [(text, is_true), ("Malabar trains navies.", not is_true)]
    return Item(**{**statements(rows, key=key).__dict__, "tests": frozenset(tests)})


def test_fact_forms_sorts_the_statements_on_a_fact_into_true_and_false():
    items = [
        _on_varuna("q1", "India holds Varuna with France.", True),
        _on_varuna("q2", "India holds Varuna with Japan.", False),
        _on_varuna("q3", "India holds Varuna with France.", True, tests=("malabar",)),  # names another fact
    ]
    forms = fact_forms(items, fact_texts=VARUNA, weights=word_weights(items))
    assert forms == {"varuna": (["q1.1"], ["q2.1"])}
    assert lopsided_facts(forms) == {}


def test_lopsided_facts_finds_a_form_more_than_twice_as_common_as_the_other():
    assert lopsided_facts({"a": (["q1.1", "q2.1"], []), "b": (["q3.1"], []), "c": (["q4.1", "q5.2"], ["q6.1"])}) == {
        "a": (2, 0)
    }
    assert lopsided_facts({"d": (["q1.1"], ["q2.1", "q3.1", "q4.1"])}) == {"d": (1, 3)}


def test_bank_report_refuses_a_fixed_paper_that_states_a_fact_true_each_time():
    bad = [
        _on_varuna("q1", "India holds Varuna with France.", True),
        _on_varuna("q2", "Varuna: France holds it.", True),
    ]
    check = _check(bank_report(bad, papers={"mock": ["q1", "q2"]}, fact_texts=VARUNA), "no fact stated")
    assert (check.ok, check.figure) == (False, "1 fact(s); varuna 2 true, 0 false")
    good = [bad[0], _on_varuna("q2", "India holds Varuna with Japan.", False)]
    assert _check(bank_report(good, papers={"mock": ["q1", "q2"]}, fact_texts=VARUNA), "no fact stated").ok


def test_bank_report_needs_every_answer_pattern_and_none_dominant():
    report = bank_report(_bank())
    assert report.patterns[Kind.STATEMENTS_CORRECT] == Counter({"one": 2, "all": 1, "none": 1})
    check = _check(report, "every answer pattern of statements_correct")
    assert (check.ok, check.figure) == (False, "missing: some; most common one 2 of 4")


def test_bank_report_caps_each_misconception_at_twelve_percent():
    assert not _check(bank_report(_bank(traps=("m1", "m1"))), "no misconception").ok
    # Two different misconceptions, one trap each, in a bank of 8: 12.5%, still over.
    assert _check(bank_report(_bank(traps=("m1", "m2"))), "no misconception").figure == "most: m1 1 of 8"


def test_bank_report_checks_coverage_of_facts_and_notes():
    items = [Item(**{**item.__dict__, "note": "n1"}) for item in _bank()]
    report = bank_report(
        items,
        facts={"varuna": "n1", "fact": "n1", "untested": "n2", "advice": "exam"},
        notes={"n1": True, "n2": True, "exam": False},
    )
    assert _check(report, "every fact").figure == "untested: untested"
    assert _check(report, "every examinable note").figure == "uncited: n2"
    assert _check(report, "no question tests exam advice").ok


def test_bank_report_is_ok_only_without_open_flaws_and_failed_checks():
    report = bank_report(_bank())
    assert report.ok is False
    assert report.lines()[0] == "Published questions: 8"


def test_lint_bank_strict_fails_and_load_bank_strict_writes_nothing_on_a_flawed_bank(db, tmp_path, capsys):
    from content.models import Question

    with pytest.raises(CommandError, match="does not meet the strict checks"):
        call_command("lint_bank", "content/bank/notes.yaml", "tests/data/flawed-bank.yaml", strict=True)
    assert "FAIL at least 100 published questions: 1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="fails the strict checks"):
        call_command("load_bank", "content/bank/notes.yaml", "tests/data/flawed-bank.yaml", strict=True)
    assert Question.objects.count() == 0


def test_lint_bank_strict_passes_on_the_shipped_bank_without_a_database(capsys):
    # No `db` fixture: pytest-django fails any query, so the checker judges the files alone and
    # runs on a fresh clone before (or without) `migrate`.
    call_command("lint_bank", strict=True)
    assert capsys.readouterr().out.splitlines()[-1] == "Flaws: 0 open, 0 accepted"
