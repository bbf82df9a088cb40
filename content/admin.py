"""Authoring the study notes and the question bank.

A question's choices and statements are edited inline; the choice inline checks the whole
question with `content.rules` (the same rules `load_bank` applies), so the admin refuses to save a
question without exactly one correct choice, or whose key disagrees with its statements.

Questions are imported and exported as bank files, the format `load_bank` reads and `export_bank`
writes (`content.bank`): an import previews what it would change, and writes through `bank_load`.
"""

import json
from collections import Counter
from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.forms.formsets import DEFAULT_MAX_NUM
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from config.admin_errors import ErrorSummaryAdmin
from content.bank import (
    Bank,
    BankError,
    QuestionDiff,
    bank_diff,
    bank_dump,
    bank_export,
    bank_load,
    questions_text_read,
)
from content.forms import BankConfirmForm, BankUploadForm, import_payload
from content.inputs import ControlCharactersRefused, ascii_int
from content.models import Choice, Fact, Misconception, Note, Question, Source, Statement, Topic
from content.rules import STATEMENT_RANGE, Kind, question_problems
from content.selectors import bank_report_saved, question_flaws_in_bank
from content.services import question_version_current

_CHECKED = {"on", "true", "True", "1"}


def statement_rows(kind: str) -> int:
    """The statement rows a question of this kind is written in: the most it may have."""
    return STATEMENT_RANGE[kind][1]


def _posted_rows(data, prefix: str, flag: str) -> list[tuple[str, bool]]:
    """The (text, flag) rows a sibling inline posted, in order, skipping deleted and blank ones."""
    try:
        # At most what a formset takes: a forged count must not make this loop run for ever.
        total = min(ascii_int(data.get(f"{prefix}-TOTAL_FORMS", "0")), DEFAULT_MAX_NUM)
    except ValueError:
        return []
    rows = []
    for i in range(total):
        text = (data.get(f"{prefix}-{i}-text") or "").strip()
        if text and data.get(f"{prefix}-{i}-DELETE") not in _CHECKED:
            rows.append((text, data.get(f"{prefix}-{i}-{flag}") in _CHECKED))
    return rows


class _OrderedInlineFormSet(BaseInlineFormSet):
    """Numbers new rows after the existing ones, and keys them, so authors never type either by hand.

    A row's key is what the bank file and students' answers know it by; an author may name it, or
    leave it blank for the next free one ("a", "b", … for choices; "s1", "s2", … for statements).
    """

    key_prefix = ""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "key" in form.fields:
            form.fields["key"].required = False

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
        keys = [form.cleaned_data.get("key") or form.instance.key for form in self.kept_forms()]
        if len([k for k in keys if k]) != len({k for k in keys if k}):
            raise ValidationError("Two rows have the same key; a key names one row of the question.")
        free = (key for key in self._key_candidates() if key not in keys)
        for form in self.kept_forms():
            if not form.instance.pk:
                form.instance.order = next_order
                next_order += 1
            if not (form.cleaned_data.get("key") or form.instance.key):
                form.instance.key = next(free)

    def _key_candidates(self):
        if self.key_prefix:
            return (f"{self.key_prefix}{n}" for n in range(1, 100))
        return iter("abcdefghijklmnopqrstuvwxyz")


class StatementFormSet(_OrderedInlineFormSet):
    key_prefix = "s"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # `extra` arrives as the rows the kind takes (StatementInline.get_extra): offer only the
            # blank ones still missing. Counting reads the rows the form shows anyway: no query.
            self.extra = max(0, self.extra - self.initial_form_count())


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
            misconception="",
        )
        if problems:
            # Coded by the field each is about, so the error summary links a statements problem to
            # the statements, though the choices' check finds it.
            raise ValidationError(
                [ValidationError(f"{p.field.capitalize()}: {p.message}.", code=p.field) for p in problems]
            )


