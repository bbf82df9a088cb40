"""Attempts as a django-import-export resource: the admin's CSV export (never an import: history is read-only)."""

from import_export import fields, resources

from quiz.models import Attempt


class AttemptResource(resources.ModelResource):
    attempt = fields.Field(attribute="public_id", column_name="attempt")
    student = fields.Field(attribute="user__username", column_name="student")
    quiz = fields.Field(attribute="quiz__slug", column_name="quiz")
    time_taken_seconds = fields.Field(column_name="time_taken_seconds")
    accuracy_percent = fields.Field(column_name="accuracy_percent")

    class Meta:
        model = Attempt
        fields = [
            "attempt",
            "student",
            "quiz",
            "number",
            "status",
            "started_at",
            "deadline",
            "submitted_at",
            "time_taken_seconds",
            "question_count",
            "correct_count",
            "wrong_count",
            "blank_count",
            "score",
            "max_score",
            "accuracy_percent",
        ]
        export_order = fields

    def dehydrate_time_taken_seconds(self, attempt: Attempt):
        return "" if attempt.time_taken is None else round(attempt.time_taken.total_seconds())

    def dehydrate_accuracy_percent(self, attempt: Attempt):
        accuracy = attempt.accuracy
        return "" if accuracy is None else f"{float(accuracy) * 100:.1f}"
