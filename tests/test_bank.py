import copy
import json
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from content.bank import BankError, bank_load, bank_read
from content.models import Choice, Note, Question, Statement

NOTES = {
    "sources": [{"key": "dp", "title": "Defence partnerships", "kind": "concept note", "summary": "Our summary."}],
    "topics": [{"slug": "pva", "name": "Partnership vs alliance", "description": "The classic confusion.", "order": 1}],
    "notes": [
        {
            "key": "dp-kp-01",
            "source": "dp",
            "topic": "pva",
            "heading": "A partnership is not an alliance",
            "section": "Key point 1",
            "order": 1,
            "body": "An alliance obliges members to defend each other; a partnership does not.",
        }
    ],
    "misconceptions": [
        {"key": "partnership-as-alliance", "name": "A partnership is an alliance", "description": "It is not."}
    ],
    "facts": [{"key": "no-duty", "note": "dp-kp-01", "text": "A partnership carries no duty to fight."}],
}
SINGLE = {
    "key": "pva-01",
    "topic": "pva",
    "kind": "single",
    "difficulty": 2,
    "stem": "India's partner is attacked. Must India fight?",
    "statements": [],
    "choices": [
        {"key": "no", "text": "No: a partnership carries no duty to fight", "is_correct": True},
        {"key": "yes", "text": "Yes, always", "is_correct": False},
        {"key": "exercises", "text": "Only if they hold joint exercises", "is_correct": False},
        {"key": "treaty", "text": "Only if a treaty names the partnership", "is_correct": False},
    ],
    "explanation": "A partnership has no mutual-defence clause; exercises do not create one.",
    "note": "dp-kp-01",
    "is_trap": True,
    "trap_note": "A partnership is not an alliance.",
    "misconception": "partnership-as-alliance",
    "tests": ["no-duty"],
    "reveals": [],
    "accepted_flaws": "",
    "status": "published",
}
STATEMENTS = {
    "key": "pva-02",
    "topic": "pva",
    "kind": "statements_correct",
    "difficulty": 3,
    "stem": "Consider the following statements:",
    "statements": [
        {"key": "s1", "text": "NATO members promise to defend each other.", "is_true": True},
        {"key": "s2", "text": "A defence partnership obliges partners to go to war for each other.", "is_true": False},
    ],
    "choices": [
        {"key": "a", "text": "1 only", "is_correct": True},
        {"key": "b", "text": "2 only", "is_correct": False},
        {"key": "c", "text": "Both 1 and 2", "is_correct": False},
        {"key": "d", "text": "Neither 1 nor 2", "is_correct": False},
    ],
    "explanation": "Only an alliance carries the duty; statement 2 describes an alliance.",
    "note": "dp-kp-01",
    "is_trap": False,
    "trap_note": "",
    "misconception": None,
    "tests": ["no-duty"],
    "reveals": [],
    "accepted_flaws": "",
    "status": "published",
}


@pytest.fixture
def bank_dir(tmp_path):
    """A small valid bank: one notes file, one questions file."""
    (tmp_path / "questions").mkdir()
    write(tmp_path / "notes.yaml", NOTES)
    write(tmp_path / "questions" / "pva.yaml", [SINGLE, STATEMENTS])
    return tmp_path


def write(path: Path, data) -> Path:
    path.write_text(json.dumps(data) if path.suffix == ".json" else yaml.safe_dump(data, sort_keys=False))
    return path


def load(*paths) -> str:
    out = StringIO()
    call_command("load_bank", *map(str, paths), stdout=out)
    return out.getvalue()


def with_changes(question: dict, **changes) -> dict:
    changed = copy.deepcopy(question)
    changed.update(changes)
    return changed


