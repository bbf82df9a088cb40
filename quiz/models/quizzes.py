"""Quizzes: what a paper sets, how it is timed and marked, and students' extra-time allowances."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse

from content.models import Question, Source, Topic
from quiz.scoring import Marking

# The bounds of a quiz's time and marking. Inside them nothing a paper computes can fail: a deadline
# never passes the calendar's end, and no answer's marks outgrow `Answer.marks` (±9,999.99) nor a
# paper's total `Attempt.score`. The admin's form, the bank loader (quiz/bank.py) and named
# database constraints all hold these.
TIME_LIMIT_MIN, TIME_LIMIT_MAX = timedelta(minutes=1), timedelta(hours=8)
PACE_MIN, PACE_MAX = 10, 600  # seconds per question
MARKS_MAX = Decimal(10)
# A quiz's window: dates far from now are typing slips, and at the calendar's ends (year 1, 9999)
# converting to local time or adding a day overflows.
WINDOW_MIN, WINDOW_MAX = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
_WINDOW_VALIDATORS = [
    MinValueValidator(WINDOW_MIN, message="Give a date from 1 January 2000 to 1 January 2100."),
    MaxValueValidator(WINDOW_MAX, message="Give a date from 1 January 2000 to 1 January 2100."),
]
# A live mock's lobby opens this long before its common start: long enough to read the instructions
# and sign in, and never so long that the lobby is a second quiz page open for days.
LOBBY_MINUTES_MIN, LOBBY_MINUTES_MAX = 1, 24 * 60


class MarkingScheme:
    """Quiz and Attempt both hold marks_per_correct and the penalty as a fraction of it."""

    @property
    def marking(self) -> Marking:
        return Marking.of(
            marks_per_correct=self.marks_per_correct,
            penalty_numerator=self.penalty_numerator,
            penalty_denominator=self.penalty_denominator,
        )


class QuizQuerySet(models.QuerySet):
    def published(self) -> "QuizQuerySet":
        return self.filter(is_published=True, is_practice=False)

    def practice(self) -> "Quiz":
        """The practice quiz, made on first use: its rounds are drawn from each student's review cards."""
        quiz, _ = self.get_or_create(
            is_practice=True,
            defaults={
                "slug": "practise-my-mistakes",
                "title": "Practise my mistakes",
                "instructions": "Questions you got wrong or left blank, when they are due for review.",
                "seconds_per_question": 72,
                "position": 10_000,
            },
        )
        return quiz

    def with_fixed_counts(self) -> "QuizQuerySet":
        """`fixed_count`: published questions on a fixed list (a rule quiz's length needs `quiz_lengths`)."""
        # Explicit order: Django drops Meta.ordering from queries that aggregate.
        return self.order_by("position", "title").annotate(
            fixed_count=Count(
                "quiz_questions", filter=Q(quiz_questions__question__status=Question.Status.PUBLISHED), distinct=True
            )
        )


