"""The quizzes that ship with the bank: `content/bank/quizzes.yaml`, read and written by `load_bank`.

`content.bank.bank_read(..., set_aside=[QUIZZES])` leaves the quizzes files to `quizzes_read`, which
checks them against the bank read with them; `load_bank` then writes both in one transaction, and
`lint_bank` checks each fixed paper (`quizzes_papers`). A quiz is updated by its slug; one that is
no longer in the file is left alone, as its attempts point at it.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Max
from pydantic import AwareDatetime, Field, StrictBool, StrictInt, StrictStr, ValidationError, model_validator

from content.bank import Bank, BankError, Key, Line, LoadReport, Prose, Record, bank_error_from
from content.models import Question, Source, Topic
from quiz import policy
from quiz.models import Quiz, QuizQuestion
from quiz.models.quizzes import (
    LOBBY_MINUTES_MAX,
    LOBBY_MINUTES_MIN,
    MARKS_MAX,
    PACE_MAX,
    PACE_MIN,
    TIME_LIMIT_MAX,
    TIME_LIMIT_MIN,
    WINDOW_MAX,
    WINDOW_MIN,
    scheduled_window_refusal,
)

# The quizzes file's name without its suffix: quizzes.yaml (or .yml, .json), wherever load_bank finds it.
QUIZZES = "quizzes"

Positive = Annotated[StrictInt, Field(ge=1)]


class DrawIn(Record):
    """A rule: which published questions a sitting draws from, and how many."""

    topics: list[Key] = []
    sources: list[Key] = []
    difficulty: tuple[Annotated[StrictInt, Field(ge=1, le=3)], Annotated[StrictInt, Field(ge=1, le=3)]] = (1, 3)
    traps_only: StrictBool = False
    count: Positive | None = None

    @model_validator(mode="after")
    def _range_in_order(self):
        if self.difficulty[0] > self.difficulty[1]:
            raise ValueError("difficulty is [lowest, highest]")
        return self


class QuizIn(Record):
    slug: Key
    title: Annotated[Line, Field(max_length=120)]
    instructions: Prose = ""
    position: Annotated[StrictInt, Field(ge=0)] = 0
    published: StrictBool = True
    # The bounds are the Quiz model's (its form and database hold them too), checked here so that
    # `load_bank --check` and `lint_bank` refuse what loading would.
    minutes: (
        Annotated[
            Decimal,
            Field(
                ge=TIME_LIMIT_MIN // timedelta(minutes=1),
                le=TIME_LIMIT_MAX // timedelta(minutes=1),
                max_digits=6,
                decimal_places=2,
            ),
        ]
        | None
    ) = None
    seconds_per_question: Annotated[StrictInt, Field(ge=PACE_MIN, le=PACE_MAX)] | None = None
    marks: Annotated[Decimal, Field(gt=0, le=MARKS_MAX, max_digits=5, decimal_places=2)] = Decimal(2)
    # ASCII digits only: a regex's \d (and int()) would take other scripts' digits too.
    penalty: Annotated[StrictStr, Field(pattern=r"^[0-9]{1,3}/[1-9][0-9]{0,2}$")] = "1/3"
    questions: list[Key] | None = None
    draw: DrawIn | None = None
    shuffle_options: StrictBool = False
    # Left out, a sealed quiz (explanations after_close) gets policy.sealed_defaults: one attempt,
    # exam conditions. Given (null for unlimited attempts), the file wins.
    attempts_allowed: Positive | None = None
    exam_conditions: StrictBool = False
    explanations: Literal["after_submit", "after_close"] = "after_submit"
    # With an offset (2026-12-01T09:00:00+05:30): a bare time would be ambiguous.
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    # A live mock (Quiz.starts_at): every paper runs from this common start to closes_at, so it gives
    # neither minutes nor seconds_per_question, and it is sealed (explanations after_close).
    starts_at: AwareDatetime | None = None
    lobby_minutes: Annotated[StrictInt, Field(ge=LOBBY_MINUTES_MIN, le=LOBBY_MINUTES_MAX)] = 30

    @model_validator(mode="after")
    def _one_of_each(self):
        if self.starts_at is not None:
            self._scheduled_check()
        elif (self.minutes is None) == (self.seconds_per_question is None):
            raise ValueError("give either minutes or seconds_per_question")
        if (self.questions is None) == (self.draw is None):
            raise ValueError("give either questions (a fixed list) or draw (a rule)")
        if self.questions is not None and not self.questions:
            raise ValueError("a fixed quiz lists at least one question")
        for name in ("opens_at", "closes_at", "starts_at"):
            moment = getattr(self, name)
            if moment is not None and not WINDOW_MIN <= moment <= WINDOW_MAX:
                raise ValueError(f"{name} must be from 2000-01-01 to 2100-01-01")
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValueError("opens_at must come before closes_at")
        numerator, denominator = (int(part) for part in self.penalty.split("/"))
        if numerator > denominator:
            raise ValueError(f"penalty {self.penalty} is more than the marks: at most {denominator}/{denominator}")
        if self.explanations == "after_close" and self.closes_at is None:
            raise ValueError("explanations after_close needs a closes_at")
        return self

    def _scheduled_check(self):
        if self.minutes is not None or self.seconds_per_question is not None:
            raise ValueError("a live mock (starts_at) runs from its start to closes_at: give no minutes or pace")
        if self.opens_at is not None:
            raise ValueError("a live mock (starts_at) has no opens_at: its lobby opens lobby_minutes before")
        if self.explanations != "after_close":
            raise ValueError("a live mock (starts_at) is sealed: give explanations after_close")
        if self.closes_at is None or self.closes_at <= self.starts_at:
            raise ValueError("a live mock (starts_at) needs a closes_at after its start")
        if message := scheduled_window_refusal(self.starts_at, self.closes_at):
            raise ValueError(message)


def quizzes_read(*, bank: Bank) -> list[QuizIn] | None:
    """The quizzes files `bank_read` set aside, read and checked against that bank; raises BankError.

    None when none was among the files read, so loading questions alone reports nothing of quizzes.
    """
    if QUIZZES not in bank.set_aside:
        return None
    records = [record for label, data in bank.set_aside[QUIZZES] for record in _quizzes_file_read(data, label)]
    quizzes_check(records, bank)
    return records


def quizzes_papers(records: list[QuizIn] | None) -> dict[str, list[str]]:
    """Each fixed quiz's question keys by slug: the papers `content.bank.bank_lint` checks."""
    return {quiz.slug: quiz.questions for quiz in records or [] if quiz.questions is not None}