def export() -> list[dict]:
    out = StringIO()
    call_command("export_bank", "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_load_bank_creates_notes_questions_statements_and_choices(db, bank_dir):
    assert load(bank_dir) == "Question bank loaded: 2 created, 0 updated, 0 unchanged.\n"
    question = Question.objects.get(key="pva-02")
    assert (question.kind, question.difficulty, question.note.key, question.topic.slug) == (
        "statements_correct",
        3,
        "dp-kp-01",
        "pva",
    )
    assert [(s.order, s.is_true) for s in question.statements.order_by("order")] == [(1, True), (2, False)]
    assert [(c.order, c.text, c.is_correct) for c in question.choices.order_by("order")] == [
        (1, "1 only", True),
        (2, "2 only", False),
        (3, "Both 1 and 2", False),
        (4, "Neither 1 nor 2", False),
    ]
    assert Note.objects.get().heading == "A partnership is not an alliance"


def test_load_bank_reload_is_idempotent(db, bank_dir):
    load(bank_dir)
    choice_ids = sorted(Choice.objects.values_list("pk", flat=True))
    assert load(bank_dir) == "Question bank loaded: 0 created, 0 updated, 2 unchanged.\n"
    assert (Question.objects.count(), Choice.objects.count(), Statement.objects.count()) == (2, 8, 2)
    assert sorted(Choice.objects.values_list("pk", flat=True)) == choice_ids


def test_load_bank_updates_by_key_in_place(db, bank_dir):
    load(bank_dir)
    choice_ids = list(Question.objects.get(key="pva-01").choices.order_by("order").values_list("pk", flat=True))
    edited = with_changes(SINGLE, stem="Edited stem?", difficulty=1)
    edited["choices"][1]["text"] = "Yes, in every case"
    write(bank_dir / "questions" / "pva.yaml", [edited, STATEMENTS])

    assert load(bank_dir) == "Question bank loaded: 0 created, 1 updated, 1 unchanged.\n"
    question = Question.objects.get(key="pva-01")
    assert (question.stem, question.difficulty) == ("Edited stem?", 1)
    choices = list(question.choices.order_by("order"))
    assert [c.pk for c in choices] == choice_ids  # corrected in place: answers will keep pointing at them
    assert choices[1].text == "Yes, in every case"


def test_load_bank_reorder_matches_choices_by_key_not_position(db, bank_dir):
    load(bank_dir)
    before = dict(Question.objects.get(key="pva-01").choices.values_list("pk", "text"))
    reordered = with_changes(SINGLE, choices=list(reversed(SINGLE["choices"])))
    write(bank_dir / "questions" / "pva.yaml", [reordered, STATEMENTS])

    assert load(bank_dir) == "Question bank loaded: 0 created, 1 updated, 1 unchanged.\n"
    question = Question.objects.get(key="pva-01")
    # Every row keeps its text (an answer pointing at it still means the same option); only the order moved.
    assert dict(question.choices.values_list("pk", "text")) == before
    assert [c.key for c in question.choices.order_by("order")] == ["treaty", "exercises", "yes", "no"]
    assert question.correct_choice().key == "no"


def test_load_bank_reword_keeps_the_row_of_the_same_key(db, bank_dir):
    load(bank_dir)
    row = Choice.objects.get(question__key="pva-01", key="yes")
    reworded = copy.deepcopy(SINGLE)
    reworded["choices"][1]["text"] = "Yes, whenever the partner asks"
    write(bank_dir / "questions" / "pva.yaml", [reworded, STATEMENTS])
    load(bank_dir)
    assert Choice.objects.get(pk=row.pk).text == "Yes, whenever the partner asks"


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (
            with_changes(SINGLE, choices=[{**c, "key": "same"} for c in SINGLE["choices"]]),
            "field 'choices': two choices have the key 'same'; a key names one choice of the question",
        ),
        (with_changes(SINGLE, misconception="nowhere"), "field 'misconception': unknown misconception 'nowhere'"),
        (with_changes(SINGLE, tests=["no-such-fact"]), "field 'tests': unknown fact 'no-such-fact'"),
        (
            with_changes(SINGLE, misconception=None),
            "field 'misconception': a trap question names one of the bank's misconceptions",
        ),
    ],
    ids=["duplicate-choice-key", "unknown-misconception", "unknown-fact", "trap-without-misconception"],
)
def test_load_bank_refuses_bad_keys_and_links(db, bank_dir, question, message):
    write(bank_dir / "questions" / "pva.yaml", [question])
    with pytest.raises(CommandError) as error:
        load(bank_dir)
    assert message in str(error.value)
    assert Question.objects.count() == 0


