"""Read, validate and write the question bank (`content/bank/`).

One schema serves the `load_bank` and `export_bank` commands and the admin's import and export:
`QuestionIn` is what reading accepts, and `question_to_dict` writes exactly its fields, in its
order. The shape of each record is checked by pydantic; what makes a question sound (one correct
choice, statements that agree with the key, …) is checked by `content.rules`, which the admin
uses too.

Loading is all or nothing: every file is read and checked before anything is written, and the
writes happen in one transaction.

The quizzes that ship with the bank (`quizzes.yaml`) are the quiz app's, and `content` never
imports `quiz`: `bank_read(..., set_aside=["quizzes"])` leaves those files to `quiz.bank`, and the
`load_bank` and `lint_bank` commands call its reader and writer themselves.
"""

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from django.db import transaction
from django.db.models import ProtectedError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from content import lint
from content.inputs import control_characters_refused
from content.models import Choice, Fact, Misconception, Note, Question, Source, Statement, Topic
from content.rules import Kind, question_problems
from content.services import question_version_current

BANK_DIR = Path(__file__).resolve().parent / "bank"
BANK_SUFFIXES = (".yaml", ".yml", ".json")

Key = Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]


def _one_line(text: str) -> str:
    return control_characters_refused(text, multiline=False)


def _text(text: str) -> str:
    return control_characters_refused(text, multiline=True)


# Text holds no control characters (content.inputs), a line not even a tab or line break; a line is
# also no longer than its column (give max_length), which PostgreSQL enforces with a raw DataError.
Line = Annotated[StrictStr, Field(min_length=1), AfterValidator(_one_line)]
OptionalLine = Annotated[StrictStr, AfterValidator(_one_line)]
Text = Annotated[StrictStr, Field(min_length=1), AfterValidator(_text)]
Prose = Annotated[StrictStr, AfterValidator(_text)]  # text that may be empty
# A choice's or statement's key, unique within its question: "a", "brahmos-russia", "s2".
ItemKey = Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=20)]


class Record(BaseModel):
    """A record of a bank file: unknown fields are an error, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class StatementIn(Record):
    key: ItemKey
    text: Text
    is_true: StrictBool


class ChoiceIn(Record):
    key: ItemKey
    text: Text
    is_correct: StrictBool


def _keys_unique(items: list, what: str) -> list:
    seen: set[str] = set()
    for item in items:
        if item.key in seen:
            raise ValueError(f"two {what} have the key {item.key!r}; a key names one {what[:-1]} of the question")
        seen.add(item.key)
    return items


class NoteRef(Record):
    """How the export names a note; on reading, only the key matters."""

    key: Key
    source: OptionalLine = ""
    heading: OptionalLine = ""


class QuestionIn(Record):
    key: Key
    topic: Key
    kind: Literal[tuple(Kind.values)]  # type: ignore[valid-type]
    difficulty: Annotated[StrictInt, Field(ge=1, le=3)]
    stem: Text
    statements: list[StatementIn] = []
    choices: list[ChoiceIn]
    explanation: Prose
    note: NoteRef
    is_trap: StrictBool = False
    trap_note: Prose = ""
    misconception: Key | None = None
    tests: list[Key] = []
    reveals: list[Key] = []
    accepted_flaws: Prose = ""
    status: Literal["draft", "published"] = "published"

    @field_validator("statements")
    @classmethod
    def _statement_keys_unique(cls, value):
        return _keys_unique(value, "statements")

    @field_validator("choices")
    @classmethod
    def _choice_keys_unique(cls, value):
        return _keys_unique(value, "choices")

    @field_validator("misconception", mode="before")
    @classmethod
    def _no_misconception_is_none(cls, value):
        return value or None

    @field_validator("note", mode="before")
    @classmethod
    def _note_by_key(cls, value):
        # Authors write the key alone; the export writes {key, source, heading}. Both mean the key.
        return {"key": value} if isinstance(value, str) else value

    @property
    def note_key(self) -> str:
        return self.note.key


class SourceIn(Record):
    key: Key
    title: Annotated[Line, Field(max_length=200)]
    kind: Annotated[Line, Field(max_length=60)]
    summary: Prose = ""


class TopicIn(Record):
    slug: Key
    name: Annotated[Line, Field(max_length=120)]
    description: Prose = ""
    order: Annotated[StrictInt, Field(ge=0)] = 0


class NoteIn(Record):
    key: Key
    source: Key
    topic: Key
    heading: Annotated[Line, Field(max_length=200)]
    section: Annotated[Line, Field(max_length=200)]
    order: Annotated[StrictInt, Field(ge=0)] = 0
    body: Text
    examinable: StrictBool = True


class MisconceptionIn(Record):
    key: Key
    name: Annotated[Line, Field(max_length=120)]
    description: Text


class FactIn(Record):
    key: Key
    note: Key
    text: Text


class NotesFileIn(Record):
    sources: list[SourceIn] = []
    topics: list[TopicIn] = []
    notes: list[NoteIn] = []
    misconceptions: list[MisconceptionIn] = []
    facts: list[FactIn] = []


class BankError(Exception):
    """A problem in a bank file, named by file, record key and field."""

    def __init__(self, message: str, *, path: str = "", key: str = "", field: str = "", kind: str = "question"):
        # One line, whatever a parser's message holds: the commands and the admin print it as one.
        message = " ".join(message.splitlines())
        self.path, self.key, self.field, self.message = path, key, field, message
        where = [part for part in (path, f"{kind} {key!r}" if key else "", f"field {field!r}" if field else "") if part]
        super().__init__(": ".join([*where, message]))


@dataclass
class Bank:
    """Everything read from a set of bank files, checked and ready to write."""

    sources: list[SourceIn] = field(default_factory=list)
    topics: list[TopicIn] = field(default_factory=list)
    notes: list[NoteIn] = field(default_factory=list)
    misconceptions: list[MisconceptionIn] = field(default_factory=list)
    facts: list[FactIn] = field(default_factory=list)
    questions: list[QuestionIn] = field(default_factory=list)
    # Which file each record came from, so a cross-reference problem can name it: {(kind, key): path}.
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    # Files another app reads (`bank_read`'s `set_aside`: the quiz app's quizzes.yaml), parsed but
    # not interpreted: {file stem: [(path, data), ...]}.
    set_aside: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    # Every key a record may cite, by kind ("sources", "topics", "notes", "misconceptions", "facts",
    # "questions"): the files' own, and, unless read with database=False, those already loaded.
    known: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


# --- reading -------------------------------------------------------------------------------------


def bank_files(paths: Iterable[Path]) -> list[Path]:
    """The bank files named, folders expanded (notes first, so questions can cite them)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in BANK_SUFFIXES and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise BankError("no such file or folder", path=str(path))
    return sorted(found, key=lambda p: (p.name != "notes.yaml", str(p)))


