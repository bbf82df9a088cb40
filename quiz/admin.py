"""Quiz authoring, students' extra time, and attempts (read-only: they are history).

The question list's "Add to quiz…" action lives here, not in content/admin.py: content never
imports quiz, so this app extends the question admin with it and registers that in its place.
"""

from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from config.admin_errors import ErrorSummaryAdmin
from config.spreadsheets import csv_writer
from content import lint
from content.admin import QuestionAdmin
from content.inputs import ControlCharactersRefused
from content.models import Question
from content.rules import Kind
from content.selectors import fact_texts, giveaway_pairs
from quiz import policy
from quiz.models import Answer, Attempt, AttemptQuestion, ExtraTime, Quiz, QuizQuestion, ReviewCard
from quiz.services import regrade as regrading
from quiz.services.quizzes import Appended, quiz_questions_append

RULE_HEADING = "Drawing rule (used when the selection is a rule)"


class _QuestionOnTheList(AutocompleteSelect):
    """The fixed list's question picker, naming a row's question from the rows' own query.

    Django's autocomplete looks up each row's chosen question by itself: a 22-question list took 57
    queries. The formset below hands every row the questions it loaded; a row whose choice it did
    not load (a form sent back with errors) asks the database as before.
    """

    known: dict[str, Question] = {}

    def optgroups(self, name, value, attr=None):
        chosen = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if not all(pk in self.known for pk in chosen):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for pk in chosen:
            label = self.choices.field.label_from_instance(self.known[pk])
            options.append(self.create_option(name, self.known[pk].pk, label, True, len(options)))
        return [(None, options, 0)]


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    extra = 0
    autocomplete_fields = ["question"]
    ordering = ["order"]
    verbose_name = "question on the fixed list"
    verbose_name_plural = "Fixed list of questions (used when selection is 'fixed')"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "question":
            kwargs["widget"] = _QuestionOnTheList(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        class Rows(super().get_formset(request, obj, **kwargs)):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                known = {str(form.instance.question_id): form.instance.question for form in self.initial_forms}
                for form in self.forms:
                    picker = form.fields["question"].widget
                    getattr(picker, "widget", picker).known = known

        return Rows


class QuizAdminForm(forms.ModelForm):
    """A quiz made sealed (explanations only after it closes) gets `policy.sealed_defaults` in the
    fields its author left at their defaults; a value the author gives wins."""

    class Meta:
        model = Quiz
        fields = ["explanations", "attempts_allowed", "exam_conditions"]  # the admin adds its fieldsets' own
        help_texts = {
            "attempts_allowed": "Empty: unlimited. A quiz whose explanations show only after it closes gets 1 "
            "unless you give a number.",
            "exam_conditions": "Closed book: while a student's paper of this quiz runs, the study notes are closed "
            "to them. On by default for a quiz whose explanations show only after it closes (a live mock).",
        }

    def clean(self):
        cleaned = super().clean()
        explanations = cleaned.get("explanations")
        if explanations and (self.instance._state.adding or "explanations" in self.changed_data):
            for name, value in policy.sealed_defaults(explanations).items():
                left_as_default = cleaned.get(name) == Quiz._meta.get_field(name).get_default()
                if name in self.fields and name not in self.changed_data and left_as_default:
                    cleaned[name] = value
        return cleaned


@admin.register(Quiz)
class QuizAdmin(ErrorSummaryAdmin, ControlCharactersRefused, admin.ModelAdmin):
    form = QuizAdminForm
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
        "item_analysis",
    ]
    list_filter = ["is_published", "selection", "explanations", "exam_conditions"]
    list_editable = ["is_published"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["rule_topics", "rule_sources"]
    inlines = [QuizQuestionInline]
    actions = ["regrade"]
    readonly_fields = ["item_analysis", "paper_checks"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "instructions", "position", "is_published", "item_analysis"]}),
        (
            "Time",
            {
                "fields": ["time_limit", "seconds_per_question"],
                "description": "Give one of the two, or neither for a live mock with a common start (below).",
            },
        ),
        (
            "Live mock: a common start",
            {
                "fields": ["starts_at", "lobby_minutes"],
                "description": "Every paper starts at the common start and ends at the close (under Sitting), "
                "plus each student's extra time; a student who joins late gets the time that is left. The key "
                "and every score, with the all-India rank, appear at the close. Needs explanations only after "
                "it closes, a close, and no opening.",
            },
        ),
        ("Marking", {"fields": ["marks_per_correct", "penalty_numerator", "penalty_denominator"]}),
        (
            "Questions",
            {
                "fields": ["selection"],
                "description": "A rule draws published questions when a student starts; a fixed quiz uses the list.",
            },
        ),
        (
            RULE_HEADING,
            {
                "fields": [
                    "rule_topics",
                    "rule_sources",
                    ("rule_difficulty_min", "rule_difficulty_max"),
                    "rule_traps_only",
                    "rule_count",
                ],
                "classes": ["rule-fields"],
            },
        ),
        (
            "Sitting",
            {
                "fields": [
                    "shuffle_options",
                    "attempts_allowed",
                    "explanations",
                    "opens_at",
                    "closes_at",
                    "exam_conditions",
                ]
            },
        ),
        (
            "Paper checks",
            {
                "fields": ["paper_checks"],
                "description": "The bank checker on this quiz's paper (python manage.py lint_bank for the whole bank).",
            },
        ),
    ]

    class Media:
        # Shows the rule or the fixed list as the selection changes (CSP: our own file, no inline script).
        js = ("js/admin-quiz.js",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(attempt_count=Count("attempts"))

    def _selection(self, request, obj) -> str:
        """The selection the form shows: as posted (a refused save), else as saved, else as asked."""
        for value in (request.POST.get("selection"), obj and obj.selection, request.GET.get("selection")):
            if value in Quiz.Selection.values:
                return value
        return Quiz._meta.get_field("selection").get_default()

    def get_fieldsets(self, request, obj=None):
        # The part the selection does not use is folded away under its heading (and hidden by
        # static/js/admin-quiz.js), not left out: its fields stay on the form, so switching a
        # quiz's selection and its rule or list is one save.
        fieldsets = super().get_fieldsets(request, obj)
        if self._selection(request, obj) == Quiz.Selection.RULE:
            return fieldsets
        return [
            (name, {**options, "classes": [*options["classes"], "collapse"]})
            if name == RULE_HEADING
            else (name, options)
            for name, options in fieldsets
        ]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if self._selection(request, obj) == Quiz.Selection.RULE:
            for inline in inlines:
                inline.classes = ["collapse"]  # instances are made per request
        return inlines

    def get_changeform_initial_data(self, request):
        # A new quiz goes last, so it does not jump above the quizzes students already see first.
        last = Quiz.objects.filter(is_practice=False).aggregate(last=Max("position"))["last"]
        return {"position": 0 if last is None else last + 1, **super().get_changeform_initial_data(request)}

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_practice:
            # Practice rounds are drawn from each student's cards, open all the time, never listed.
            readonly += [
                "is_published",
                "selection",
                "attempts_allowed",
                "explanations",
                "opens_at",
                "closes_at",
                "exam_conditions",
                "starts_at",
                "lobby_minutes",
            ]
        return readonly

    @admin.display(description="time")
    def timing(self, quiz: Quiz) -> str:
        if quiz.is_scheduled:
            return f"live: {int(quiz.time_for(0).total_seconds() // 60)} min from the common start"
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

    @admin.display(description="item analysis")
    def item_analysis(self, quiz: Quiz) -> str:
        if quiz.pk is None:
            return "-"
        return format_html('<a href="{}">Statistics per question</a>', reverse("quiz_stats", args=[quiz.slug]))

    @admin.display(description="paper checks")
    def paper_checks(self, quiz: Quiz) -> str:
        """What the checker says of the paper: its mix of kinds, and questions that give each other away."""
        if quiz.pk is None or quiz.is_practice:
            return "-"
        if quiz.selection == Quiz.Selection.FIXED:
            questions = Question.objects.published().filter(pk__in=quiz.quiz_questions.values("question"))
            items = [lint.item_from_question(q) for q in questions.with_bank_fields()]
            kinds = Counter(item.kind for item in items)
            mix = ", ".join(f"{Kind(kind).label} {count}" for kind, count in sorted(kinds.items()))
            lines = [f"{len(items)} published questions: {mix}"]
            flaws = lint.paper_flaws(items)
            lines += [str(flaw) for flaw in flaws] or ["No question on the paper gives another away."]
            texts = fact_texts(set().union(*(item.tests | item.reveals for item in items)))
            forms = lint.fact_forms(items, fact_texts=texts, weights=lint.word_weights(items))
            lines += [
                f"{fact}: stated true {t} time(s) and false {f} time(s); the form that repeats tells a reader "
                "which is true."
                for fact, (t, f) in sorted(lint.lopsided_facts(forms).items())
            ]
        else:
            pool = list(Question.objects.filter(quiz.draw_filter()).values_list("pk", flat=True))
            pairs = giveaway_pairs(pool)
            lines = [
                f"{len(pool)} published questions match the rule; {len(pairs)} pair(s) of them give each other "
                "away, and the draw never sets both on one paper."
            ]
        return format_html_join("", "<p>{}</p>", ((line,) for line in lines))

    @admin.action(description="Regrade closed attempts (shows a dry run first)", permissions=["change"])
    def regrade(self, request, queryset):
        """Recompute stored marks from the key as it is now: a dry run, then apply on confirmation."""
        if request.POST.get("apply") == "yes":
            changes = regrading.attempts_regrade(quizzes=queryset, apply=True)
            for quiz in queryset:
                count = sum(1 for change in changes if change.attempt.quiz_id == quiz.pk)
                self.log_change(request, quiz, f"Regraded: {count} attempt(s) changed.")
            self.message_user(
                request,
                f"Regraded {len(changes)} attempt{'s' if len(changes) != 1 else ''} of "
                f"{', '.join(q.title for q in queryset)}; the others already matched the key.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Regrade closed attempts: dry run",
            "opts": self.model._meta,
            "quizzes": list(queryset),
            "changes": (changes := regrading.attempts_regrade(quizzes=queryset, apply=False)),
            "elsewhere": regrading.regrade_elsewhere(regrades=changes, quizzes=queryset),
            "closed": Attempt.objects.closed().filter(quiz__in=queryset).count(),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/quiz/quiz/regrade.html", context)


@admin.register(ExtraTime)
class ExtraTimeAdmin(ErrorSummaryAdmin, ControlCharactersRefused, admin.ModelAdmin):
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
    fields = ["position", "question", "version", "choice_order"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "version")


class _ReadOnlyAdmin(admin.ModelAdmin):
    """History the app writes: staff read it, nobody edits or adds it by hand."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


ATTEMPT_CSV_COLUMNS = [
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


def _local(moment) -> str:
    return "" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"


def attempt_csv_row(attempt: Attempt) -> list:
    """An attempt as a row of ATTEMPT_CSV_COLUMNS: times local, blanks for what it does not have yet."""
    accuracy = attempt.accuracy
    return [
        attempt.public_id,
        attempt.user.username,
        attempt.quiz.slug,
        attempt.number,
        attempt.status,
        _local(attempt.started_at),
        _local(attempt.deadline),
        _local(attempt.submitted_at),
        "" if attempt.time_taken is None else round(attempt.time_taken.total_seconds()),
        attempt.question_count,
        attempt.correct_count,
        attempt.wrong_count,
        attempt.blank_count,
        "" if attempt.score is None else attempt.score,
        "" if attempt.max_score is None else attempt.max_score,
        "" if accuracy is None else f"{float(accuracy) * 100:.1f}",
    ]


@admin.register(Attempt)
class AttemptAdmin(_ReadOnlyAdmin):
    """History: students' sittings are never edited by hand (the quiz's Regrade action recomputes marks).

    Export CSV (top right) writes the filtered list.
    """

    change_list_template = "admin/quiz/attempt/change_list.html"
    list_display = ["__str__", "status", "score", "max_score", "started_at", "submitted_at", "result_link"]
    list_filter = ["status", "quiz", ("user", admin.RelatedOnlyFieldListFilter), "started_at"]
    search_fields = ["user__username", "quiz__title", "public_id"]
    list_select_related = ["user", "quiz"]
    date_hierarchy = "started_at"
    inlines = [AttemptQuestionInline, AnswerInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        export = path("export/", self.admin_site.admin_view(self.export_view), name="quiz_attempt_export")
        return [export, *super().get_urls()]

    def export_view(self, request):
        """The changelist as filtered, searched and ordered (its query string), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            attempts = self.get_changelist_instance(request).queryset
        except IncorrectLookupParameters:
            return redirect(f"{reverse('admin:quiz_attempt_changelist')}?e=1")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="attempts-{timezone.localdate():%Y-%m-%d}.csv"'
        writer = csv_writer(response)
        writer.writerow(ATTEMPT_CSV_COLUMNS)
        writer.writerows(attempt_csv_row(attempt) for attempt in attempts.iterator(chunk_size=500))
        return response

    def lookup_allowed(self, lookup, value, request=None):
        # A question's admin page links each of its versions to the attempts that pinned it.
        return lookup == "items__version__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="result")
    def result_link(self, attempt: Attempt) -> str:
        return format_html('<a href="{}">view</a>', reverse("attempt_result", args=[attempt.public_id]))


@admin.register(ReviewCard)
class ReviewCardAdmin(_ReadOnlyAdmin):
    """Students' 'Practise my mistakes' schedule: grading moves the cards."""

    list_display = ["user", "question", "box", "due_on", "misses", "last_seen_at"]
    list_filter = ["box", "due_on"]
    search_fields = ["user__username", "question__key"]
    list_select_related = ["user", "question"]


def _questions(count: int) -> str:
    return f"{count} question{'s' if count != 1 else ''}"


def appended_message(*, quiz: Quiz, appended: Appended) -> str:
    parts = [
        f"Added {_questions(len(appended.added))} to “{quiz.title}”"
        + (f", at the end: {', '.join(appended.added)}" if appended.added else "")
        + f". It now has {_questions(appended.total)}."
    ]
    if appended.already_on:
        parts.append(f"Skipped {len(appended.already_on)} already on it: {', '.join(appended.already_on)}.")
    if appended.unpublished:
        parts.append(
            f"Skipped {len(appended.unpublished)} not published (publish them first): "
            f"{', '.join(appended.unpublished)}."
        )
    return " ".join(parts)


class AddToQuizForm(forms.Form):
    quiz = forms.ModelChoiceField(
        queryset=Quiz.objects.filter(selection=Quiz.Selection.FIXED, is_practice=False),
        label="Quiz",
        empty_label=None,
        help_text="Only fixed quizzes take a list; a rule quiz draws its questions when a student starts.",
    )


class QuizzableQuestionAdmin(QuestionAdmin):
    """The question admin, with an action that puts the selected questions on a fixed quiz."""

    actions = (*QuestionAdmin.actions, "add_to_quiz")

    def has_add_to_quiz_permission(self, request) -> bool:
        return request.user.has_perm("quiz.change_quiz")

    @admin.action(description="Add to quiz…", permissions=["add_to_quiz"])
    def add_to_quiz(self, request, queryset):
        """Choose a fixed quiz on a page of its own (as Delete asks), then append the selection."""
        form = AddToQuizForm(request.POST if "quiz" in request.POST else None)
        if form.is_valid():
            quiz = form.cleaned_data["quiz"]
            appended = quiz_questions_append(quiz=quiz, questions=queryset)
            if appended.added:
                # In the quiz's history (the entry names its object), where its list is edited.
                self.log_change(request, quiz, f"Added to the fixed list: {', '.join(appended.added)}.")
            level = messages.SUCCESS if appended.added else messages.WARNING
            self.message_user(request, appended_message(quiz=quiz, appended=appended), level)
            return None
        questions = list(queryset.select_related(None).only("pk", "key", "stem", "status"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Add questions to a quiz",
            "opts": self.model._meta,
            "form": form,
            "questions": questions,
            "published": sum(1 for question in questions if question.status == Question.Status.PUBLISHED),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/content/question/add_to_quiz.html", context)


admin.site.unregister(Question)
admin.site.register(Question, QuizzableQuestionAdmin)
