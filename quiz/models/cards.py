"""Review cards: the questions a student missed, in the Leitner boxes that schedule their practice."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from content.models import Question
from quiz.practice import LEARNED_BOX


class ReviewCardQuerySet(models.QuerySet):
    def due(self, today: date) -> "ReviewCardQuerySet":
        """Cards to review on `today` (a local date): not yet learned, and due by then."""
        return self.filter(due_on__lte=today)

    def learning(self) -> "ReviewCardQuerySet":
        return self.exclude(box=LEARNED_BOX)


class ReviewCard(models.Model):
    """A question a student missed, in a Leitner box that sets when it comes back for practice.

    The schedule itself (box 1 → 1 day, 2 → 3, 3 → 7, 4 → 21, then learned) is in quiz/practice.py;
    grading moves the cards (quiz/services/grading.py).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    box = models.PositiveSmallIntegerField(default=1)
    due_on = models.DateField(null=True, blank=True, help_text="Local date it is next due; empty once learned.")
    misses = models.PositiveIntegerField(default=0, help_text="Times answered wrongly or left blank.")
    sure_miss = models.BooleanField(
        default=False,
        help_text="Last missed while the student was sure: listed first in practice until answered right.",
    )
    last_seen_at = models.DateTimeField()

    objects = ReviewCardQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "box"]
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="review_card_once"),
            models.CheckConstraint(condition=Q(box__gte=1, box__lte=LEARNED_BOX), name="review_card_box_1_to_5"),
            models.CheckConstraint(
                condition=Q(box=LEARNED_BOX, due_on__isnull=True) | (~Q(box=LEARNED_BOX) & Q(due_on__isnull=False)),
                name="review_card_due_unless_learned",
            ),
        ]
        indexes = [models.Index(fields=["user", "due_on"], name="review_card_user_due")]

    def __str__(self) -> str:
        return f"{self.user} · {self.question_id} · box {self.box}"

    @property
    def is_learned(self) -> bool:
        return self.box == LEARNED_BOX