class Quiz(MarkingScheme, models.Model):
    """A timed test: a fixed list of questions, or a rule that draws them when a student starts."""

    class Selection(models.TextChoices):
        FIXED = "fixed", "A fixed, ordered list of questions"
        RULE = "rule", "Drawn by a rule when the student starts"

    class Explanations(models.TextChoices):
        AFTER_SUBMIT = "after_submit", "Right after the student submits"
        AFTER_CLOSE = "after_close", "Only after the quiz closes"

    slug = models.SlugField(max_length=60, unique=True, help_text="Stable id, used in the address.")
    title = models.CharField(max_length=120)
    instructions = models.TextField(blank=True, help_text="Shown before the start. Plain text or Markdown subset.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the quiz list.")
    is_published = models.BooleanField("published", default=False)

    # Time: either a fixed limit, or a pace per question (a paper that grows with the bank).
    time_limit = models.DurationField(
        null=True,
        blank=True,
        help_text="e.g. 00:12:00 for twelve minutes; from 00:01:00 to 08:00:00.",
        validators=[
            MinValueValidator(TIME_LIMIT_MIN, message="Give a time limit of at least 1 minute (00:01:00)."),
            MaxValueValidator(TIME_LIMIT_MAX, message="Give a time limit of at most 8 hours (08:00:00)."),
        ],
    )
    seconds_per_question = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Instead of a fixed limit, from 10 to 600: UPSC's pace is 72 s (1.2 minutes) a question.",
        validators=[
            MinValueValidator(PACE_MIN, message="Give at least 10 seconds per question."),
            MaxValueValidator(PACE_MAX, message="Give at most 600 seconds (10 minutes) per question."),
        ],
    )

    # Marking: UPSC gives 2 marks and takes one third of them for a wrong answer.
    marks_per_correct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(2),
        help_text="From 0.01 to 10.",
        validators=[
            # Not 0: a paper's score is shown, ranked and charted as a share of its maximum.
            MinValueValidator(Decimal("0.01"), message="A correct answer earns at least 0.01 marks."),
            MaxValueValidator(MARKS_MAX, message="A correct answer earns at most 10 marks."),
        ],
    )
    penalty_numerator = models.PositiveSmallIntegerField(default=1)
    penalty_denominator = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1, message="The penalty's denominator must be at least 1.")],
        help_text="Penalty per wrong answer = numerator / denominator of the marks, at most the whole marks. "
        "0/1 for none.",
    )

    selection = models.CharField(max_length=8, choices=Selection.choices, default=Selection.FIXED)
    questions = models.ManyToManyField(Question, through="QuizQuestion", related_name="quizzes", blank=True)
    rule_topics = models.ManyToManyField(Topic, blank=True, related_name="+", help_text="Empty: every topic.")
    rule_sources = models.ManyToManyField(Source, blank=True, related_name="+", help_text="Empty: every source.")
    rule_difficulty_min = models.PositiveSmallIntegerField(default=1)
    rule_difficulty_max = models.PositiveSmallIntegerField(default=3)
    rule_traps_only = models.BooleanField(default=False)
    rule_count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many to draw at random. Empty: every matching question."
    )

    shuffle_options = models.BooleanField(
        default=False, help_text="Each student sees options in their own order (assertion-reason options never move)."
    )
    attempts_allowed = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    explanations = models.CharField(max_length=16, choices=Explanations.choices, default=Explanations.AFTER_SUBMIT)
    opens_at = models.DateTimeField(null=True, blank=True, validators=_WINDOW_VALIDATORS)
    closes_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="No paper runs past this moment: a late start gets less time.",
        validators=_WINDOW_VALIDATORS,
    )
    # A live mock: every paper starts at `starts_at` and ends at `closes_at` (each student's extra
    # time added), so its timing is its schedule, not a time limit or a pace.
    starts_at = models.DateTimeField(
        "common start",
        null=True,
        blank=True,
        validators=_WINDOW_VALIDATORS,
        help_text="A live mock: Start opens for everyone at this moment, and every paper ends at the close (plus "
        "each student's extra time); a student who joins late gets the time that is left. Leave the time limit, "
        "the pace and the opening empty, give a close, and show explanations only after the quiz closes.",
    )
    lobby_minutes = models.PositiveSmallIntegerField(
        "lobby opens (minutes before the start)",
        default=30,
        help_text="From 1 to 1440 (a day): from then students may wait in the lobby, with the instructions, "
        "the marking and a countdown to the start.",
        validators=[
            MinValueValidator(LOBBY_MINUTES_MIN, message="Open the lobby at least 1 minute before the start."),
            MaxValueValidator(
                LOBBY_MINUTES_MAX, message="Open the lobby at most 1440 minutes (a day) before the start."
            ),
        ],
    )
    exam_conditions = models.BooleanField(
        "exam conditions",
        default=False,
        help_text="Closed book, as in the exam hall: while a student's paper of this quiz runs, the study "
        "notes are closed to them.",
    )

    is_practice = models.BooleanField(
        default=False,
        editable=False,
        help_text="The one quiz that holds every student's 'Practise my mistakes' rounds (see quiz/practice.py).",
    )

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]
        verbose_name_plural = "quizzes"
        constraints = [
            models.UniqueConstraint(
                fields=["is_practice"], condition=Q(is_practice=True), name="quiz_one_practice_quiz"
            ),
            models.CheckConstraint(
                condition=Q(time_limit__isnull=False, seconds_per_question__isnull=True)
                | Q(time_limit__isnull=True, seconds_per_question__isnull=False)
                | Q(starts_at__isnull=False),
                name="quiz_one_way_of_timing",
                violation_error_message="Give either a time limit or seconds per question, not both.",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(time_limit__isnull=True, seconds_per_question__isnull=True),
                name="quiz_scheduled_timed_by_its_schedule",
                violation_error_message="A live mock with a common start runs from its start to its close: leave "
                "the time limit and seconds per question empty.",
            ),
            models.CheckConstraint(
                condition=Q(penalty_denominator__gt=0),
                name="quiz_penalty_denominator_positive",
                violation_error_message="The penalty's denominator must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(marks_per_correct__gt=0),
                name="quiz_marks_positive",
                violation_error_message="A correct answer must earn marks.",
            ),
            models.CheckConstraint(
                condition=Q(time_limit__isnull=True)
                | Q(time_limit__gte=TIME_LIMIT_MIN, time_limit__lte=TIME_LIMIT_MAX),
                name="quiz_time_limit_1_minute_to_8_hours",
                violation_error_message="The time limit is from 1 minute to 8 hours.",
            ),
            models.CheckConstraint(
                condition=Q(seconds_per_question__isnull=True)
                | Q(seconds_per_question__gte=PACE_MIN, seconds_per_question__lte=PACE_MAX),
                name="quiz_pace_10_to_600_seconds",
                violation_error_message="The pace is from 10 to 600 seconds per question.",
            ),
            models.CheckConstraint(
                condition=Q(marks_per_correct__lte=MARKS_MAX),
                name="quiz_marks_at_most_10",
                violation_error_message="A correct answer earns at most 10 marks.",
            ),
            models.CheckConstraint(
                condition=Q(penalty_numerator__lte=models.F("penalty_denominator")),
                name="quiz_penalty_at_most_the_marks",
                violation_error_message="The penalty for a wrong answer is at most the marks for a correct one.",
            ),
            models.CheckConstraint(
                condition=(Q(opens_at__isnull=True) | Q(opens_at__gte=WINDOW_MIN, opens_at__lte=WINDOW_MAX))
                & (Q(closes_at__isnull=True) | Q(closes_at__gte=WINDOW_MIN, closes_at__lte=WINDOW_MAX)),
                name="quiz_window_2000_to_2100",
                violation_error_message="The quiz opens and closes between 1 January 2000 and 1 January 2100.",
            ),
            models.CheckConstraint(
                condition=Q(rule_difficulty_min__gte=1, rule_difficulty_max__lte=3)
                & Q(rule_difficulty_min__lte=models.F("rule_difficulty_max")),
                name="quiz_rule_difficulty_range",
                violation_error_message="The difficulty range must run from low to high within 1 to 3.",
            ),
            models.CheckConstraint(
                condition=~Q(explanations="after_close") | Q(closes_at__isnull=False),
                name="quiz_after_close_needs_a_close",
                violation_error_message="Explanations shown after the quiz closes need a closing time.",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(opens_at__lt=models.F("closes_at")),
                name="quiz_opens_before_it_closes",
                violation_error_message="The quiz must open before it closes.",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(starts_at__gte=WINDOW_MIN, starts_at__lte=WINDOW_MAX),
                name="quiz_start_2000_to_2100",
                violation_error_message="The common start is between 1 January 2000 and 1 January 2100.",
            ),
            models.CheckConstraint(
                condition=Q(lobby_minutes__gte=LOBBY_MINUTES_MIN, lobby_minutes__lte=LOBBY_MINUTES_MAX),
                name="quiz_lobby_1_to_1440_minutes",
                violation_error_message="The lobby opens from 1 to 1440 minutes (a day) before the start.",
            ),
            # A live mock is sealed (policy.release_at): its key and every score appear at its close.
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(closes_at__gt=models.F("starts_at"), explanations="after_close", opens_at__isnull=True),
                name="quiz_scheduled_is_sealed_and_closes_after_its_start",
                violation_error_message="A live mock with a common start needs a close after its start, no "
                "separate opening (its lobby opens before the start), and explanations only after it closes.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practice") if self.is_practice else reverse("quiz_detail", args=[self.slug])

    def clean(self):
        numerator, denominator = self.penalty_numerator, self.penalty_denominator
        if numerator is not None and denominator and numerator > denominator:
            raise ValidationError(
                {
                    "penalty_numerator": "The penalty is at most the marks for a correct answer: give a numerator "
                    f"no larger than the denominator ({denominator})."
                }
            )
        if message := scheduled_window_refusal(self.starts_at, self.closes_at):
            raise ValidationError({"closes_at": message})

    @property
    def is_scheduled(self) -> bool:
        """A live mock: one common start and one common end for every paper (`starts_at`)."""
        return self.starts_at is not None

    def time_for(self, question_count: int) -> timedelta:
        if self.starts_at is not None:
            return self.closes_at - self.starts_at
        if self.time_limit is not None:
            return self.time_limit
        return timedelta(seconds=self.seconds_per_question * question_count)

    def draw_filter(self) -> Q:
        """Which published questions the rule admits (the rule's topics and sources must be prefetched)."""
        condition = Q(status=Question.Status.PUBLISHED) & Q(
            difficulty__gte=self.rule_difficulty_min, difficulty__lte=self.rule_difficulty_max
        )
        if topics := [t.pk for t in self.rule_topics.all()]:
            condition &= Q(topic__in=topics)
        if sources := [s.pk for s in self.rule_sources.all()]:
            condition &= Q(note__source__in=sources)
        if self.rule_traps_only:
            condition &= Q(is_trap=True)
        return condition


