"""The bank checker: item-writing flaws that let a student answer from the wording without studying.

`content.rules` says whether a question is well-formed (one key, statements agreeing with it);
this module says whether it is a good question. It reads questions as `Item`s, built from a bank
file (`item_from_bank`) or from the database (`item_from_question`), so `manage.py lint_bank`,
`load_bank --strict` and the admin all apply the same rules. The rules and thresholds come from
`../shared/ITEM-WRITING.md` and the real UPSC paper it measures:

- per question (`question_flaws`): a conspicuously long or short key, absolute words only where
  the answer is false, a stem word echoed only by the key, "all/none of the above" options, an
  unemphasised negative stem, an assertion-reason connective, a published question that names
  no fact it tests;
- between questions (`pair_flaws`): near-duplicates, and one question giving away another's key
  (its stem or a true statement holding the other's key words, or restating the other's true
  statement) without the author declaring it in `reveals`;
- on one paper (`paper_flaws`): any give-away, declared or found in the wording;
- over a bank (`bank_report`): the figures a test-wise solver would exploit (among them absolute
  words, inclusive phrases, contrast phrases and statements most or few options name, each as
  common in true statements as in false ones), with the strict thresholds `load_bank --strict`
  and CI hold the shipped bank to.

A flaw an author has weighed can be accepted on the question (`accepted_flaws`, one a line as
"code: reason"); it is still reported, as accepted, and no longer fails the strict check.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from itertools import combinations

from content.rules import ASSERTION_REASON_CHOICES, Kind, choice_claim

# Words a test-wise student reads as marking a false statement or a wrong option.
ABSOLUTES = (
    "only",
    "always",
    "never",
    "must",
    "bound",
    "purely",
    "solely",
    "entirely",
    "exclusively",
    "all",
    "every",
    "none",
    "cannot",
    "can no longer",
    "rules out",
    "settled",
    "by definition",
    "invariably",
    "necessarily",
    "obliged",
    "any",
)
# Phrase families a test-wise student reads as marking a statement's truth (reader B of issue 12):
# inclusive wording ("not only", "besides") on true statements, one-sided contrast ("rather than",
# "chiefly", "but leaves out") on false ones. Like absolute words, each must turn up on both sides.
PHRASE_FAMILIES = {
    "inclusive": (
        r"not only",
        r"not just",
        r"not confined to",
        r"not limited to",
        r"not the only",
        r"besides",
        r"as well as",
        r"along with",
    ),
    "contrast": (
        r"rather than",
        r"more than",
        r"chiefly",
        r"mainly",
        r"mostly",
        r"solely",
        r"instead of",
        r"in place of",
        r"but leaves out",
        r"but treats( [a-z0-9']+){1,6} as separate",
    ),
}
# Openings of a Statement-II that announce "explains" whatever the substance.
CONNECTIVES = ("because", "since", "as a result", "this is why", "therefore", "hence", "that is why", "thus")
ALL_OR_NONE_OPTIONS = re.compile(r"\b(all|none|both|neither) of the (above|these|options)\b", re.IGNORECASE)
NEGATIVE_STEM = re.compile(r"\b(not|except|incorrect|false|untrue)\b", re.IGNORECASE)
EMPHASISED_NEGATIVE = re.compile(r"\b(NOT|EXCEPT|INCORRECT|FALSE|UNTRUE)\b|\*\*?(not|except)\*\*?", re.IGNORECASE)
# Words too common to tell one option or stem from another; prose reads better than a list here.
STOPWORDS = frozenset(
    (  # noqa: SIM905
        "a about above after again against all also an and any are as at be because been before being below "
        "between both but by can could did do does doing down during each few for from further had has have "
        "having he her here hers him his how i if in into is it its itself just more most no nor not now of "
        "off on once only or other our ours out over own same she should so some such than that the their "
        "theirs them then there these they this those through to too under until up very was we were what when "
        "where which while who whom why will with would you your one two three four following given "
        "statement statements correct incorrect consider regard respect true false india india's"
    ).split()
)

# Strict thresholds (issue 12 and ITEM-WRITING.md); the real 2025 paper meets every one.
MIN_PUBLISHED = 100
KEY_LENGTH_SLACK = Fraction(15, 100)  # a key may stand this far outside its distractors' lengths
MAX_KEY_LONGEST_SHARE = Fraction(30, 100)
MAX_KEY_RANK_SHARE = Fraction(40, 100)  # "never the longest, so the third longest" is a cue too
MAX_PATTERN_SHARE = Fraction(35, 100)
MAX_MISCONCEPTION_SHARE = Fraction(12, 100)
MIN_HARD_SHARE = Fraction(30, 100)
MAX_SOLVER_SHARE = Fraction(35, 100)  # chance is 25%; the two rules of thumb must be worth little
NEAR_DUPLICATE = Fraction(6, 10)
# One question restates another's true statement, or a single key's telling words, when a claim of
# it carries at least this share of their weight (`word_weights`) in at least this many words.
RESTATES = 0.55
RESTATED_WORDS = 3
# A statement is on a fact when its question tests or reveals the fact and it holds at least this many
# of the fact's most telling words (`word_weights`), of the fact's this many most telling.
FACT_TELLING_WORDS = 5
FACT_WORDS_MATCHED = 2


@dataclass(frozen=True)
class Item:
    """A question as the checker sees it: the same from a bank file and from the database."""

    key: str
    kind: str
    stem: str
    statements: tuple[tuple[str, bool], ...] = ()
    choices: tuple[tuple[str, bool], ...] = ()
    difficulty: int = 2
    note: str = ""
    is_trap: bool = False
    misconception: str = ""
    tests: frozenset[str] = frozenset()
    reveals: frozenset[str] = frozenset()
    published: bool = True
    accepted: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key_index(self) -> int:
        return next((i for i, (_, correct) in enumerate(self.choices) if correct), -1)

    @property
    def key_text(self) -> str:
        return self.choices[self.key_index][0] if self.key_index >= 0 else ""


@dataclass(frozen=True)
class Flaw:
    code: str
    key: str
    message: str
    other: str = ""
    accepted: str = ""  # the author's reason, when the flaw is accepted

    def __str__(self) -> str:
        state = f" (accepted: {self.accepted})" if self.accepted else ""
        return f"{self.key}: [{self.code}] {self.message}{state}"


def accepted_flaws_parse(text: str) -> dict[str, str]:
    """'code: reason' lines -> {code: reason}; a line without a reason accepts nothing."""
    accepted = {}
    for line in (text or "").splitlines():
        code, _, reason = line.partition(":")
        if code.strip() and reason.strip():
            accepted[code.strip()] = reason.strip()
    return accepted


def item_from_bank(question) -> Item:
    """An Item from a `content.bank.QuestionIn`."""
    return Item(
        key=question.key,
        kind=question.kind,
        stem=question.stem,
        statements=tuple((s.text, s.is_true) for s in question.statements),
        choices=tuple((c.text, c.is_correct) for c in question.choices),
        difficulty=question.difficulty,
        note=question.note_key,
        is_trap=question.is_trap,
        misconception=question.misconception or "",
        tests=frozenset(question.tests),
        reveals=frozenset(question.reveals),
        published=question.status == "published",
        accepted=accepted_flaws_parse(question.accepted_flaws),
    )


def item_from_question(question) -> Item:
    """An Item from a saved Question (fetch it `with_bank_fields()`)."""
    return Item(
        key=question.key,
        kind=question.kind,
        stem=question.stem,
        statements=tuple((s.text, s.is_true) for s in question.statements.all()),
        choices=tuple((c.text, c.is_correct) for c in question.choices.all()),
        difficulty=question.difficulty,
        note=question.note.key,
        is_trap=question.is_trap,
        misconception=question.misconception.key if question.misconception else "",
        tests=frozenset(f.key for f in question.tests.all()),
        reveals=frozenset(f.key for f in question.reveals.all()),
        published=question.status == "published",
        accepted=accepted_flaws_parse(question.accepted_flaws),
    )


# --- words ---------------------------------------------------------------------------------------


# Short and long names of one thing must read as the same words ("US" is a pronoun in lower case).
SAME_NAMES = ((re.compile(r"\bUS\b"), "United States"), (re.compile(r"\bUK\b"), "United Kingdom"))


def _normal(text: str) -> str:
    for short, name in SAME_NAMES:
        text = short.sub(name, text)
    return " ".join(re.findall(r"[a-z0-9']+", text.lower().replace("defense", "defence")))


def absolutes_in(text: str) -> list[str]:
    """The absolute words and phrases in `text`, as a test-wise student would spot them."""
    normal = f" {_normal(text)} "
    return [word for word in ABSOLUTES if f" {word} " in normal]


def phrases_in(text: str, family: str) -> list[str]:
    """The phrases of one of `PHRASE_FAMILIES` in `text`, as the family lists them."""
    normal = f" {_normal(text)} "
    return [phrase for phrase in PHRASE_FAMILIES[family] if re.search(rf" {phrase} ", normal)]


def option_shares(item: Item) -> list[Fraction]:
    """For a "which are correct" question, the share of its options that name each statement.

    A statement most options name reads as true, one few options name as false (reader B of issue
    12: "in three of the four options, so true"); the bank check wants neither to tell.
    """
    if item.kind != Kind.STATEMENTS_CORRECT or not item.choices:
        return []
    try:
        claims = [choice_claim(item.kind, text) for text, _ in item.choices]
    except ValueError:
        return []
    return [Fraction(sum(n in claim for claim in claims), len(claims)) for n in range(1, len(item.statements) + 1)]


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    # Cached: comparing every pair of a bank reads each text many times.
    return frozenset(w for w in _normal(text).split() if len(w) > 3 and w not in STOPWORDS)


# --- per question --------------------------------------------------------------------------------


def question_flaws(item: Item) -> list[Flaw]:
    """Item-writing flaws of one question on its own."""
    flaws: list[tuple[str, str]] = []
    if item.kind == Kind.SINGLE:
        flaws += _key_length_flaws(item)
        flaws += _absolute_flaws(
            [(text, correct) for text, correct in item.choices], true_word="the key", false_word="wrong options"
        )
        flaws += _stem_echo_flaws(item)
        if any(ALL_OR_NONE_OPTIONS.search(text) for text, _ in item.choices):
            flaws.append(("all-or-none-option", 'an "all/none of the above" option: a student can reason about it'))
    else:
        flaws += _absolute_flaws(list(item.statements), true_word="true statements", false_word="false statements")
    if item.kind == Kind.STATEMENTS_CORRECT:
        flaws += _option_set_flaws(item)
    if NEGATIVE_STEM.search(item.stem) and not EMPHASISED_NEGATIVE.search(_without_lowercase_negatives(item.stem)):
        flaws.append(("negative-stem", "a negative stem without emphasis: write NOT (or EXCEPT) in capitals"))
    if item.kind == Kind.ASSERTION_REASON and len(item.statements) == 2:
        second = _normal(item.statements[1][0])
        if any(second.startswith(word) for word in CONNECTIVES):
            flaws.append(("connective", "Statement-II opens with a connective that announces 'explains'"))
    if item.published and not item.tests:
        flaws.append(("no-tests", "a published question names no fact it tests, so the draw cannot keep its secrets"))
    return [_flaw(item, code, message) for code, message in flaws]


def _option_set_flaws(item: Item) -> list[tuple[str, str]]:
    """A statement named by every option must be true, by none must be false: the options tell."""
    try:
        claims = [choice_claim(item.kind, text) for text, _ in item.choices]
    except ValueError:
        return []  # an unreadable option is the loader's error, not a flaw
    flaws = []
    for number in range(1, len(item.statements) + 1):
        named = sum(number in claim for claim in claims)
        if named in (0, len(claims)):
            where = "every option" if named else "no option"
            flaws.append(("option-set-leak", f"statement {number} is in {where}, so the options settle it"))
    return flaws


def _without_lowercase_negatives(stem: str) -> str:
    # "not" in capitals is emphasis; the same word in lower case is not.
    return re.sub(r"\b(not|except|incorrect|false|untrue)\b", "", stem)


def _flaw(item: Item, code: str, message: str, other: str = "") -> Flaw:
    return Flaw(code=code, key=item.key, message=message, other=other, accepted=item.accepted.get(code, ""))


def _key_length_flaws(item: Item) -> list[tuple[str, str]]:
    if item.key_index < 0 or len(item.choices) < 2:
        return []
    key = len(item.key_text)
    others = [len(text) for text, correct in item.choices if not correct]
    low, high = min(others), max(others)
    if key > high * (1 + KEY_LENGTH_SLACK):
        return [
            ("key-longest", f"the key ({key} characters) is conspicuously the longest option (others {low} to {high})")
        ]
    if key < low * (1 - KEY_LENGTH_SLACK):
        return [
            (
                "key-shortest",
                f"the key ({key} characters) is conspicuously the shortest option (others {low} to {high})",
            )
        ]
    return []


def _absolute_flaws(rows: list[tuple[str, bool]], *, true_word: str, false_word: str) -> list[tuple[str, str]]:
    true_hits = [text for text, is_true in rows if is_true and absolutes_in(text)]
    false_hits = [text for text, is_true in rows if not is_true and absolutes_in(text)]
    if false_hits and not true_hits and any(is_true for _, is_true in rows):
        words = sorted({w for text in false_hits for w in absolutes_in(text)})
        return [("absolutes-only-false", f"absolute words ({', '.join(words)}) only in the {false_word}")]
    return []


def _stem_echo_flaws(item: Item) -> list[tuple[str, str]]:
    stem = content_words(item.stem)
    key = content_words(item.key_text)
    others = set().union(*(content_words(text) for text, correct in item.choices if not correct))
    echoed = sorted((stem & key) - others)
    if echoed:
        return [("stem-echo", f"only the key repeats the stem's {', '.join(repr(w) for w in echoed)}")]
    return []


# --- between questions ---------------------------------------------------------------------------


def pair_flaws(items: Iterable[Item], *, weights: dict[str, float] | None = None) -> list[Flaw]:
    """Flaws between two questions: near-duplicates, and undeclared give-aways of one's key.

    `weights` (`word_weights`) default to the texts of `items`."""
    items = list(items)
    weights = word_weights(items) if weights is None else weights
    return [flaw for a, b in combinations(items, 2) for flaw in _pair_flaws(a, b, weights)]


def pair_flaws_of(item: Item, others: Iterable[Item]) -> list[Flaw]:
    """The flaws between `item` and each of `others` (the admin's check of one question)."""
    others = [other for other in others if other.key != item.key]
    weights = word_weights([item, *others])
    return [flaw for other in others for flaw in _pair_flaws(item, other, weights)]


def _pair_flaws(a: Item, b: Item, weights: dict[str, float]) -> list[Flaw]:
    flaws = []
    if _similarity(_body(a), _body(b)) >= NEAR_DUPLICATE:
        flaws.append(_flaw(a, "near-duplicate", f"nearly the same wording as {b.key}", other=b.key))
    if _declared(a, b) or _declared(b, a):
        return flaws  # the draw keeps a declared pair apart; only a fixed paper must check it
    for giver, taker in ((a, b), (b, a)):
        if reason := _detected(giver, taker, weights):
            flaws.append(
                _flaw(
                    giver,
                    "gives-away",
                    f"gives away {taker.key}: {reason}; reword it, or declare the fact in `reveals` so that "
                    "no paper holds both",
                    other=taker.key,
                )
            )
    return flaws


def _body(item: Item) -> frozenset[str]:
    return content_words(" ".join([item.stem, *(text for text, _ in item.statements)]))


def _similarity(a: frozenset[str], b: frozenset[str]) -> Fraction:
    return Fraction(len(a & b), len(a | b)) if a | b else Fraction(0)


def word_weights(items: Iterable[Item]) -> dict[str, float]:
    """How much each word tells, by how few of the texts of `items` use it (inverse document frequency).

    "defence" or "partnership" stand in most questions and say nothing; "Varuna" or "1991" pin a fact.
    """
    texts = [content_words(text) for item in items for text in _texts(item)]
    counts = Counter(word for words in texts for word in words)
    return {word: math.log(len(texts) / count) for word, count in counts.items()}


def _texts(item: Item) -> list[str]:
    return [item.stem, *(text for text, _ in item.statements), *(text for text, _ in item.choices)]


def gives_away(giver: Item, taker: Item, weights: dict[str, float]) -> str:
    """Why `giver` answers `taker` when both are on one paper, or "" when it does not."""
    if shared := _declared(giver, taker):
        return f"it declares that it reveals {', '.join(shared)}"
    return _detected(giver, taker, weights)


def _declared(giver: Item, taker: Item) -> list[str]:
    return sorted(giver.reveals & taker.tests)


def _detected(giver: Item, taker: Item, weights: dict[str, float]) -> str:
    """What in `giver`'s wording states `taker`'s key: the words that set a single key apart from
    its distractors, or most of the telling words of a true statement, in one of the giver's claims.

    A claim is what the giver asserts: its stem and its true statements (options are alternatives,
    not assertions). A reader who meets the same claim twice on one paper takes it for true; the
    fresh readers of issue 12 answered half the bank that way.
    """
    claims = [("its stem", giver.stem)]
    claims += [(f"its statement {n}", text) for n, (text, true) in enumerate(giver.statements, start=1) if true]
    if taker.kind == Kind.SINGLE and taker.key_index >= 0:
        telling = content_words(taker.key_text) - content_words(taker.stem)
        telling -= set().union(*(content_words(text) for text, correct in taker.choices if not correct))
        for where, text in claims:
            words = content_words(text)
            if telling and len(content_words(taker.stem) & words) >= 2 and _restated(telling, words, weights):
                return f"{where} holds the key's telling words ({', '.join(sorted(telling & words))})"
    for number, (statement, true) in enumerate(taker.statements, start=1):
        stated = content_words(statement)
        if not true or len(stated) < RESTATED_WORDS:
            continue
        for where, text in claims:
            if _restated(stated, words := content_words(text), weights, whole=False):
                return f"{where} restates its true statement {number} ({', '.join(sorted(stated & words))})"
    return ""


def _restated(said: frozenset[str], words: frozenset[str], weights: dict[str, float], *, whole: bool = True) -> bool:
    """Whether `words` carry what `said` says: all of it (`whole`), or at least `RESTATED_WORDS` of its
    words holding `RESTATES` of its weight."""
    shared = said & words
    if whole and shared == said:
        return True
    total = sum(weights.get(word, 0.0) for word in said)
    return len(shared) >= RESTATED_WORDS and total > 0 and sum(weights.get(w, 0.0) for w in shared) >= RESTATES * total


def giveaway_pairs(items: Iterable[Item]) -> set[frozenset[str]]:
    """Pairs of question keys that must not sit on one paper, declared or found in the wording."""
    return {frozenset((flaw.key, flaw.other)) for flaw in paper_flaws(items)}


# --- the test-wise solver --------------------------------------------------------------------------


def cue_solver_pick(item: Item) -> int:
    """The option a student who never studied picks with the two rules of thumb.

    Longest option for a single answer; for statements, "false exactly when it holds an absolute
    word", then the option that agrees with those judgements (the first, when none does).
    """
    if item.kind == Kind.SINGLE:
        lengths = [len(text) for text, _ in item.choices]
        return lengths.index(max(lengths))
    judged = [not absolutes_in(text) for text, _ in item.statements]
    for index, (text, _) in enumerate(item.choices):
        try:
            claim = choice_claim(item.kind, text)
        except ValueError:
            continue
        if item.kind == Kind.STATEMENTS_CORRECT:
            agrees = claim == frozenset(i for i, t in enumerate(judged, start=1) if t)
        elif item.kind == Kind.ASSERTION_REASON:
            agrees = claim == tuple(judged)
        else:
            agrees = claim == sum(judged)
        if agrees:
            return index
    return 0


# --- over a bank ---------------------------------------------------------------------------------


@dataclass
class Check:
    """One strict threshold: what it asks, the figure, and whether the bank meets it."""

    name: str
    figure: str
    ok: bool


@dataclass
class BankReport:
    published: int
    kinds: Counter
    difficulty: Counter
    key_positions: Counter
    key_length_rank: Counter
    patterns: dict[str, Counter]
    absolutes: dict[str, tuple[int, int]]
    phrases: dict[str, dict[str, tuple[int, int]]]
    option_named: dict[str, dict[str, tuple[int, int]]]
    no_absolute_all_true: tuple[int, int]
    misconceptions: Counter
    traps: int
    solver_right: int
    flaws: list[Flaw]
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks) and not self.open_flaws

    @property
    def open_flaws(self) -> list[Flaw]:
        return [flaw for flaw in self.flaws if not flaw.accepted]

    def lines(self) -> list[str]:
        """The report as text, for `lint_bank` and closing notes."""
        n = self.published
        out = [f"Published questions: {n}"]
        out.append("Kinds: " + _counts(self.kinds))
        out.append("Difficulty: " + _counts(self.difficulty))
        out.append("Key positions (a/b/c/d as authored): " + _counts(self.key_positions))
        out.append("Single-answer key length rank (1 = longest): " + _counts(self.key_length_rank))
        for kind, counter in self.patterns.items():
            out.append(f"Keys of {kind}: " + _counts(counter))
        for label, (hits, total) in self.absolutes.items():
            out.append(f"Absolute words in {label}: {hits} of {total} ({_pct(hits, total)})")
        for family, sides in self.phrases.items():
            for label, (hits, total) in sides.items():
                out.append(f"{family.capitalize()} phrases in {label}: {hits} of {total} ({_pct(hits, total)})")
        for label, sides in self.option_named.items():
            (t_hits, t_total), (f_hits, f_total) = sides["true statements"], sides["false statements"]
            out.append(
                f"Statements {label} of their question: {t_hits} of {t_total} true ones ({_pct(t_hits, t_total)}), "
                f"{f_hits} of {f_total} false ones ({_pct(f_hits, f_total)})"
            )
        hits, total = self.no_absolute_all_true
        out.append(f"Statement questions with no absolute word whose key is 'all true': {hits} of {total}")
        out.append(f"Traps: {self.traps}; by misconception: " + _counts(self.misconceptions))
        out.append(
            f"Test-wise solver (longest option; absolute = false): {self.solver_right} of {n} right "
            f"({_pct(self.solver_right, n)}; chance 25%)"
        )
        out.append("Checks:")
        out += [f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.figure}" for c in self.checks]
        open_flaws = self.open_flaws
        out.append(f"Flaws: {len(open_flaws)} open, {len(self.flaws) - len(open_flaws)} accepted")
        out += [f"  {flaw}" for flaw in self.flaws]
        return out