def test_load_bank_never_deletes_a_question_missing_from_the_files(db, bank_dir):
    load(bank_dir)
    write(bank_dir / "questions" / "pva.yaml", [SINGLE])
    load(bank_dir)
    assert sorted(Question.objects.values_list("key", flat=True)) == ["pva-01", "pva-02"]


def test_load_bank_moves_the_key_between_choices(db, bank_dir):
    load(bank_dir)
    moved = copy.deepcopy(STATEMENTS)
    moved["statements"][1]["is_true"] = True
    for choice in moved["choices"]:
        choice["is_correct"] = choice["text"] == "Both 1 and 2"
    write(bank_dir / "questions" / "pva.yaml", [SINGLE, moved])
    load(bank_dir)
    assert Question.objects.get(key="pva-02").correct_choice().text == "Both 1 and 2"


def test_export_bank_writes_the_schema_with_exactly_these_keys(db, bank_dir):
    load(bank_dir)
    exported = export()
    assert [list(item) for item in exported] == [
        [
            "key",
            "topic",
            "kind",
            "difficulty",
            "stem",
            "statements",
            "choices",
            "explanation",
            "note",
            "is_trap",
            "trap_note",
            "misconception",
            "tests",
            "reveals",
            "accepted_flaws",
            "status",
        ]
    ] * 2
    assert exported[1]["note"] == {"key": "dp-kp-01", "source": "dp", "heading": "A partnership is not an alliance"}
    assert exported[1]["statements"] == STATEMENTS["statements"]
    assert exported[0]["choices"] == SINGLE["choices"]


def test_export_then_load_round_trip_is_lossless(db, bank_dir, tmp_path):
    load(bank_dir)
    first = export()
    dump = write(tmp_path / "export.json", first)
    Question.objects.all().delete()

    assert load(dump) == "Question bank loaded: 2 created, 0 updated, 0 unchanged.\n"
    assert export() == first
    assert load(dump) == "Question bank loaded: 0 created, 0 updated, 2 unchanged.\n"


def test_export_bank_yaml_loads_back(db, bank_dir, tmp_path):
    load(bank_dir)
    out = StringIO()
    call_command("export_bank", "--format", "yaml", stdout=out)
    (tmp_path / "export.yaml").write_text(out.getvalue())
    assert load(tmp_path / "export.yaml") == "Question bank loaded: 0 created, 0 updated, 2 unchanged.\n"


def test_load_bank_check_writes_nothing(db, bank_dir):
    out = StringIO()
    call_command("load_bank", str(bank_dir), "--check", stdout=out)
    assert out.getvalue() == "OK: 1 notes, 2 questions; nothing written.\n"
    assert Question.objects.count() == 0