def _parse_file(path: Path, label: str):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BankError("not UTF-8 text", path=label) from None
    return bank_text_parse(text, label=label)


def bank_text_parse(text: str, *, label: str):
    """The data of one bank file's text: JSON if `label` ends in .json, else YAML; raises BankError."""
    try:
        return json.loads(text) if Path(label).suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise BankError(f"not valid JSON (line {error.lineno}: {error.msg})", path=label) from None
    except yaml.reader.ReaderError as error:
        # A character YAML never takes raw (NUL, most control characters); its own message spans lines.
        line = text.count("\n", 0, error.position) + 1
        raise BankError(
            f"not valid YAML (line {line}: character U+{error.character:04X} is not allowed)", path=label
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise BankError(f"not valid YAML ({where}{getattr(error, 'problem', None) or error})", path=label) from None
    except RecursionError:
        raise BankError("nested too deeply to be a bank file", path=label) from None
    except ValueError as error:
        # What the parsers let through: an integer of thousands of digits, a YAML date that does not exist.
        raise BankError(f"not readable ({str(error).split(';')[0]})", path=label) from None


def _sentence(message: str) -> str:
    return message[:1].lower() + message[1:]


def _field_path(loc) -> str:
    """('choices', 0, 'text') -> 'choices[1].text': positions count from 1, as authors do."""
    path = ""
    for part in loc:
        path += f"[{part + 1}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def bank_error_from(error: ValidationError, *, path: str, key: str, kind: str) -> BankError:
    """The first problem pydantic found, as a BankError naming the file, record and field."""
    first = error.errors()[0]
    return BankError(_message(first), path=path, key=key, field=_field_path(first["loc"]), kind=kind)


def _message(problem: dict) -> str:
    # A validator's own message reads better without pydantic's "Value error, " prefix.
    return _sentence(problem["msg"].removeprefix("Value error, "))


def question_parse(data, *, path: str = "") -> QuestionIn:
    """One question dict checked against the schema and the rules; raises BankError."""
    key = data.get("key", "") if isinstance(data, dict) else ""
    key = key if isinstance(key, str) else ""
    if not isinstance(data, dict):
        raise BankError("each question is a mapping of fields", path=path)
    try:
        question = QuestionIn.model_validate(data)
    except ValidationError as error:
        raise bank_error_from(error, path=path, key=key, kind="question") from None
    problems = question_problems(
        kind=question.kind,
        statements=[(s.text, s.is_true) for s in question.statements],
        choices=[(c.text, c.is_correct) for c in question.choices],
        explanation=question.explanation,
        is_trap=question.is_trap,
        trap_note=question.trap_note,
        misconception=question.misconception or "",
    )
    if problems:
        raise BankError(problems[0].message, path=path, key=question.key, field=problems[0].field)
    return question


def bank_read(paths: Iterable[Path] = (BANK_DIR,), *, set_aside: Collection[str] = (), database: bool = True) -> Bank:
    """Read and check bank files; raises BankError at the first problem, before anything is written.

    Files named in `set_aside` (by stem: "quizzes" for quizzes.yaml) belong to another app's
    reader: they are parsed and kept in `bank.set_aside` for it, unread here. A record may cite
    keys already in the database (loading one file at a time); with `database` False the files
    must stand on their own and nothing is queried (the checker judges files, not a database).
    """
    bank = Bank()
    for file in bank_files(list(paths)):
        label = _label(file)
        data = _parse_file(file, label)
        if file.stem in set_aside:
            bank.set_aside.setdefault(file.stem, []).append((label, data))
            continue
        if isinstance(data, dict):
            try:
                notes_file = NotesFileIn.model_validate(data)
            except ValidationError as error:
                raise _notes_error(error, data, label) from None
            bank.sources += notes_file.sources
            bank.topics += notes_file.topics
            bank.notes += notes_file.notes
            bank.misconceptions += notes_file.misconceptions
            bank.facts += notes_file.facts
            bank.origins |= {("note", note.key): label for note in notes_file.notes}
            bank.origins |= {("fact", fact.key): label for fact in notes_file.facts}
        elif isinstance(data, list):
            questions = [question_parse(item, path=label) for item in data]
            for question in questions:
                _question_add(bank, question, label)
        elif data is not None:
            raise BankError("a bank file is a list of questions, or a mapping of sources, topics and notes", path=label)
    bank.known = _known_keys(bank, database=database)
    _check_references(bank)
    return bank


def _question_add(bank: Bank, question: QuestionIn, label: str) -> None:
    if ("question", question.key) in bank.origins:
        raise BankError(
            f"question key {question.key!r} appears twice in the bank "
            f"(also in {bank.origins['question', question.key]})",
            path=label,
            key=question.key,
            field="key",
        )
    bank.origins["question", question.key] = label
    bank.questions.append(question)


def questions_text_read(text: str, *, label: str) -> tuple[Bank, list[BankError]]:
    """A file of questions (what `bank_export` writes), as the admin imports it: the Bank of the
    questions that pass, and the first problem of each one that does not.

    Each question is checked as `bank_read` checks it (schema, rules, references to the database),
    but a bad one does not hide the others: an author fixes them all in one go. A problem with the
    file as a whole (not YAML, not a list of questions) raises BankError.
    """
    data = bank_text_parse(text, label=label)
    if isinstance(data, dict):
        raise BankError(
            "a mapping, not a list of questions: this imports question files (as the export writes them "
            "and content/bank/questions/ holds them); load notes and quizzes with `manage.py load_bank`",
            path=label,
        )
    if not isinstance(data, list):
        raise BankError("not a list of questions, which is what a question file holds", path=label)
    if not data:
        raise BankError("no questions in the file", path=label)
    bank, errors = Bank(), []
    bank.known = _known_keys(
        bank, database=True, loaded_kinds=("sources", "topics", "notes", "misconceptions", "facts")
    )
    for item in data:
        try:
            question = question_parse(item, path=label)
            _question_references_check(question, known=bank.known, path=label)
            _question_add(bank, question, label)
        except BankError as error:
            errors.append(error)
    return bank, errors


def _label(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(file)


def _notes_error(error: ValidationError, data: dict, label: str) -> BankError:
    first = error.errors()[0]
    loc = list(first["loc"])
    if len(loc) >= 2 and isinstance(loc[1], int):
        section, index = loc[0], loc[1]
        item = data[section][index] if isinstance(data.get(section), list) else {}
        key = (item.get("key") or item.get("slug") or f"#{index + 1}") if isinstance(item, dict) else f"#{index + 1}"
        kind = {"sources": "source", "topics": "topic", "notes": "note"}.get(section, section)
        return BankError(_message(first), path=label, key=str(key), field=_field_path(loc[2:]), kind=kind)
    return BankError(_message(first), path=label, field=_field_path(loc))


def _check_references(bank: Bank) -> None:
    for kind, records, attr in (
        ("source", bank.sources, "key"),
        ("topic", bank.topics, "slug"),
        ("note", bank.notes, "key"),
        ("misconception", bank.misconceptions, "key"),
        ("fact", bank.facts, "key"),
    ):
        seen: set[str] = set()
        for record in records:
            value = getattr(record, attr)
            if value in seen:
                raise BankError(f"{kind} key {value!r} appears twice in the bank", key=value, kind=kind)
            seen.add(value)

    known = bank.known
    sources, topics, notes = known["sources"], known["topics"], known["notes"]
    for fact in bank.facts:
        if fact.note not in notes:
            path = bank.origins.get(("fact", fact.key), "")
            raise BankError(f"unknown note {fact.note!r}", path=path, key=fact.key, field="note", kind="fact")
    for note in bank.notes:
        path = bank.origins.get(("note", note.key), "")
        if note.source not in sources:
            raise BankError(f"unknown source {note.source!r}", path=path, key=note.key, field="source", kind="note")
        if note.topic not in topics:
            raise BankError(f"unknown topic {note.topic!r}", path=path, key=note.key, field="topic", kind="note")
    for question in bank.questions:
        _question_references_check(question, known=known, path=bank.origins.get(("question", question.key), ""))


def _known_keys(bank: Bank, *, database: bool, loaded_kinds: Collection[str] = ()) -> dict[str, set[str]]:
    """Every key a record may cite: those of the bank's files and, with `database`, those already loaded
    (of `loaded_kinds` only, when given: a question file's import never cites a question)."""
    own = {
        "sources": {s.key for s in bank.sources},
        "topics": {t.slug for t in bank.topics},
        "notes": {n.key for n in bank.notes},
        "misconceptions": {m.key for m in bank.misconceptions},
        "facts": {f.key for f in bank.facts},
        "questions": {q.key for q in bank.questions},
    }
    if not database:
        return own
    # Unordered: sets need no ORDER BY, and the notes' would join their topics.
    loaded = {
        "sources": Source.objects.values_list("key", flat=True),
        "topics": Topic.objects.values_list("slug", flat=True),
        "notes": Note.objects.values_list("key", flat=True),
        "misconceptions": Misconception.objects.values_list("key", flat=True),
        "facts": Fact.objects.values_list("key", flat=True),
        "questions": Question.objects.values_list("key", flat=True),
    }
    wanted = loaded_kinds or loaded.keys()
    return {kind: keys | set(loaded[kind].order_by()) if kind in wanted else keys for kind, keys in own.items()}


def _question_references_check(question: QuestionIn, *, known: dict[str, set[str]], path: str) -> None:
    if question.topic not in known["topics"]:
        raise BankError(f"unknown topic {question.topic!r}", path=path, key=question.key, field="topic")
    if question.note_key not in known["notes"]:
        raise BankError(f"unknown note {question.note_key!r}", path=path, key=question.key, field="note")
    if question.misconception and question.misconception not in known["misconceptions"]:
        raise BankError(
            f"unknown misconception {question.misconception!r} (the list is in notes.yaml)",
            path=path,
            key=question.key,
            field="misconception",
        )
    for name in ("tests", "reveals"):
        for fact in getattr(question, name):
            if fact not in known["facts"]:
                raise BankError(f"unknown fact {fact!r}", path=path, key=question.key, field=name)


def bank_lint(*, bank: Bank, papers: dict[str, list[str]]):
    """The checker's report (`content.lint`) on a bank read from files, with its paper-level checks.

    Coverage is judged against the notes and facts of the files, and each fixed paper (question keys
    by quiz slug: `quiz.bank.quizzes_papers` of quizzes.yaml) must hold no pair that gives the other away.
    """
    return lint.bank_report(
        [lint.item_from_bank(question) for question in bank.questions],
        facts={fact.key: fact.note for fact in bank.facts},
        notes={note.key: note.examinable for note in bank.notes},
        papers=papers,
        fact_texts={fact.key: fact.text for fact in bank.facts},
    )


# --- writing to the database ---------------------------------------------------------------------


def bank_load(*, bank: Bank) -> LoadReport:
    """Write a checked bank to the database, updating by key; never deletes a question."""
    report = LoadReport()
    with transaction.atomic():
        sources = {}
        for s in bank.sources:
            sources[s.key], _ = Source.objects.update_or_create(
                key=s.key, defaults={"title": s.title, "kind": s.kind, "summary": s.summary}
            )
        topics = {}
        for t in bank.topics:
            topics[t.slug], _ = Topic.objects.update_or_create(
                slug=t.slug, defaults={"name": t.name, "description": t.description, "order": t.order}
            )
        sources |= {s.key: s for s in Source.objects.exclude(key__in=sources)}
        topics |= {t.slug: t for t in Topic.objects.exclude(slug__in=topics)}
        for n in bank.notes:
            Note.objects.update_or_create(
                key=n.key,
                defaults={
                    "source": sources[n.source],
                    "topic": topics[n.topic],
                    "heading": n.heading,
                    "section": n.section,
                    "order": n.order,
                    "body": n.body,
                    "examinable": n.examinable,
                },
            )
        for m in bank.misconceptions:
            Misconception.objects.update_or_create(key=m.key, defaults={"name": m.name, "description": m.description})
        notes = {note.key: note for note in Note.objects.select_related("source")}
        for f in bank.facts:
            Fact.objects.update_or_create(key=f.key, defaults={"note": notes[f.note], "text": f.text})
        existing = {
            q.key: q for q in Question.objects.filter(key__in=[q.key for q in bank.questions]).with_bank_fields()
        }
        for data in bank.questions:
            question = existing.get(data.key)
            if question is not None and not _changed_fields(question, data, _note_ref(notes[data.note_key])):
                report.unchanged += 1
                continue
            if question is None:
                question = Question(key=data.key)
                report.created += 1
            else:
                report.updated += 1
            question_fill(question=question, data=data, topics=topics, notes=notes)
            question.save()
            question_options_save(question=question, data=data)
            question_version_current(question=question)
    return report


def question_fill(
    *, question: Question, data: QuestionIn, topics: dict | None = None, notes: dict | None = None
) -> None:
    """Copy a question's own fields from the schema onto a model instance (not saved)."""
    topic = (topics or {}).get(data.topic) or Topic.objects.filter(slug=data.topic).first()
    note = (notes or {}).get(data.note_key) or Note.objects.filter(key=data.note_key).first()
    if topic is None:
        raise BankError(f"unknown topic {data.topic!r}", key=data.key, field="topic")
    if note is None:
        raise BankError(f"unknown note {data.note_key!r}", key=data.key, field="note")
    misconception = None
    if data.misconception:
        misconception = Misconception.objects.filter(key=data.misconception).first()
        if misconception is None:
            raise BankError(f"unknown misconception {data.misconception!r}", key=data.key, field="misconception")
    question.key, question.topic, question.note = data.key, topic, note
    question.kind, question.difficulty, question.stem = data.kind, data.difficulty, data.stem
    question.explanation, question.status = data.explanation, data.status
    question.is_trap, question.trap_note, question.misconception = data.is_trap, data.trap_note, misconception
    question.accepted_flaws = data.accepted_flaws


def question_options_save(*, question: Question, data: QuestionIn) -> None:
    """Make a saved question's statements, choices and fact links those of `data`.

    Rows are matched by their key, never by position: a choice keeps its id (which answers point
    at) when it is reworded or moved, and a reordered file re-points nothing. Orders move to a
    free range first, so a reorder never collides with the unique (question, order) constraint.
    """
    for model, related, wanted in (
        (Statement, "statements", [{"key": s.key, "text": s.text, "is_true": s.is_true} for s in data.statements]),
        (Choice, "choices", [{"key": c.key, "text": c.text, "is_correct": c.is_correct} for c in data.choices]),
    ):
        rows = {row.key: row for row in getattr(question, related).all()}
        surplus = [row.pk for key, row in rows.items() if key not in {w["key"] for w in wanted}]
        if surplus:
            try:
                model.objects.filter(pk__in=surplus).delete()
            except ProtectedError:
                raise BankError(
                    f"students have answered this question, so its {related} cannot be removed "
                    "(keep each answered option's key; reword it instead)",
                    key=data.key,
                    field=related,
                ) from None
        kept = {key: row for key, row in rows.items() if row.pk not in surplus}
        moving = [row for key, row in kept.items() if row.order != _position(wanted, key)]
        if moving:
            offset = len(wanted) + len(rows) + 1
            for row in moving:
                row.order += offset
            model.objects.bulk_update(moving, ["order"])
        for position, values in enumerate(wanted, start=1):
            row = kept.get(values["key"])
            if row is None:
                model.objects.create(question=question, order=position, **values)
            elif row.order != position or any(getattr(row, k) != v for k, v in values.items()):
                row.order = position
                for name, value in values.items():
                    setattr(row, name, value)
                row.save()
    facts = {f.key: f for f in Fact.objects.filter(key__in=[*data.tests, *data.reveals])}
    question.tests.set([facts[key] for key in data.tests if key in facts])
    question.reveals.set([facts[key] for key in data.reveals if key in facts])


def _position(wanted: list[dict], key: str) -> int | None:
    return next((i for i, values in enumerate(wanted, start=1) if values["key"] == key), None)


# --- writing out ---------------------------------------------------------------------------------


def question_to_dict(question: Question) -> dict:
    """A question in the bank schema: exactly the fields of QuestionIn, in its order."""
    values = {
        "key": question.key,
        "topic": question.topic.slug,
        "kind": question.kind,
        "difficulty": question.difficulty,
        "stem": question.stem,
        "statements": [{"key": s.key, "text": s.text, "is_true": s.is_true} for s in question.statements.all()],
        "choices": [{"key": c.key, "text": c.text, "is_correct": c.is_correct} for c in question.choices.all()],
        "explanation": question.explanation,
        "note": {"key": question.note.key, "source": question.note.source.key, "heading": question.note.heading},
        "is_trap": question.is_trap,
        "trap_note": question.trap_note,
        "misconception": question.misconception.key if question.misconception else None,
        "tests": [fact.key for fact in question.tests.all()],
        "reveals": [fact.key for fact in question.reveals.all()],
        "accepted_flaws": question.accepted_flaws,
        "status": question.status,
    }
    # A field the schema gains and this function forgets fails here, not as a silently lossy export.
    return {name: values[name] for name in QuestionIn.model_fields}


def _note_ref(note: Note) -> dict:
    return {"key": note.key, "source": note.source.key, "heading": note.heading}


def _changed_fields(question: Question, data: QuestionIn, note: dict) -> list[str]:
    """The fields of a saved question that loading `data` would change, in the schema's order.

    `data` is compared as the export would write it: the note as the database names it (the file
    may give its key alone), the facts in key order (a set: their order in a file means nothing).
    """
    saved = question_to_dict(question)
    wanted = data.model_dump() | {"note": note, "tests": sorted(data.tests), "reveals": sorted(data.reveals)}
    return [name for name in QuestionIn.model_fields if saved[name] != wanted[name]]


@dataclass(frozen=True)
class QuestionDiff:
    """What loading one question of a file would do to the saved bank."""

    key: str
    stem: str
    status: Literal["new", "changed", "unchanged"]
    fields: tuple[str, ...] = ()  # the fields a change touches
    question_id: int | None = None  # the saved question, unless new


def bank_diff(*, bank: Bank) -> list[QuestionDiff]:
    """Each question of a checked bank against the database, in the file's order; writes nothing."""
    saved = {q.key: q for q in Question.objects.filter(key__in=[q.key for q in bank.questions]).with_bank_fields()}
    cited = Note.objects.filter(key__in={q.note_key for q in bank.questions}).select_related("source")
    notes = {n.key: _note_ref(n) for n in cited}
    # A note of the bank's own files wins: it is what loading writes before the questions.
    notes |= {n.key: {"key": n.key, "source": n.source, "heading": n.heading} for n in bank.notes}
    diffs = []
    for data in bank.questions:
        question = saved.get(data.key)
        if question is None:
            diffs.append(QuestionDiff(key=data.key, stem=data.stem, status="new"))
            continue
        fields = tuple(_changed_fields(question, data, notes[data.note_key]))
        status = "changed" if fields else "unchanged"
        diffs.append(QuestionDiff(key=data.key, stem=data.stem, status=status, fields=fields, question_id=question.pk))
    return diffs


def bank_export(questions=None) -> list[dict]:
    questions = Question.objects.all() if questions is None else questions
    questions = questions.with_bank_fields().order_by("key")
    return [question_to_dict(question) for question in questions]


def bank_dump(questions: list[dict], *, format: Literal["json", "yaml"]) -> str:
    """Exported questions as the text of a bank file, which `load_bank` and the admin's import read."""
    if format == "json":
        return json.dumps(questions, ensure_ascii=False, indent=2)
    return yaml.safe_dump(questions, allow_unicode=True, sort_keys=False, width=100)
