"""Students' sittings of quizzes: the attempt with its deadline fixed at the start, its questions
pinned to the versions shown, and its answers."""

import uuid
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse

from content.models import Choice, Question, QuestionVersion
from quiz.models.quizzes import MarkingScheme, Quiz
from quiz.scoring import Confidence, Outcome, accuracy_of


class AttemptQuerySet(models.QuerySet):
    def in_progress(self) -> "AttemptQuerySet":
        return self.filter(status=Attempt.Status.IN_PROGRESS)

    def closed(self) -> "AttemptQuerySet":
        return self.exclude(status=Attempt.Status.IN_PROGRESS)


class Attempt(MarkingScheme, models.Model):
    """One student's sitting of one quiz, with its deadline fixed at the start."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        TIMED_OUT = "timed_out", "Timed out"

    class Layout(models.TextChoices):
        ALL = "all", "All on one page"
        ONE = "one", "One question per screen"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField(help_text="1 for the student's first attempt at this quiz.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(
        help_text="For an untimed practice round, when it is closed if left open (a day after the start)."
    )
    is_timed = models.BooleanField(default=True, help_text="False: a practice round with no clock on the page.")
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="When it closed, by submit or by the clock.")
    # How the paper is laid out: a choice of the sitting, so a reload or a second device shows it
    # the same way; a new paper starts in the layout of the student's latest one.
    layout = models.CharField(
        max_length=3,
        choices=Layout.choices,
        default=Layout.ALL,
        help_text="How the student chose to see the paper: every question on one page, or one per screen.",
    )

    # The marking scheme as it was at the start: editing the quiz never changes a sitting.
    marks_per_correct = models.DecimalField(max_digits=5, decimal_places=2)
    penalty_numerator = models.PositiveSmallIntegerField()
    penalty_denominator = models.PositiveSmallIntegerField()

    # Totals, stored at grading (rounded once from exact sums; see quiz/scoring.py).
    question_count = models.PositiveSmallIntegerField(default=0)
    correct_count = models.PositiveSmallIntegerField(default=0)
    wrong_count = models.PositiveSmallIntegerField(default=0)
    blank_count = models.PositiveSmallIntegerField(default=0)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    time_taken = models.DurationField(null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz", "number"], name="attempt_unique_number"),
            # One paper at a time per student, as in the exam hall: a second Start (another tab)
            # resumes it, and no other paper's review can show the keys while it runs.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="in_progress"),
                name="attempt_one_open_per_student",
                violation_error_message="A student sits one paper at a time.",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("started_at")), name="attempt_deadline_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress", submitted_at__isnull=True)
                | (~Q(status="in_progress") & Q(submitted_at__isnull=False, score__isnull=False)),
                name="attempt_closed_means_graded",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="attempt_status_deadline")]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} #{self.number}"

    def get_absolute_url(self) -> str:
        if self.is_open:
            return reverse("attempt_paper", args=[self.public_id])
        return reverse("attempt_result", args=[self.public_id])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_PROGRESS

    @property
    def attempted(self) -> int:
        """Questions answered, right or wrong: under negative marking, how many the student risked."""
        return self.correct_count + self.wrong_count

    @property
    def accuracy(self) -> Fraction | None:
        return accuracy_of(correct=self.correct_count, wrong=self.wrong_count)

    @property
    def marks_lost(self) -> Fraction:
        return self.marking.penalty * self.wrong_count


class AttemptQuestion(models.Model):
    """A question of an attempt, frozen at the start with its position and its options' order."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        QuestionVersion,
        on_delete=models.PROTECT,
        related_name="attempt_items",
        help_text="The question as this paper shows it and is graded on, whatever is edited since.",
    )
    position = models.PositiveSmallIntegerField()
    choice_order = models.JSONField(default=list, blank=True, help_text="Choice ids as shown; empty: authored order.")

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_question_unique_position"),
            models.UniqueConstraint(fields=["attempt", "question"], name="attempt_question_once"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.question}"


def in_shown_order(choices: list, choice_order: list[int], *, pk) -> list:
    """A version's options (authored order) in the order a paper's `choice_order` of Choice ids
    shows them, `pk(choice)` naming each one's Choice id (answers and the order name rows, a
    version names its options by key). One without a row left (removed since; never one a student
    answered) has no id, and sorts last."""
    if not choice_order:
        return choices
    rank = {choice_id: i for i, choice_id in enumerate(choice_order)}
    return sorted(choices, key=lambda choice: rank.get(pk(choice), len(rank)))


class AnswerQuerySet(models.QuerySet):
    def progress(self) -> dict[str, int]:
        """How many are answered and how many marked for review, in one query."""
        return self.aggregate(
            answered=Count("pk", filter=Q(choice__isnull=False)), marked=Count("pk", filter=Q(marked=True))
        )


class Answer(models.Model):
    """A student's answer to one question of an attempt: saved as given, marked when graded."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    marked = models.BooleanField("marked for review", default=False)
    # Optional, and never changes the marks: what the risk report and History's calibration read.
    confidence = models.CharField(
        max_length=5,
        choices=[(c.value, c.name.title()) for c in Confidence],
        blank=True,
        help_text="How sure the student said they were: sure, fifty (50:50) or guess; empty if not said.",
    )
    # Seconds the page measured this question as the one being worked on, added up by the autosave
    # and capped so that a paper's answers never add up to more than the time since its start.
    active_seconds = models.PositiveIntegerField(default=0)
    first_saved_at = models.DateTimeField()
    saved_at = models.DateTimeField()
    # Set at grading: editing a question later never changes these (an explicit regrade does).
    outcome = models.CharField(max_length=8, choices=[(o.value, o.value) for o in Outcome], blank=True)
    marks = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    time_spent = models.DurationField(
        null=True,
        blank=True,
        help_text="Measured by the page (active_seconds) when it did; else from the previous first answer to "
        "this one's, an estimate.",
    )

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["attempt", "first_saved_at"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="answer_one_per_question"),
            models.CheckConstraint(condition=Q(confidence__in=["", *Confidence]), name="answer_confidence_known"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.question_id}: {self.choice_id}"

    @property
    def is_answered(self) -> bool:
        return self.choice_id is not None