MALFORMED = [
    pytest.param(
        [with_changes(SINGLE, difficulty=4)],
        "field 'difficulty': input should be less than or equal to 3",
        id="difficulty-out-of-range",
    ),
    pytest.param(
        [with_changes(SINGLE, difficulty="two")],
        "field 'difficulty': input should be a valid integer",
        id="difficulty-not-a-number",
    ),
    pytest.param(
        [with_changes(SINGLE, kind="essay")],
        "field 'kind': input should be 'single', 'statements_correct', 'statements_count', 'match_pairs' or "
        "'assertion_reason'",
        id="unknown-kind",
    ),
    pytest.param(
        [{k: v for k, v in SINGLE.items() if k != "choices"}], "field 'choices': field required", id="missing-field"
    ),
    pytest.param(
        [with_changes(SINGLE, answer="a")], "field 'answer': extra inputs are not permitted", id="unknown-field"
    ),
    pytest.param(
        [with_changes(SINGLE, is_trap="yes")], "field 'is_trap': input should be a valid boolean", id="not-a-boolean"
    ),
    pytest.param(
        [with_changes(SINGLE, status="live")], "field 'status': input should be 'draft' or 'published'", id="status"
    ),
    pytest.param(
        [with_changes(SINGLE, choices=[{"key": "no", "text": "", "is_correct": True}, *SINGLE["choices"][1:]])],
        "field 'choices[1].text': string should have at least 1 character",
        id="empty-choice",
    ),
    pytest.param(
        [with_changes(SINGLE, choices=[{**c, "is_correct": True} for c in SINGLE["choices"]])],
        "field 'choices': exactly one choice must be correct, not 4",
        id="several-correct",
    ),
    pytest.param(
        [with_changes(SINGLE, choices=SINGLE["choices"][:3])],
        "field 'choices': a question has exactly 4 choices, not 3",
        id="three-choices",
    ),
    pytest.param(
        [with_changes(SINGLE, explanation="")],
        "field 'explanation': every question needs an explanation",
        id="no-explanation",
    ),
    pytest.param(
        [with_changes(SINGLE, trap_note="")],
        "field 'trap_note': a trap question needs a trap note naming the misconception it tests",
        id="trap-without-note",
    ),
    pytest.param(
        [
            with_changes(
                STATEMENTS, choices=[{**c, "is_correct": c["text"] == "Both 1 and 2"} for c in STATEMENTS["choices"]]
            )
        ],
        "field 'choices': the correct choice ('Both 1 and 2') disagrees with the statements' truth values",
        id="key-disagrees-with-statements",
    ),
    pytest.param([with_changes(SINGLE, note="dp-kp-99")], "field 'note': unknown note 'dp-kp-99'", id="unknown-note"),
    pytest.param([with_changes(SINGLE, topic="nato")], "field 'topic': unknown topic 'nato'", id="unknown-topic"),
    pytest.param(
        [with_changes(SINGLE, note={"source": "dp"})], "field 'note.key': field required", id="note-without-key"
    ),
]


@pytest.mark.parametrize(("questions", "message"), MALFORMED)
def test_load_bank_malformed_question_names_file_key_and_field_and_loads_nothing(db, bank_dir, questions, message):
    write(bank_dir / "questions" / "zz-bad.yaml", [with_changes(q, key="pva-99") for q in questions])
    with pytest.raises(CommandError) as caught:
        load(bank_dir)
    assert (
        str(caught.value)
        == f"{bank_dir / 'questions' / 'zz-bad.yaml'}: question 'pva-99': {message}\nNothing was loaded."
    )
    assert (Question.objects.count(), Note.objects.count()) == (0, 0)


def test_load_bank_rejects_invalid_yaml_with_its_line(db, bank_dir):
    (bank_dir / "questions" / "broken.yaml").write_text("- key: pva-09\n  stem: [unclosed\n")
    with pytest.raises(CommandError) as caught:
        load(bank_dir)
    assert str(caught.value).startswith(f"{bank_dir / 'questions' / 'broken.yaml'}: not valid YAML (line 3: ")
    assert Question.objects.count() == 0


def test_load_bank_rejects_invalid_json(db, tmp_path):
    (tmp_path / "bank.json").write_text('[{"key": "pva-01",}]')
    with pytest.raises(BankError) as caught:
        bank_read([tmp_path / "bank.json"])
    assert (
        str(caught.value)
        == f"{tmp_path / 'bank.json'}: not valid JSON (line 1: Expecting property name enclosed in double quotes)"
    )


def test_load_bank_rejects_a_file_of_the_wrong_shape(db, tmp_path):
    (tmp_path / "odd.yaml").write_text("just a sentence\n")
    with pytest.raises(BankError) as caught:
        bank_read([tmp_path / "odd.yaml"])
    assert caught.value.message == "a bank file is a list of questions, or a mapping of sources, topics and notes"
    (tmp_path / "odd.yaml").write_text("- just a sentence\n")
    with pytest.raises(BankError) as caught:
        bank_read([tmp_path / "odd.yaml"])
    assert caught.value.message == "each question is a mapping of fields"


