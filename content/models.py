"""What admins author: the sources, the study notes built from them, and the question bank.

Questions are addressed by a stable `key` so that the bank files, the admin and (later) students'
answers all name the same question even as its wording is edited.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.urls import reverse

from content.rules import CLOSING_LINE, Kind, misjudged_statements, trap_problems


class Source(models.Model):
    """One of the texts in the study material."""

    key = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=60, help_text="e.g. concept note, article")
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class TopicQuerySet(models.QuerySet):
    def with_published_counts(self) -> "TopicQuerySet":
        # Explicit order: Django drops Meta.ordering from queries that aggregate.
        return self.order_by("order", "name").annotate(
            note_count=Count("notes", distinct=True),
            question_count=Count("questions", filter=Q(questions__status=Question.Status.PUBLISHED), distinct=True),
        )


class Topic(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("study_topic", args=[self.slug])


class NoteQuerySet(models.QuerySet):
    def with_question_counts(self) -> "NoteQuerySet":
        return self.annotate(question_count=Count("questions", filter=Q(questions__status=Question.Status.PUBLISHED)))


class Note(models.Model):
    """A passage of study notes, in our own words, covering one section of a source text."""

    key = models.SlugField(max_length=60, unique=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="notes")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="notes")
    heading = models.CharField(max_length=200)
    section = models.CharField(max_length=200, help_text="Where in the source text this note comes from.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Position within its topic.")
    body = models.TextField(help_text="Plain text or a small Markdown subset: *emphasis*, **strong**, lists.")
    examinable = models.BooleanField(
        default=True,
        help_text="Off for a note about the exam itself (what UPSC asks, which paper): no question may test it.",
    )

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["topic__order", "order", "key"]

    def __str__(self) -> str:
        return self.heading

    def get_absolute_url(self) -> str:
        return self.url_in(self.topic.get_absolute_url(), key=self.key)

    @staticmethod
    def url_in(topic_url: str, *, key: str) -> str:
        """A note's address on its topic's page, for a caller that reads notes as values."""
        return f"{topic_url}#note-{key}"


class Misconception(models.Model):
    """A known confusion a trap question is built on; the bank keeps the list (`notes.yaml`)."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(help_text="The wrong belief, and what the material says instead.")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class Fact(models.Model):
    """One thing the material says, in our words: what a question asks (`tests`) or lets slip (`reveals`).

    Two questions where one reveals a fact the other tests must never sit on the same paper; the
    draw and the bank checker (`content/lint.py`) both read these links.
    """

    key = models.SlugField(max_length=60, unique=True)
    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="facts")
    text = models.TextField()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class QuestionQuerySet(models.QuerySet):
    def published(self) -> "QuestionQuerySet":
        return self.filter(status=Question.Status.PUBLISHED)

    def traps(self) -> "QuestionQuerySet":
        return self.filter(is_trap=True)

    def with_options(self) -> "QuestionQuerySet":
        """Statements and choices in order, in two queries however many questions."""
        return self.prefetch_related(
            Prefetch("statements", queryset=Statement.objects.order_by("order")),
            Prefetch("choices", queryset=Choice.objects.order_by("order")),
        )

    def with_bank_fields(self) -> "QuestionQuerySet":
        """Everything `content.bank.question_to_dict` reads, in a fixed number of queries."""
        return (
            self.select_related("topic", "note__source", "misconception")
            .with_options()
            .prefetch_related(
                Prefetch("tests", queryset=Fact.objects.order_by("key")),
                Prefetch("reveals", queryset=Fact.objects.order_by("key")),
            )
        )


class QuestionText:
    """How a question reads, for a Question and for each of its QuestionVersions alike, so the
    templates render either (content/_question_text.html). Each supplies its `kind` and its
    `statement_rows()`: Statement rows, or the version's stored dicts."""

    @property
    def closing_line(self) -> str:
        return CLOSING_LINE[self.kind]

    @property
    def is_statement_kind(self) -> bool:
        return self.kind != Kind.SINGLE

    def labelled_statements(self) -> list[tuple[str, Any]]:
        """Statements with the labels the options use: "Statement-I" for assertion-reason, else "1"."""
        if self.kind == Kind.ASSERTION_REASON:
            return [(f"Statement-{'I' * n}", s) for n, s in enumerate(self.statement_rows(), start=1)]
        return [(str(n), s) for n, s in enumerate(self.statement_rows(), start=1)]