class FlawFilter(admin.SimpleListFilter):
    """Questions the bank checker (`content.lint`) finds a flaw in, accepted or not."""

    title = "item-writing flaws"
    parameter_name = "flaws"

    def lookups(self, request, model_admin):
        return [("open", "Has open flaws"), ("accepted", "Has accepted flaws only"), ("none", "No flaws")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        flaws = bank_report_saved().flaws
        open_keys = {flaw.key for flaw in flaws if not flaw.accepted}
        any_keys = {flaw.key for flaw in flaws}
        if self.value() == "open":
            return queryset.filter(key__in=open_keys)
        if self.value() == "accepted":
            return queryset.filter(key__in=any_keys - open_keys)
        return queryset.exclude(key__in=any_keys)


class StatementInline(ControlCharactersRefused, admin.TabularInline):
    model = Statement
    formset = StatementFormSet
    fields = ("key", "text", "is_true")
    verbose_name = "statement (or pair, written 'left — right')"
    verbose_name_plural = "statements — for statement, match-the-pairs and assertion-reason questions"

    def get_extra(self, request, obj=None, **kwargs):
        """As many rows as the question's kind takes (the formset leaves out those already written):
        2 for assertion-reason, 4 for the other statement kinds, none for a single answer. A new
        question's kind is not chosen yet (unless the address says `?kind=`), so it gets 4, enough
        for any kind; blank rows are ignored, and static/js/admin-question.js trims or adds rows as
        the kind changes."""
        kind = obj.kind if obj is not None else request.GET.get("kind")
        if kind in Kind.values:
            return statement_rows(kind)
        return max(statement_rows(kind) for kind in Kind.values)


class ChoiceInline(ControlCharactersRefused, admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    fields = ("key", "text", "is_correct")
    extra = 0
    # Four rows on the form; the count itself is checked by the rules, with their message.
    min_num = 4
    max_num = 4


@dataclass
class ImportPreview:
    """What importing a question file would do: each question's diff, or why it cannot be imported."""

    name: str
    rows: list[QuestionDiff] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bank: Bank | None = field(default=None, repr=False)  # what confirming writes

    @property
    def counts(self) -> Counter:
        return Counter(row.status for row in self.rows)

    @property
    def writes(self) -> bool:
        return not self.errors and any(row.status != "unchanged" for row in self.rows)


def import_preview(*, name: str, text: str) -> ImportPreview:
    try:
        bank, errors = questions_text_read(text, label=name)
    except BankError as error:
        return ImportPreview(name=name, errors=[str(error)])
    return ImportPreview(name=name, rows=bank_diff(bank=bank), errors=[str(error) for error in errors], bank=bank)


def bank_file_response(questions) -> HttpResponse:
    """The questions as a YAML bank file to download: `load_bank` loads it and Import reads it back."""
    response = HttpResponse(bank_dump(bank_export(questions), format="yaml"), content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="questions-{timezone.localdate():%Y-%m-%d}.yaml"'
    return response


@admin.register(Question)
class QuestionAdmin(ErrorSummaryAdmin, ControlCharactersRefused, admin.ModelAdmin):
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
        FlawFilter,
    )
    search_fields = ("stem", "key")
    list_select_related = ("topic", "note__topic")
    list_per_page = 50
    actions = ("publish", "unpublish", "export_bank_file")
    autocomplete_fields = ("note", "misconception", "tests", "reveals")
    readonly_fields = ("created_at", "updated_at", "versions")
    change_form_template = "admin/content/question/change_form.html"
    change_list_template = "admin/content/question/change_list.html"
    fieldsets = (
        (None, {"fields": ("key", "status", "topic", "note", "kind", "difficulty")}),
        ("Question", {"fields": ("stem", "explanation")}),
        (
            "Bank checker",
            {
                "fields": ("accepted_flaws",),
                "description": "After each save the checker lists this question's item-writing flaws as warnings. "
                "Where one is right for this question, accept it here with your reason.",
            },
        ),
        (
            "Trap",
            {
                "fields": ("is_trap", "misconception", "trap_note"),
                "description": "A trap tests one of the bank's known misconceptions: name it, and say it in a "
                "sentence.",
            },
        ),
        (
            "Facts",
            {
                "fields": ("tests", "reveals"),
                "description": "What the key turns on, and what the wording gives away: no paper sets a question "
                "beside one that reveals a fact it tests.",
            },
        ),
        ("History", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
        (
            "Versions",
            {
                "fields": ("versions",),
                "description": "What students saw: each paper keeps the version it started with, whatever is "
                "edited since. A save that changes the stem, statements, choices or explanation makes a new one.",
            },
        ),
    )

    class Media:
        # After Django's inlines.js, whose "Add another" the script presses (CSP: our own file, no inline script).
        js = ("admin/js/inlines.js", "js/admin-question.js")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "kind":
            field.widget.attrs["data-statement-rows"] = json.dumps({kind: statement_rows(kind) for kind in Kind.values})
        return field

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Only now are the choices and statements saved: the version must hold the new ones.
        question_version_current(question=form.instance)

    @admin.display(description="versions")
    def versions(self, question: Question) -> str:
        """Each version, newest first: when it was made, and the attempts that pinned it (linked)."""
        if question.pk is None:
            return "-"
        rows = question.versions.annotate(attempts=Count("attempt_items__attempt", distinct=True)).order_by("-number")
        attempts_url = reverse("admin:quiz_attempt_changelist")
        body = format_html_join(
            "",
            '<tr data-version="{}"><td>{}</td><td>{}</td>'
            '<td><a href="{}?items__version__id__exact={}">{}</a></td></tr>',
            (
                (
                    version.number,
                    version.number,
                    date_format(timezone.localtime(version.created_at), "j M Y, H:i"),
                    attempts_url,
                    version.pk,
                    version.attempts,
                )
                for version in rows
            ),
        )
        return format_html(
            '<table><thead><tr><th scope="col">version</th><th scope="col">created</th>'
            '<th scope="col">attempts</th></tr></thead><tbody>{}</tbody></table>',
            body,
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

    @admin.action(description="Export selected questions as a bank file", permissions=["view"])
    def export_bank_file(self, request, queryset):
        return bank_file_response(queryset)

    def response_add(self, request, obj, post_url_continue=None):
        self._warn_flaws(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._warn_flaws(request, obj)
        return super().response_change(request, obj)

    def _warn_flaws(self, request, question: Question) -> None:
        # After the inlines are saved, so the checker sees the question as it now stands.
        for flaw in question_flaws_in_bank(question):
            if flaw.accepted:
                self.message_user(request, f"Accepted flaw [{flaw.code}]: {flaw.message}.", messages.INFO)
            else:
                self.message_user(request, f"Item-writing flaw [{flaw.code}]: {flaw.message}.", messages.WARNING)

    def get_urls(self):
        preview = path(
            "<int:pk>/preview/", self.admin_site.admin_view(self.preview_view), name="content_question_preview"
        )
        report = path("bank-report/", self.admin_site.admin_view(self.bank_report_view), name="content_bank_report")
        import_ = path("import/", self.admin_site.admin_view(self.import_view), name="content_question_import")
        export = path("export/", self.admin_site.admin_view(self.export_view), name="content_question_export")
        return [preview, report, import_, export, *super().get_urls()]

    def has_import_permission(self, request) -> bool:
        # An import both adds questions and changes them.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        )

    def export_view(self, request):
        """The changelist as filtered, searched and ordered (its query string), as a bank file."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            questions = self.get_changelist_instance(request).queryset
        except IncorrectLookupParameters:
            return redirect(f"{reverse('admin:content_question_changelist')}?e=1")
        return bank_file_response(questions)

    def import_view(self, request):
        """Upload a question file and see what it changes; confirm to write it (nothing is kept in between)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "payload" in request.POST:
            return self._import_confirm(request)
        form = BankUploadForm(request.POST or None, request.FILES or None)
        preview = confirm_form = None
        if form.is_valid():
            name, text = form.cleaned_data["file"]
            preview = import_preview(name=name, text=text)
            if preview.writes:
                payload = import_payload(name=name, text=text, user=request.user)
                confirm_form = BankConfirmForm(initial={"payload": payload}, user=request.user)
            form = BankUploadForm()
        return self._import_page(request, form=form, preview=preview, confirm_form=confirm_form)

    def _import_confirm(self, request):
        confirm = BankConfirmForm(request.POST, user=request.user)
        if not confirm.is_valid():
            return self._import_page(request, refused=confirm.errors["payload"], status=400)
        name, text = confirm.cleaned_data["payload"]
        # Read again: the database may have changed since the preview (a note removed, say).
        preview = import_preview(name=name, text=text)
        if preview.errors:
            return self._import_page(request, preview=preview)
        try:
            with transaction.atomic():
                # Again inside the transaction, so the questions' histories say what this write did.
                rows = bank_diff(bank=preview.bank)
                report = bank_load(bank=preview.bank)
                self._log_import(request, name=name, rows=rows)
        except BankError as error:
            # Found only while writing (an answered choice removed): the transaction wrote nothing.
            preview.errors = [str(error)]
            return self._import_page(request, preview=preview)
        self.message_user(request, f"Imported {name}: {report}.", messages.SUCCESS)
        return redirect("admin:content_question_changelist")

    def _log_import(self, request, *, name: str, rows: list[QuestionDiff]) -> None:
        """Each question the import created or changed gets an entry in its history, as an edit would."""
        written = [row for row in rows if row.status != "unchanged"]
        questions = Question.objects.in_bulk([row.key for row in written], field_name="key")
        for row in written:
            if row.status == "new":
                self.log_addition(request, questions[row.key], f"Imported from {name}.")
            else:
                self.log_change(request, questions[row.key], f"Imported from {name}: {', '.join(row.fields)}.")

    def _import_page(self, request, *, form=None, preview=None, confirm_form=None, refused=(), status=200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import questions from a bank file",
            "form": form or BankUploadForm(),
            "preview": preview,
            "confirm_form": confirm_form,
            "refused": refused,
        }
        return TemplateResponse(request, "admin/content/question/import.html", context, status=status)

    def bank_report_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = bank_report_saved()
        ids = dict(Question.objects.values_list("key", "pk"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Bank report: item-writing flaws and figures",
            "report": report,
            "figures": report.lines()[: report.lines().index("Checks:")],
            "flaw_rows": [(flaw, ids.get(flaw.key)) for flaw in report.flaws],
        }
        return TemplateResponse(request, "admin/content/question/bank_report.html", context)

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


@admin.register(Note)
class NoteAdmin(ErrorSummaryAdmin, ControlCharactersRefused, admin.ModelAdmin):
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
class TopicAdmin(ErrorSummaryAdmin, ControlCharactersRefused, admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    list_editable = ("order",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(Source)
class SourceAdmin(ErrorSummaryAdmin, ControlCharactersRefused, admin.ModelAdmin):
    list_display = ("title", "key", "kind")
    search_fields = ("title",)


@admin.register(Misconception)
class MisconceptionAdmin(ErrorSummaryAdmin, ControlCharactersRefused, admin.ModelAdmin):
    list_display = ("name", "key", "trap_count")
    search_fields = ("name", "key", "description")

    def get_queryset(self, request):
        # Meta.ordering is dropped from a GROUP BY query: order again, or the autocomplete pages drift.
        return super().get_queryset(request).annotate(trap_count=Count("questions")).order_by("key")

    @admin.display(description="traps", ordering="trap_count")
    def trap_count(self, misconception: Misconception) -> int:
        return misconception.trap_count


@admin.register(Fact)
class FactAdmin(ErrorSummaryAdmin, ControlCharactersRefused, admin.ModelAdmin):
    list_display = ("key", "text", "note")
    list_filter = (("note__topic", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("key", "text")
    list_select_related = ("note",)
    autocomplete_fields = ("note",)