def _counts(counter: Counter) -> str:
    return ", ".join(f"{key} {count}" for key, count in sorted(counter.items(), key=lambda kv: str(kv[0]))) or "none"


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "n/a"


def _pattern(item: Item) -> str:
    """What a statement question's key says, as a pattern: 'none', 'one', 'some', 'all' or a count."""
    if item.kind == Kind.ASSERTION_REASON:
        return f"option {ASSERTION_REASON_CHOICES.index(item.key_text) + 1}"
    claim = choice_claim(item.kind, item.key_text)
    size = len(claim) if isinstance(claim, frozenset) else claim
    total = len(item.statements)
    if size == 0:
        return "none"
    if size == total:
        return "all"
    if item.kind == Kind.STATEMENTS_CORRECT:
        return "one" if size == 1 else "some"
    return {1: "one", 2: "two", 3: "three"}[size]


def bank_report(
    items: Iterable[Item],
    *,
    facts: dict[str, str] | None = None,
    notes: dict[str, bool] | None = None,
    papers: dict[str, list[str]] | None = None,
    fact_texts: dict[str, str] | None = None,
) -> BankReport:
    """The bank's figures and strict checks over its published questions.

    `facts` maps each fact to its note, `notes` each note to whether it is examinable; with them
    the report also checks that every examinable note and fact is tested, and no other note is.
    `papers` maps each fixed paper to its question keys; each must hold no pair that gives the
    other away (a rule quiz needs no such check: its draw keeps declared pairs apart); with
    `fact_texts` (each fact's text), no fact it states more than once may lean to its true or its
    false form (`fact_forms`).
    """
    published = [item for item in items if item.published]
    n = len(published)
    singles = [item for item in published if item.kind == Kind.SINGLE]
    statement_items = [item for item in published if item.kind != Kind.SINGLE]

    rank = Counter()
    for item in singles:
        longer = sum(len(text) > len(item.key_text) for text, _ in item.choices)
        rank[longer + 1] += 1
    patterns = {kind: Counter() for kind in Kind.values if kind != Kind.SINGLE}
    for item in statement_items:
        patterns[item.kind][_pattern(item)] += 1
    true_rows = [text for item in statement_items for text, t in item.statements if t]
    false_rows = [text for item in statement_items for text, t in item.statements if not t]
    right_options = [item.key_text for item in singles]
    wrong_options = [text for item in singles for text, correct in item.choices if not correct]
    absolutes = {
        "true statements": (sum(bool(absolutes_in(t)) for t in true_rows), len(true_rows)),
        "false statements": (sum(bool(absolutes_in(t)) for t in false_rows), len(false_rows)),
        "keys of single questions": (sum(bool(absolutes_in(t)) for t in right_options), len(right_options)),
        "wrong options": (sum(bool(absolutes_in(t)) for t in wrong_options), len(wrong_options)),
    }
    phrases = {
        family: {
            "true statements": (sum(bool(phrases_in(t, family)) for t in true_rows), len(true_rows)),
            "false statements": (sum(bool(phrases_in(t, family)) for t in false_rows), len(false_rows)),
        }
        for family in PHRASE_FAMILIES
    }
    named = [
        (share, is_true)
        for item in statement_items
        for share, (_, is_true) in zip(option_shares(item), item.statements, strict=False)
    ]
    option_named = {
        label: {
            "true statements": (sum(side(sh) for sh, t in named if t), sum(t for _, t in named)),
            "false statements": (sum(side(sh) for sh, t in named if not t), sum(not t for _, t in named)),
        }
        for label, side in (
            ("named by most options", lambda share: share > Fraction(1, 2)),
            ("named by few options", lambda share: share < Fraction(1, 2)),
        )
    }
    plain = [
        item
        for item in statement_items
        if item.kind != Kind.ASSERTION_REASON and not any(absolutes_in(text) for text, _ in item.statements)
    ]
    plain_all_true = sum(all(t for _, t in item.statements) for item in plain)
    traps = [item for item in published if item.is_trap]
    misconceptions = Counter(item.misconception for item in traps)
    solver_right = sum(cue_solver_pick(item) == item.key_index for item in published)

    weights = word_weights(published)
    flaws = [flaw for item in published for flaw in question_flaws(item)] + pair_flaws(published, weights=weights)
    checks = _checks(
        n=n,
        singles=singles,
        rank=rank,
        patterns=patterns,
        absolutes=absolutes,
        phrases=phrases,
        option_named=option_named,
        plain=(plain_all_true, len(plain)),
        misconceptions=misconceptions,
        published=published,
        solver_right=solver_right,
    )
    if facts is not None and notes is not None:
        checks += _coverage_checks(published, facts=facts, notes=notes)
    checks += _paper_checks(papers or {}, published=published, weights=weights, fact_texts=fact_texts)
    return BankReport(
        published=n,
        kinds=Counter(item.kind for item in published),
        difficulty=Counter(item.difficulty for item in published),
        key_positions=Counter("abcd"[item.key_index] for item in published if 0 <= item.key_index < 4),
        key_length_rank=rank,
        patterns=patterns,
        absolutes=absolutes,
        phrases=phrases,
        option_named=option_named,
        no_absolute_all_true=(plain_all_true, len(plain)),
        misconceptions=misconceptions,
        traps=len(traps),
        solver_right=solver_right,
        flaws=flaws,
        checks=checks,
    )


