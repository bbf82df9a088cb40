"""The admin's error summary: every problem a change form refuses, listed at the top of the form.

Django's admin says only "Please correct the errors below" at the top and puts each message beside
its field or inline, which on a long form (a question's is about 3,000 px) can be far below. The
summary names each problem in words and links to the element that holds it: a field's input, an
inline row, or an inline's whole group for a problem of the set (the key against the statements).
"""

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.text import capfirst


@dataclass(frozen=True)
class ErrorLine:
    text: str
    anchor: str  # the id of the element to move to; empty for a problem of the whole form


def _field_lines(form, *, where: str = "") -> list[ErrorLine]:
    lines = []
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS or name not in form.fields:
            continue
        label = capfirst(form.fields[name].label or name)
        if where:
            label = f"{where}, {label.lower()}"
        lines += [ErrorLine(f"{label}: {message}", form[name].id_for_label or "") for message in errors]
    return lines


def change_form_errors(adminform, inline_admin_formsets) -> list[ErrorLine]:
    """The summary's lines, in the order the form shows them: the form's own, then each inline's."""
    form = adminform.form
    lines = [ErrorLine(str(message), "") for message in form.non_field_errors()]
    lines += _field_lines(form)
    groups = {inline.formset.prefix for inline in inline_admin_formsets}
    for inline in inline_admin_formsets:
        formset = inline.formset
        name = capfirst(formset.model._meta.verbose_name_plural)
        # A set's problem may concern a sibling inline (the choices' check reports statements too):
        # its code names the inline it is about.
        for error in formset.non_form_errors().as_data():
            group = error.code if error.code in groups else formset.prefix
            lines += [ErrorLine(str(message), f"{group}-group") for message in error]
        for number, row in enumerate(formset.forms, start=1):
            where = f"{name}, row {number}"
            lines += [ErrorLine(f"{where}: {message}", row.prefix) for message in row.non_field_errors()]
            lines += _field_lines(row, where=where)
    return lines


class ErrorSummaryAdmin:
    """A ModelAdmin mixin: a change form that refuses a save lists its problems at the top
    (templates/admin/change_form.html renders `error_summary`)."""

    def render_change_form(self, request, context, *args, **kwargs):
        if context.get("errors"):
            context["error_summary"] = change_form_errors(context["adminform"], context["inline_admin_formsets"])
        return super().render_change_form(request, context, *args, **kwargs)