def test_load_bank_rejects_a_duplicate_key_across_files(db, bank_dir):
    write(bank_dir / "questions" / "again.yaml", [SINGLE])
    with pytest.raises(CommandError) as caught:
        load(bank_dir)
    assert str(caught.value) == (
        f"{bank_dir / 'questions' / 'pva.yaml'}: question 'pva-01': field 'key': question key 'pva-01' appears twice "
        f"in the bank (also in {bank_dir / 'questions' / 'again.yaml'})\nNothing was loaded."
    )
    assert Question.objects.count() == 0


def test_load_bank_rejects_a_note_with_an_unknown_topic(db, bank_dir):
    notes = copy.deepcopy(NOTES)
    notes["notes"][0]["topic"] = "missing"
    write(bank_dir / "notes.yaml", notes)
    with pytest.raises(CommandError) as caught:
        load(bank_dir)
    assert str(caught.value) == (
        f"{bank_dir / 'notes.yaml'}: note 'dp-kp-01': field 'topic': unknown topic 'missing'\nNothing was loaded."
    )


def test_load_bank_rejects_a_note_without_a_body(db, bank_dir):
    notes = copy.deepcopy(NOTES)
    del notes["notes"][0]["body"]
    write(bank_dir / "notes.yaml", notes)
    with pytest.raises(CommandError) as caught:
        load(bank_dir)
    assert (
        str(caught.value)
        == f"{bank_dir / 'notes.yaml'}: note 'dp-kp-01': field 'body': field required\nNothing was loaded."
    )


def test_load_bank_rejects_a_missing_path(db, tmp_path):
    with pytest.raises(CommandError) as caught:
        load(tmp_path / "nowhere")
    assert str(caught.value) == f"{tmp_path / 'nowhere'}: no such file or folder\nNothing was loaded."


def test_load_bank_a_bad_file_leaves_an_earlier_load_untouched(db, bank_dir):
    load(bank_dir)
    write(
        bank_dir / "questions" / "pva.yaml",
        [with_changes(SINGLE, stem="Changed?"), with_changes(STATEMENTS, difficulty=9)],
    )
    with pytest.raises(CommandError):
        load(bank_dir)
    assert Question.objects.get(key="pva-01").stem == SINGLE["stem"]


def test_bank_load_is_one_transaction(db, bank_dir, monkeypatch):
    """A failure while writing (not while reading) rolls back everything written before it."""
    bank = bank_read([bank_dir])
    import content.bank

    calls = []

    def fail_on_second(**kwargs):
        calls.append(kwargs["data"].key)
        if len(calls) == 2:
            raise BankError("simulated failure", key=kwargs["data"].key, field="choices")
        return original(**kwargs)

    original = content.bank.question_options_save
    monkeypatch.setattr(content.bank, "question_options_save", fail_on_second)
    with pytest.raises(BankError):
        bank_load(bank=bank)
    assert (Question.objects.count(), Note.objects.count()) == (0, 0)


# --- control characters (issue 14, finding 10) -------------------------------------------------------

IN_TEXT = "(only tabs and line breaks may lay out text)"
IN_A_LINE = "(this field is one line)"


def _question(path: Path, **changes) -> None:
    write(path, [with_changes(SINGLE, **changes), STATEMENTS])