def scheduled_window_refusal(starts_at: datetime | None, closes_at: datetime | None) -> str | None:
    """Why a live mock's start and close cannot be (None: they can): the sitting they make, from the
    start to the close, is held to a time limit's bounds. Not a database constraint, as date arithmetic
    in a CHECK needs a function SQLite has only inside Django; the form and the bank loader ask here."""
    if starts_at is None or closes_at is None or closes_at <= starts_at:
        return None  # no live mock, or the constraint's own message says what is wrong
    if not TIME_LIMIT_MIN <= closes_at - starts_at <= TIME_LIMIT_MAX:
        return "A live mock runs from 1 minute to 8 hours: close it that long after its common start."
    return None


class QuizQuestion(models.Model):
    """A question's place on a fixed quiz."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="quiz_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["quiz", "order"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "question"], name="quiz_question_once"),
            models.UniqueConstraint(fields=["quiz", "order"], name="quiz_question_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.question.key}"


class ExtraTime(models.Model):
    """A student's extra-time allowance: UPSC gives eligible candidates 20 minutes per hour."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extra_time")
    minutes_per_hour = models.PositiveSmallIntegerField(default=20)
    reason = models.CharField(max_length=200, blank=True, help_text="For the record, e.g. the certificate seen.")

    class Meta:
        verbose_name = "extra-time allowance"
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes_per_hour__gte=1, minutes_per_hour__lte=60),
                name="extra_time_1_to_60_minutes_per_hour",
                violation_error_message="Extra time is between 1 and 60 minutes per hour.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.minutes_per_hour} min per hour"

    def stretch(self, duration: timedelta) -> timedelta:
        return duration * (60 + self.minutes_per_hour) / 60