def _checks(
    *, n, singles, rank, patterns, absolutes, phrases, option_named, plain, misconceptions, published, solver_right
) -> list[Check]:
    checks = [Check(f"at least {MIN_PUBLISHED} published questions", str(n), n >= MIN_PUBLISHED)]
    longest = rank.get(1, 0)
    checks.append(
        Check(
            "key longest in at most 30% of single-answer questions",
            f"{longest} of {len(singles)} ({_pct(longest, len(singles))})",
            longest <= MAX_KEY_LONGEST_SHARE * len(singles),
        )
    )
    top_rank, top_count = max(rank.items(), key=lambda kv: kv[1]) if rank else (1, 0)
    checks.append(
        Check(
            "no length rank holds the key in more than 40% of single-answer questions",
            f"most: rank {top_rank} (1 = longest) {top_count} of {len(singles)} ({_pct(top_count, len(singles))})",
            top_count <= MAX_KEY_RANK_SHARE * len(singles),
        )
    )
    # Either way round the words would be a cue: "absolute, so false" or, overcorrected, "so true".
    checks.append(_both_sides_check("absolute words", absolutes["true statements"], absolutes["false statements"]))
    for family, sides in phrases.items():
        checks.append(_both_sides_check(f"{family} phrases", sides["true statements"], sides["false statements"]))
    # "Named by three of the four options, so true": the options must not vote on a statement.
    for label, sides in option_named.items():
        checks.append(_both_sides_check(f"statements {label}", sides["true statements"], sides["false statements"]))
    all_true, plain_total = plain
    checks.append(
        Check(
            "'no absolute word, so all correct' does not hold",
            f"{all_true} of {plain_total} such questions are all true",
            all_true * 2 <= plain_total,
        )
    )
    wanted = {
        Kind.STATEMENTS_CORRECT: {"none", "one", "some", "all"},
        Kind.STATEMENTS_COUNT: {"none", "one", "two", "all"},
        Kind.MATCH_PAIRS: {"none", "one", "two", "all"},
        Kind.ASSERTION_REASON: {f"option {i}" for i in range(1, 5)},
    }
    for kind, counter in patterns.items():
        total = sum(counter.values())
        missing = sorted(wanted[kind] - set(counter))
        top, top_count = counter.most_common(1)[0] if counter else ("-", 0)
        checks.append(
            Check(
                f"every answer pattern of {kind} is a key, none over 35%",
                f"missing: {', '.join(missing) or 'none'}; most common {top} {top_count} of {total}",
                not missing and top_count <= MAX_PATTERN_SHARE * total,
            )
        )
    worst, worst_count = misconceptions.most_common(1)[0] if misconceptions else ("-", 0)
    checks.append(
        Check(
            "no misconception is the trap of more than 12% of the bank",
            f"most: {worst} {worst_count} of {n}",
            worst_count <= MAX_MISCONCEPTION_SHARE * n,
        )
    )
    hard = sum(item.difficulty == 3 for item in published)
    checks.append(
        Check(
            "at least 30% of questions at difficulty 3", f"{hard} of {n} ({_pct(hard, n)})", hard >= MIN_HARD_SHARE * n
        )
    )
    checks.append(
        Check(
            "the test-wise solver gets at most 35% (chance is 25%)",
            f"{solver_right} of {n} ({_pct(solver_right, n)})",
            solver_right <= MAX_SOLVER_SHARE * n,
        )
    )
    return checks