def _notes(path: Path, section: str, **changes) -> None:
    notes = copy.deepcopy(NOTES)
    notes[section][0].update(changes)
    write(path, notes)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        # An escape in YAML's double quotes and in JSON both make a real NUL: PostgreSQL refuses it
        # in text with a raw DataError, SQLite stored it.
        (
            lambda bank: _question(bank / "questions" / "pva.yaml", stem="Must India\x00 fight?"),
            f"questions/pva.yaml: question 'pva-01': field 'stem': control character U+0000 at character 11: "
            f"remove it {IN_TEXT}",
        ),
        (
            lambda bank: write(
                bank / "questions" / "pva.json",
                [with_changes(STATEMENTS, key="pva-03", explanation="Only an alliance\u0000 binds.")],
            ),
            "questions/pva.json: question 'pva-03': field 'explanation': control character U+0000 at character 17: "
            f"remove it {IN_TEXT}",
        ),
        (
            lambda bank: _question(
                bank / "questions" / "pva.yaml",
                choices=[{**SINGLE["choices"][0], "text": "No\x1b[2J"}, *SINGLE["choices"][1:]],
            ),
            "questions/pva.yaml: question 'pva-01': field 'choices[1].text': control character U+001B at "
            f"character 3: remove it {IN_TEXT}",
        ),
        (
            lambda bank: _notes(bank / "notes.yaml", "notes", body="An alliance obliges\x07 members."),
            f"notes.yaml: note 'dp-kp-01': field 'body': control character U+0007 at character 20: remove it {IN_TEXT}",
        ),
        (
            lambda bank: _notes(bank / "notes.yaml", "topics", name="Partnership\nvs alliance"),
            f"notes.yaml: topic 'pva': field 'name': control character U+000A at character 12: remove it {IN_A_LINE}",
        ),
        (
            lambda bank: _notes(bank / "notes.yaml", "sources", title="Defence\u0085partnerships"),
            f"notes.yaml: source 'dp': field 'title': control character U+0085 at character 8: remove it {IN_A_LINE}",
        ),
        (
            # A lone surrogate, which only a JSON escape can make, cannot even be stored as UTF-8.
            lambda bank: (bank / "questions" / "pva.json").write_text(
                json.dumps([with_changes(STATEMENTS, key="pva-03", stem="Consider \\ud800 these:")]).replace(
                    "\\\\ud800", "\\ud800"
                )
            ),
            "questions/pva.json: question 'pva-03': field 'stem': input should be a valid string, unable to parse "
            "raw data as a unicode string",
        ),
        (
            lambda bank: write(
                bank / "quizzes.yaml", {"quizzes": [{"slug": "x", "title": "X\x00", "minutes": 5, "draw": {}}]}
            ),
            f"quizzes.yaml: quiz 'x': field 'title': control character U+0000 at character 2: remove it {IN_A_LINE}",
        ),
        (
            lambda bank: write(
                bank / "quizzes.yaml", {"quizzes": [{"slug": "x", "title": "Mock \u202e1", "minutes": 5, "draw": {}}]}
            ),
            f"quizzes.yaml: quiz 'x': field 'title': control character U+202E at character 6: remove it {IN_A_LINE}",
        ),
        (
            # A NUL byte typed into the file itself: YAML refuses it before any field is read.
            lambda bank: (bank / "questions" / "pva.yaml").write_bytes(b"- key: pva-01\n  stem: Must\x00 India?\n"),
            "questions/pva.yaml: not valid YAML (line 2: character U+0000 is not allowed)",
        ),
    ],
    ids=[
        "nul-escaped-in-yaml",
        "nul-escaped-in-json",
        "escape-in-a-choice",
        "bell-in-a-note",
        "newline-in-a-topic-name",
        "c1-control-in-a-source-title",
        "lone-surrogate-in-json",
        "nul-in-a-quiz-title",
        "direction-override-in-a-quiz-title",
        "raw-nul-in-yaml",
    ],
)
def test_bank_refuses_nul_byte(db, bank_dir, monkeypatch, spoil, message):
    """load_bank, its --check and lint_bank refuse control characters in one line, before any write."""
    monkeypatch.chdir(bank_dir)
    spoil(bank_dir)
    for command, arguments, tail in (
        ("load_bank", ["--check"], ["Nothing was loaded."]),
        ("load_bank", [], ["Nothing was loaded."]),
        ("lint_bank", [], []),
    ):
        with pytest.raises(CommandError) as refused:
            call_command(command, ".", *arguments, stdout=StringIO())
        assert str(refused.value).splitlines() == [message, *tail]
    assert not Question.objects.exists()
    assert not Note.objects.exists()


def test_bank_keeps_tabs_and_line_breaks_in_text(db, bank_dir):
    _question(bank_dir / "questions" / "pva.yaml", explanation="First line.\r\n\tSecond, indented.")
    load(bank_dir)
    assert Question.objects.get(key="pva-01").explanation == "First line.\r\n\tSecond, indented."
