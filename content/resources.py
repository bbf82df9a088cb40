"""The question bank as a django-import-export resource, for import and export in the admin.

Columns are exactly the bank schema (`content.bank.QUESTION_FIELDS`); the nested ones
(statements, choices, note) travel as JSON text so that CSV and spreadsheets carry them too.
Every imported row goes through the same parser and rules as `load_bank`.
"""

import json

from django.core.exceptions import ValidationError
from import_export import fields, resources

from content.bank import (
    QUESTION_FIELDS,
    BankError,
    question_fill,
    question_options_save,
    question_parse,
    question_to_dict,
)
from content.models import Question
from content.services import question_version_current

_NESTED = ("statements", "choices", "note", "tests", "reveals")
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


def _cell_to_value(name: str, value):
    """Undo what a spreadsheet or CSV does to a bank value; leave anything odd for the parser to reject."""
    if name in _NESTED and isinstance(value, str):
        if name == "note" and not value.strip().startswith("{"):
            return value.strip()
        try:
            return json.loads(value or "[]")
        # ValueError covers JSONDecodeError and an integer too long to convert; RecursionError, nesting.
        except (ValueError, RecursionError):
            raise ValidationError({name: f"{name} must be JSON, as the export writes it"}) from None
    if name in ("is_trap",) and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if name == "difficulty":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
    if value is None and name in ("trap_note", "explanation", "accepted_flaws"):
        return ""
    return value


class QuestionResource(resources.ModelResource):
    topic = fields.Field(column_name="topic")
    statements = fields.Field(column_name="statements")
    choices = fields.Field(column_name="choices")
    note = fields.Field(column_name="note")
    misconception = fields.Field(column_name="misconception")
    tests = fields.Field(column_name="tests")
    reveals = fields.Field(column_name="reveals")

    class Meta:
        model = Question
        fields = QUESTION_FIELDS
        export_order = QUESTION_FIELDS
        import_id_fields = ("key",)
        clean_model_instances = False

    def dehydrate_topic(self, question: Question) -> str:
        return question.topic.slug

    def dehydrate_statements(self, question: Question) -> str:
        return json.dumps(question_to_dict(question)["statements"], ensure_ascii=False)

    def dehydrate_choices(self, question: Question) -> str:
        return json.dumps(question_to_dict(question)["choices"], ensure_ascii=False)

    def dehydrate_note(self, question: Question) -> str:
        return json.dumps(question_to_dict(question)["note"], ensure_ascii=False)

    def dehydrate_misconception(self, question: Question) -> str:
        return question.misconception.key if question.misconception else ""

    def dehydrate_tests(self, question: Question) -> str:
        return json.dumps(question_to_dict(question)["tests"])

    def dehydrate_reveals(self, question: Question) -> str:
        return json.dumps(question_to_dict(question)["reveals"])

    def import_instance(self, instance: Question, row, **kwargs) -> None:
        data = {name: _cell_to_value(name, row.get(name)) for name in QUESTION_FIELDS if name in row}
        try:
            parsed = question_parse(data)
            question_fill(question=instance, data=parsed)
        except BankError as error:
            raise ValidationError({(error.field or "key").split(".")[0]: error.message}) from None
        instance._bank_data = parsed

    def after_save_instance(self, instance: Question, row, **kwargs) -> None:
        try:
            question_options_save(question=instance, data=instance._bank_data)
        except BankError as error:
            raise ValidationError({error.field or "key": error.message}) from None
        question_version_current(question=instance)
