"""Authoring the study notes and the question bank.

A question's choices and statements are edited inline; the choice inline checks the whole
question with `content.rules` (the same rules `load_bank` applies), so the admin refuses to save a
question without exactly one correct choice, or whose key disagrees with its statements.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin

from content.models import Choice, Note, Question, Source, Statement, Topic
from content.resources import QuestionResource
from content.rules import question_problems

_CHECKED = {"on", "true", "True", "1"}


def _posted_rows(data, prefix: str, flag: str) -> list[tuple[str, bool]]:
    """The (text, flag) rows a sibling inline posted, in order, skipping deleted and blank ones."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        return []
    rows = []
    for i in range(total):
        text = (data.get(f"{prefix}-{i}-text") or "").strip()
        if text and data.get(f"{prefix}-{i}-DELETE") not in _CHECKED:
            rows.append((text, data.get(f"{prefix}-{i}-{flag}") in _CHECKED))
    return rows


class _OrderedInlineFormSet(BaseInlineFormSet):
    """Numbers new rows after the existing ones, so authors never type an order by hand."""

    def kept_forms(self):
        return [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("text")
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        taken = [form.instance.order for form in self.forms if form.instance.pk]
        next_order = max(taken, default=0) + 1
        for form in self.kept_forms():
            if not form.instance.pk:
                form.instance.order = next_order
                next_order += 1


class StatementFormSet(_OrderedInlineFormSet):
    pass


class ChoiceFormSet(_OrderedInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        question = self.instance
        problems = question_problems(
            kind=question.kind,
            statements=_posted_rows(self.data, "statements", "is_true"),
            choices=[
                (form.cleaned_data["text"], bool(form.cleaned_data.get("is_correct"))) for form in self.kept_forms()
            ],
            explanation=question.explanation or "-",  # the question form reports its own fields
            is_trap=False,
            trap_note="",
        )
        if problems:
            raise ValidationError([f"{p.field.capitalize()}: {p.message}." for p in problems])


class StatementInline(admin.TabularInline):
    model = Statement
    formset = StatementFormSet
    fields = ("text", "is_true")
    extra = 0
    verbose_name = "statement (or pair, written 'left — right')"
    verbose_name_plural = "statements — for statement, match-the-pairs and assertion-reason questions"


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    fields = ("text", "is_correct")
    extra = 0
    # Four rows on the form; the count itself is checked by the rules, with their message.
    min_num = 4
    max_num = 4


@admin.register(Question)
class QuestionAdmin(ImportExportModelAdmin):
    resource_classes = [QuestionResource]
    inlines = [StatementInline, ChoiceInline]
    list_display = (
        "key",
        "short_stem",
        "topic",
        "kind",
        "difficulty",
        "is_trap",
        "status",
        "note_link",
        "preview_link",
    )
    list_filter = (
        "status",
        "topic",
        "kind",
        "difficulty",
        "is_trap",
        ("note__source", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("stem", "key")
    list_select_related = ("topic", "note__topic")
    list_per_page = 50
    actions = ("publish", "unpublish")
    autocomplete_fields = ("note",)
    readonly_fields = ("created_at", "updated_at")
    change_form_template = "admin/content/question/change_form.html"
    fieldsets = (
        (None, {"fields": ("key", "status", "topic", "note", "kind", "difficulty")}),
        ("Question", {"fields": ("stem", "explanation")}),
        ("Trap", {"fields": ("is_trap", "trap_note"), "description": "A trap tests a known misconception; name it."}),
        ("History", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description="stem")
    def short_stem(self, question: Question) -> str:
        return question.stem if len(question.stem) <= 80 else question.stem[:79] + "…"

    @admin.display(description="cited note", ordering="note__key")
    def note_link(self, question: Question) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}" target="_blank" rel="noopener">as students see it</a>',
            reverse("admin:content_note_change", args=[question.note_id]),
            question.note.key,
            question.note.get_absolute_url(),
        )

    @admin.display(description="preview")
    def preview_link(self, question: Question) -> str:
        return format_html('<a href="{}">Preview</a>', reverse("admin:content_question_preview", args=[question.pk]))

    @admin.action(description="Publish selected questions")
    def publish(self, request, queryset):
        count = queryset.exclude(status=Question.Status.PUBLISHED).update(status=Question.Status.PUBLISHED)
        self.message_user(request, f"Published {count} question{'s' if count != 1 else ''}.", messages.SUCCESS)

    @admin.action(description="Unpublish selected questions (back to draft)")
    def unpublish(self, request, queryset):
        count = queryset.exclude(status=Question.Status.DRAFT).update(status=Question.Status.DRAFT)
        self.message_user(request, f"Unpublished {count} question{'s' if count != 1 else ''}.", messages.SUCCESS)

    def get_urls(self):
        preview = path(
            "<int:pk>/preview/", self.admin_site.admin_view(self.preview_view), name="content_question_preview"
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request, pk: int):
        question = get_object_or_404(
            Question.objects.select_related("topic", "note__source", "note__topic").with_options(), pk=pk
        )
        if not self.has_view_permission(request, question):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "question": question,
            "title": f"Preview of {question.key}",
            "original": question,
        }
        return TemplateResponse(request, "admin/content/question/preview.html", context)

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("topic", "note__source").with_options()


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("heading", "key", "topic", "source", "section", "order", "published_questions")
    list_filter = ("topic", "source")
    search_fields = ("heading", "key", "body")
    list_select_related = ("topic", "source")
    ordering = ("topic__order", "order")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(published_count=Count("questions", filter=Q(questions__status=Question.Status.PUBLISHED)))
        )

    @admin.display(description="published questions", ordering="published_count")
    def published_questions(self, note: Note) -> int:
        return note.published_count


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    list_editable = ("order",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("title", "key", "kind")
    search_fields = ("title",)