def _both_sides_check(what: str, true_side: tuple[int, int], false_side: tuple[int, int]) -> Check:
    """Wording that a solver reads as a sign of truth (or falsehood) must be about as common on both sides."""
    (t_hits, t_total), (f_hits, f_total) = true_side, false_side
    true_share = Fraction(t_hits, t_total) if t_total else Fraction(0)
    false_share = Fraction(f_hits, f_total) if f_total else Fraction(0)
    return Check(
        f"{what} as common in true statements as in false ones (each share at least half the other)",
        f"{_pct(t_hits, t_total)} of true vs {_pct(f_hits, f_total)} of false",
        true_share * 2 >= false_share and false_share * 2 >= true_share,
    )


def _coverage_checks(published: list[Item], *, facts: dict[str, str], notes: dict[str, bool]) -> list[Check]:
    tested = set().union(*(item.tests for item in published)) if published else set()
    cited = {item.note for item in published}
    examinable_facts = {fact for fact, note in facts.items() if notes.get(note, True)}
    untested = sorted(examinable_facts - tested)
    uncited = sorted(note for note, examinable in notes.items() if examinable and note not in cited)
    off_limits = sorted(
        {item.key for item in published if not notes.get(item.note, True)}
        | {item.key for item in published for fact in item.tests if not notes.get(facts.get(fact, ""), True)}
    )
    return [
        Check("every fact of the material is tested", f"untested: {', '.join(untested) or 'none'}", not untested),
        Check("every examinable note is cited", f"uncited: {', '.join(uncited) or 'none'}", not uncited),
        Check("no question tests exam advice", f"offending: {', '.join(off_limits) or 'none'}", not off_limits),
    ]