def _quizzes_file_read(data, label: str) -> list[QuizIn]:
    if not isinstance(data, dict) or not isinstance(data.get("quizzes"), list):
        raise BankError("a quizzes file is a mapping with a list under 'quizzes'", path=label)
    records = []
    for index, item in enumerate(data["quizzes"]):
        slug = item.get("slug") if isinstance(item, dict) and isinstance(item.get("slug"), str) else f"#{index + 1}"
        try:
            records.append(QuizIn.model_validate(item))
        except ValidationError as error:
            raise bank_error_from(error, path=label, key=slug, kind="quiz") from None
    return records


def quizzes_check(records: list[QuizIn], bank: Bank) -> None:
    seen: set[str] = set()
    questions, topics, sources = bank.known["questions"], bank.known["topics"], bank.known["sources"]
    for quiz in records:
        if quiz.slug in seen:
            raise BankError(f"quiz slug {quiz.slug!r} appears twice in the bank", key=quiz.slug, kind="quiz")
        seen.add(quiz.slug)
        for field, names, known in (
            ("questions", quiz.questions or [], questions),
            ("draw.topics", quiz.draw.topics if quiz.draw else [], topics),
            ("draw.sources", quiz.draw.sources if quiz.draw else [], sources),
        ):
            for position, name in enumerate(names, start=1):
                if name not in known:
                    raise BankError(f"unknown key {name!r}", key=quiz.slug, field=f"{field}[{position}]", kind="quiz")
        if quiz.questions and len(set(quiz.questions)) != len(quiz.questions):
            raise BankError("a question is listed twice", key=quiz.slug, field="questions", kind="quiz")


