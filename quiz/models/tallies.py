"""What grading counts for each student, so that the history never reads their every answer.

Grading adds each closed paper's answers to these counters in a few set-based statements
(quiz/services/tallies.py); a regrade recounts the students and questions it touched. The history's
mastery by topic, trap record and statements misjudged read them (quiz/selectors/progress.py), so
their cost follows the questions a student has met, not the papers they have sat.
"""

from django.conf import settings
from django.db import models

from content.models import Question, QuestionVersion


class QuestionTally(models.Model):
    """A student's graded answers to one question, over every closed paper and practice round."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    correct = models.PositiveIntegerField(default=0)
    wrong = models.PositiveIntegerField(default=0)
    blank = models.PositiveIntegerField(default=0)
    # The latest answer (by its paper's closing, then its id), as the trap record's "right the last time" reads it.
    last_outcome = models.CharField(max_length=8)
    last_submitted_at = models.DateTimeField()
    last_answer_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="question_tally_once")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.question_id}: {self.correct}/{self.wrong}/{self.blank}"


class StatementTally(models.Model):
    """How often a student judged one statement (by its key) and how often wrongly, over their
    answers to statement questions; shown as the latest paper that set it showed it (`version`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    statement_key = models.CharField(max_length=20)
    judged = models.PositiveIntegerField(default=0)
    misjudged = models.PositiveIntegerField(default=0)
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(help_text="The statement's place in `version`.")
    last_submitted_at = models.DateTimeField()
    last_answer_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question", "statement_key"], name="statement_tally_once")
        ]
        indexes = [models.Index(fields=["user", "misjudged"], name="statement_tally_user_misjudged")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.question_id}/{self.statement_key}: {self.misjudged} of {self.judged}"


class StatementJudgement(models.Model):
    """How choosing one option of a statement question's version judges each of its statements:
    `QuestionVersion.misjudged_by` stored, once per version, for grading to join in SQL. Versions
    never change, so neither do these rows."""

    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="+")
    choice_key = models.CharField(max_length=20)
    statement_key = models.CharField(max_length=20)
    number = models.PositiveSmallIntegerField()
    misjudged = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "choice_key", "statement_key"], name="statement_judgement_once")
        ]

    def __str__(self) -> str:
        return f"{self.version_id} · {self.choice_key} → {self.statement_key}: {'wrong' if self.misjudged else 'right'}"