def _paper_checks(
    papers: dict[str, list[str]],
    *,
    published: list[Item],
    weights: dict[str, float],
    fact_texts: dict[str, str] | None = None,
) -> list[Check]:
    by_key = {item.key: item for item in published}
    checks = []
    for slug, keys in papers.items():
        items = [by_key[key] for key in keys if key in by_key]
        flaws = paper_flaws(items, weights=weights)
        checks.append(
            Check(
                f"no question on the fixed paper {slug!r} gives another away",
                f"{len(flaws)} pair(s)" + "".join(f"; {flaw.key} → {flaw.other}" for flaw in flaws[:5]),
                not flaws,
            )
        )
        if fact_texts is not None:
            lopsided = lopsided_facts(fact_forms(items, fact_texts=fact_texts, weights=weights))
            checks.append(
                Check(
                    f"no fact stated more than once on the fixed paper {slug!r} is true (or false) more than "
                    "twice as often as the other way",
                    f"{len(lopsided)} fact(s)"
                    + "".join(f"; {fact} {t} true, {f} false" for fact, (t, f) in sorted(lopsided.items())),
                    not lopsided,
                )
            )
    return checks


def fact_forms(
    items: Iterable[Item], *, fact_texts: dict[str, str], weights: dict[str, float]
) -> dict[str, tuple[list[str], list[str]]]:
    """Per fact, the statements of `items` on it (as "key.n"), split into true and false ones.

    A paper that states one fact several times teaches its form: if the true form repeats while each
    false one turns up once, the reader takes the form that repeats (reader B of issue 12 read
    BrahMos with Russia three times, with France once). A statement is matched to a fact by words,
    among the questions that name the fact in `tests` or `reveals`, so this is a floor: a statement
    that words the fact differently is not counted.
    """
    forms: dict[str, tuple[list[str], list[str]]] = {}
    items = list(items)
    for fact, text in fact_texts.items():
        words = content_words(text)
        telling = set(sorted(words, key=lambda w: (-weights.get(w, 0.0), w))[:FACT_TELLING_WORDS])
        true_rows, false_rows = [], []
        for item in items:
            if fact not in item.tests | item.reveals:
                continue
            for number, (statement, is_true) in enumerate(item.statements, start=1):
                if len(content_words(statement) & telling) >= FACT_WORDS_MATCHED:
                    (true_rows if is_true else false_rows).append(f"{item.key}.{number}")
        if true_rows or false_rows:
            forms[fact] = (true_rows, false_rows)
    return forms


def lopsided_facts(forms: dict[str, tuple[list[str], list[str]]]) -> dict[str, tuple[int, int]]:
    """The facts stated more than once whose true or false form is more than twice as common as the other."""
    counts = {fact: (len(t), len(f)) for fact, (t, f) in forms.items()}
    return {fact: (t, f) for fact, (t, f) in counts.items() if t + f > 1 and max(t, f) > 2 * min(t, f)}


def paper_flaws(items: Iterable[Item], *, weights: dict[str, float] | None = None) -> list[Flaw]:
    """What must never be on one paper: two questions where one gives the other away, declared or not.

    `weights` (`word_weights`) default to the paper's own texts; a bank's check passes the bank's.
    """
    items = list(items)
    weights = word_weights(items) if weights is None else weights
    return [
        _flaw(giver, "same-paper", f"gives away {taker.key}: {reason}", other=taker.key)
        for a, b in combinations(items, 2)
        for giver, taker in ((a, b), (b, a))
        if (reason := gives_away(giver, taker, weights))
    ]