def _fields(record: QuizIn) -> dict:
    numerator, denominator = (int(part) for part in record.penalty.split("/"))
    draw = record.draw or DrawIn()
    defaults = {
        name: value
        for name, value in policy.sealed_defaults(record.explanations).items()
        if name not in record.model_fields_set
    }
    return {
        "title": record.title,
        "instructions": record.instructions,
        "position": record.position,
        "is_published": record.published,
        "time_limit": timedelta(minutes=float(record.minutes)) if record.minutes is not None else None,
        "seconds_per_question": record.seconds_per_question,
        "marks_per_correct": record.marks,
        "penalty_numerator": numerator,
        "penalty_denominator": denominator,
        "selection": Quiz.Selection.FIXED if record.questions is not None else Quiz.Selection.RULE,
        "rule_difficulty_min": draw.difficulty[0],
        "rule_difficulty_max": draw.difficulty[1],
        "rule_traps_only": draw.traps_only,
        "rule_count": draw.count,
        "shuffle_options": record.shuffle_options,
        "attempts_allowed": record.attempts_allowed,
        "explanations": record.explanations,
        "opens_at": record.opens_at,
        "closes_at": record.closes_at,
        "starts_at": record.starts_at,
        "lobby_minutes": record.lobby_minutes,
        "exam_conditions": record.exam_conditions,
    } | defaults


def _state(quiz: Quiz, names) -> tuple:
    """What the file controls about a saved quiz, to tell whether loading changes it."""
    return (
        {name: getattr(quiz, name) for name in names},
        sorted(t.slug for t in quiz.rule_topics.all()),
        sorted(s.key for s in quiz.rule_sources.all()),
        [qq.question.key for qq in quiz.quiz_questions.order_by("order").select_related("question")],
    )


def quizzes_write(records: list[QuizIn]) -> LoadReport:
    report = LoadReport()
    for record in records:
        fields = _fields(record)
        wanted = (
            fields,
            sorted(record.draw.topics) if record.draw else [],
            sorted(record.draw.sources) if record.draw else [],
            list(record.questions or []),
        )
        quiz = Quiz.objects.filter(slug=record.slug).first()
        if quiz is not None and _state(quiz, fields) == wanted:
            report.unchanged += 1
            continue
        if quiz is None:
            quiz = Quiz(slug=record.slug)
            report.created += 1
        else:
            report.updated += 1
        for name, value in fields.items():
            setattr(quiz, name, value)
        try:
            quiz.full_clean(validate_unique=False)
        except DjangoValidationError as error:
            raise BankError(" ".join(error.messages), key=record.slug, kind="quiz") from None
        quiz.save()
        quiz.rule_topics.set(Topic.objects.filter(slug__in=record.draw.topics) if record.draw else [])
        quiz.rule_sources.set(Source.objects.filter(key__in=record.draw.sources) if record.draw else [])
        _fixed_questions_set(quiz, record.questions or [])
    return report


def _fixed_questions_set(quiz: Quiz, keys: list[str]) -> None:
    # Sittings freeze their own questions, so a fixed list can be rewritten freely. Orders are first
    # moved out of the way, as the new ones may swap places with the old.
    ids = dict(Question.objects.filter(key__in=keys).values_list("key", "pk"))
    QuizQuestion.objects.filter(quiz=quiz).exclude(question_id__in=ids.values()).delete()
    offset = (QuizQuestion.objects.filter(quiz=quiz).aggregate(top=Max("order"))["top"] or 0) + len(keys) + 1
    for row in QuizQuestion.objects.filter(quiz=quiz):
        row.order += offset
        row.save(update_fields=["order"])
    existing = {row.question_id: row for row in QuizQuestion.objects.filter(quiz=quiz)}
    for order, key in enumerate(keys, start=1):
        row = existing.get(ids[key]) or QuizQuestion(quiz=quiz, question_id=ids[key])
        row.order = order
        row.save()
