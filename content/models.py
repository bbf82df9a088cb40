"""What admins author: the sources, the study notes built from them, and the question bank.

Questions are addressed by a stable `key` so that the bank files, the admin and (later) students'
answers all name the same question even as its wording is edited.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.urls import reverse

from content.rules import CLOSING_LINE, Kind, misjudged_statements, trap_note_problems


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

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["topic__order", "order", "key"]

    def __str__(self) -> str:
        return self.heading

    def get_absolute_url(self) -> str:
        return f"{self.topic.get_absolute_url()}#note-{self.key}"


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


class Question(models.Model):
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
    trap_note = models.TextField(blank=True, help_text="For a trap: the misconception it tests.")
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
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="question_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.key

    def clean(self):
        problems = trap_note_problems(is_trap=self.is_trap, trap_note=self.trap_note or "")
        if problems:
            raise ValidationError({p.field: f"{p.message[:1].upper()}{p.message[1:]}." for p in problems})

    @property
    def closing_line(self) -> str:
        return CLOSING_LINE[self.kind]

    @property
    def is_statement_kind(self) -> bool:
        return self.kind != Kind.SINGLE

    def labelled_statements(self) -> list[tuple[str, "Statement"]]:
        """Statements with the labels the options use: "Statement-I" for assertion-reason, else "1"."""
        if self.kind == Kind.ASSERTION_REASON:
            return [(f"Statement-{'I' * n}", s) for n, s in enumerate(self.statements.all(), start=1)]
        return [(str(n), s) for n, s in enumerate(self.statements.all(), start=1)]

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
    order = models.PositiveSmallIntegerField()
    text = models.TextField()
    is_true = models.BooleanField("true", default=False)

    class Meta:
        ordering = ["question", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "order"], name="statement_unique_order_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()
    is_correct = models.BooleanField("correct", default=False)

    class Meta:
        ordering = ["question", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "order"], name="choice_unique_order_per_question"),
        ]

    def __str__(self) -> str:
        return self.text
