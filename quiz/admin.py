"""Quiz authoring, students' extra time, and attempts (read-only: they are history)."""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from quiz.models import Answer, Attempt, AttemptQuestion, ExtraTime, Quiz, QuizQuestion


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    extra = 0
    autocomplete_fields = ["question"]
    ordering = ["order"]
    verbose_name = "question on the fixed list"
    verbose_name_plural = "Fixed list of questions (used when selection is 'fixed')"


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "selection",
        "timing",
        "marking",
        "is_published",
        "opens_at",
        "closes_at",
        "attempts",
    ]
    list_filter = ["is_published", "selection", "explanations"]
    list_editable = ["is_published"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["rule_topics", "rule_sources"]
    inlines = [QuizQuestionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "instructions", "position", "is_published"]}),
        ("Time", {"fields": ["time_limit", "seconds_per_question"], "description": "Give one of the two."}),
        ("Marking", {"fields": ["marks_per_correct", "penalty_numerator", "penalty_denominator"]}),
        (
            "Questions",
            {
                "fields": [
                    "selection",
                    "rule_topics",
                    "rule_sources",
                    ("rule_difficulty_min", "rule_difficulty_max"),
                    "rule_traps_only",
                    "rule_count",
                ],
                "description": "A rule draws published questions when a student starts; a fixed quiz uses the list.",
            },
        ),
        ("Sitting", {"fields": ["shuffle_options", "attempts_allowed", "explanations", "opens_at", "closes_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(attempt_count=Count("attempts"))

    @admin.display(description="time")
    def timing(self, quiz: Quiz) -> str:
        if quiz.time_limit is not None:
            return f"{int(quiz.time_limit.total_seconds() // 60)} min"
        return f"{quiz.seconds_per_question} s / question"

    @admin.display(description="marking")
    def marking(self, quiz: Quiz) -> str:
        return f"+{quiz.marks_per_correct.normalize()} / -{quiz.penalty_numerator}/{quiz.penalty_denominator}"

    @admin.display(description="attempts", ordering="attempt_count")
    def attempts(self, quiz: Quiz) -> str:
        url = f"{reverse('admin:quiz_attempt_changelist')}?quiz__id__exact={quiz.pk}"
        return format_html('<a href="{}">{}</a>', url, quiz.attempt_count)


@admin.register(ExtraTime)
class ExtraTimeAdmin(admin.ModelAdmin):
    list_display = ["user", "minutes_per_hour", "reason"]
    search_fields = ["user__username", "reason"]
    autocomplete_fields = ["user"]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AnswerInline(_ReadOnlyInline):
    model = Answer
    fields = ["question", "choice", "marked", "outcome", "marks", "time_spent", "saved_at"]
    readonly_fields = fields
    ordering = ["first_saved_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "choice")


class AttemptQuestionInline(_ReadOnlyInline):
    model = AttemptQuestion
    fields = ["position", "question", "choice_order"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question")


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """History: students' sittings are never edited by hand (an explicit regrade will recompute marks)."""

    list_display = ["__str__", "status", "score", "max_score", "started_at", "submitted_at", "result_link"]
    list_filter = ["status", "quiz", "started_at"]
    search_fields = ["user__username", "quiz__title", "public_id"]
    list_select_related = ["user", "quiz"]
    date_hierarchy = "started_at"
    inlines = [AttemptQuestionInline, AnswerInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Attempt._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="result")
    def result_link(self, attempt: Attempt) -> str:
        return format_html('<a href="{}">view</a>', reverse("attempt_result", args=[attempt.public_id]))