class Question(QuestionText, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    Kind = Kind

    key = models.SlugField(max_length=60, unique=True, help_text="Stable id; never reuse or rename one.")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="questions")
    note = models.ForeignKey(
        Note, on_delete=models.PROTECT, related_name="questions", help_text="The study note this question tests."
    )
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.SINGLE)
    difficulty = models.PositiveSmallIntegerField(
        choices=[(1, "1 · recall"), (2, "2 · understanding"), (3, "3 · fine distinction")], default=2
    )
    stem = models.TextField(help_text="The question; for statement kinds only the lead-in.")
    explanation = models.TextField(help_text="Why the key is right, and why the most tempting wrong option is wrong.")
    is_trap = models.BooleanField("trap", default=False)
    trap_note = models.TextField(blank=True, help_text="For a trap: the misconception it tests, in one sentence.")
    misconception = models.ForeignKey(
        Misconception,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions",
        help_text="For a trap: which of the bank's known misconceptions it tests.",
    )
    tests = models.ManyToManyField(
        Fact, related_name="tested_by", blank=True, help_text="The facts this question's key turns on."
    )
    reveals = models.ManyToManyField(
        Fact,
        related_name="revealed_by",
        blank=True,
        help_text=(
            "Facts its stem or statements state as given: no paper sets it beside a question that tests one of them."
        ),
    )
    accepted_flaws = models.TextField(
        blank=True,
        help_text="Flaws the bank checker reports that you accept, one a line as 'code: why it is right here'.",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=3), name="question_difficulty_1_to_3"
            ),
            models.CheckConstraint(condition=~Q(explanation=""), name="question_has_explanation"),
            models.CheckConstraint(condition=Q(is_trap=False) | ~Q(trap_note=""), name="question_trap_has_note"),
            models.CheckConstraint(
                condition=Q(is_trap=True) | Q(misconception__isnull=True), name="question_misconception_only_on_traps"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="question_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.key

    def clean(self):
        problems = trap_problems(
            is_trap=self.is_trap,
            trap_note=self.trap_note or "",
            misconception=self.misconception.key if self.misconception_id else "",
        )
        if problems:
            raise ValidationError({p.field: f"{p.message[:1].upper()}{p.message[1:]}." for p in problems})

    def statement_rows(self) -> list["Statement"]:
        return list(self.statements.all())

    def correct_choice(self) -> "Choice | None":
        return next((choice for choice in self.choices.all() if choice.is_correct), None)

    def misjudged_by(self, choice: "Choice") -> list[int] | None:
        """Which statements `choice` judged wrongly (see `content.rules.misjudged_statements`)."""
        if not self.is_statement_kind:
            return None
        return misjudged_statements(self.kind, choice.text, [s.is_true for s in self.statements.all()])


class Statement(models.Model):
    """One numbered statement (or pair) of a statement question, with its own truth value."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="statements")
    key = models.SlugField(max_length=20, help_text="Stable within the question: the bank file matches by it.")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()
    is_true = models.BooleanField("true", default=False)

    class Meta:
        ordering = ["question", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "order"], name="statement_unique_order_per_question"),
            models.UniqueConstraint(fields=["question", "key"], name="statement_unique_key_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.SlugField(
        max_length=20, help_text="Stable within the question: the bank file matches by it, answers stay on it."
    )
    order = models.PositiveSmallIntegerField()
    text = models.TextField()
    is_correct = models.BooleanField("correct", default=False)

    class Meta:
        ordering = ["question", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "order"], name="choice_unique_order_per_question"),
            models.UniqueConstraint(fields=["question", "key"], name="choice_unique_key_per_question"),
        ]

    def __str__(self) -> str:
        return self.text


class QuestionVersion(QuestionText, models.Model):
    """A question as students saw it and were graded on it: kind, stem, statements, choices, explanation.

    A paper pins the version current when it starts (`quiz.AttemptQuestion.version`), so a later
    edit never changes what a past paper shows or how it was marked; only an explicit regrade
    does. Versions are made by `content.services.question_version_current` whenever a question's
    content is saved, and never change once made. Statements and choices keep their `key`, which
    answers reach through `Choice.key`.
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="1 for the question's first version.")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    stem = models.TextField()
    statements = models.JSONField(default=list, blank=True, help_text="[{key, text, is_true}] in order.")
    choices = models.JSONField(default=list, help_text="[{key, text, is_correct}] in authored order.")
    # The key's choice key, copied out of `choices` when the version is made, so that grading can
    # compare a whole paper's answers with their keys in SQL (quiz/services/grading.py).
    correct_key = models.CharField(max_length=20, blank=True, editable=False)
    explanation = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="question_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"version {self.number}"

    CONTENT_FIELDS = ("kind", "stem", "statements", "choices", "explanation")

    @staticmethod
    def content_of(question: Question) -> dict:
        """A question's versioned content as it is now (reads its statements and choices, in order)."""
        return {
            "kind": question.kind,
            "stem": question.stem,
            "statements": [{"key": s.key, "text": s.text, "is_true": s.is_true} for s in question.statements.all()],
            "choices": [{"key": c.key, "text": c.text, "is_correct": c.is_correct} for c in question.choices.all()],
            "explanation": question.explanation,
        }

    def content(self) -> dict:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}

    @staticmethod
    def correct_key_of(choices: list[dict]) -> str:
        """The key of the correct choice (`content.rules` allows exactly one); blank if there is none."""
        return next((c["key"] for c in choices if c["is_correct"]), "")

    def statement_rows(self) -> list[dict]:
        return self.statements

    def choice(self, key: str) -> dict | None:
        return next((c for c in self.choices if c["key"] == key), None)

    def is_correct(self, choice_key: str) -> bool:
        """Whether the choice with this key was the key of this version (a choice added since never is)."""
        chosen = self.choice(choice_key)
        return chosen is not None and chosen["is_correct"]

    def misjudged_by(self, choice_key: str) -> list[int] | None:
        """Which statements the choice judged wrongly here (see `content.rules.misjudged_statements`)."""
        chosen = self.choice(choice_key)
        if not self.is_statement_kind or chosen is None:
            return None
        return misjudged_statements(self.kind, chosen["text"], [s["is_true"] for s in self.statements])
