"""The admin's question import: the upload, and the confirmation that brings the file back.

Nothing is kept on the server between the preview and the confirmation, so any app instance can
take either request: the preview page carries the file's text in its confirmation form, signed
with SECRET_KEY (the same on every instance), and the confirmation reads it back only if the
signature holds, for the same user, within the hour.
"""

from datetime import timedelta
from pathlib import Path

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError

from content.bank import BANK_SUFFIXES
from content.inputs import control_character_index

IMPORT_SALT = "content.forms.question-import"
# The whole shipped bank exports to about 280 kB. The confirmation posts the text back as an
# ordinary field, compressed and signed: 1 MB stays under Django's DATA_UPLOAD_MAX_MEMORY_SIZE
# (2.5 MB) even for text that does not compress.
IMPORT_MAX_BYTES = 1_000_000
IMPORT_MAX_AGE = timedelta(hours=1)


class BankUploadForm(forms.Form):
    file = forms.FileField(
        label="Question file",
        help_text="YAML (.yaml, .yml) or JSON (.json): a list of questions, as Export bank file writes it and "
        "content/bank/questions/ holds them. Up to 1 MB.",
    )

    def clean_file(self) -> tuple[str, str]:
        """The file's name and its text."""
        upload = self.cleaned_data["file"]
        name = Path(upload.name).name
        if Path(name).suffix not in BANK_SUFFIXES:
            raise ValidationError(f"{name}: a bank file ends in .yaml, .yml or .json.")
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(
                f"{name}: {upload.size:,} bytes, more than the import takes ({IMPORT_MAX_BYTES:,}): split it, "
                "or load it with `manage.py load_bank`."
            )
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(f"{name}: not UTF-8 text.") from None
        # A control character typed into the file (an escaped one, "\0" or "\u0000", is refused
        # with the loader's message, naming its question and field).
        index = control_character_index(text, multiline=True)
        if index is not None:
            line, column = text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)
            raise ValidationError(
                f"{name}: line {line}, column {column}: control character U+{ord(text[index]):04X}; remove it "
                "(only tabs and line breaks may lay out text)."
            )
        return name, text


def import_payload(*, name: str, text: str, user) -> str:
    """A file's name and text, signed for `user`'s confirmation form."""
    return signing.dumps({"name": name, "text": text, "user": user.pk}, salt=IMPORT_SALT, compress=True)


class BankConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_payload(self) -> tuple[str, str]:
        """The previewed file's name and text, exactly as previewed."""
        try:
            data = signing.loads(self.cleaned_data["payload"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
        except signing.SignatureExpired:
            raise ValidationError(
                "This preview is more than an hour old. Nothing was imported: upload the file again."
            ) from None
        except signing.BadSignature:
            data = None
        if not isinstance(data, dict) or data.get("user") != self.user.pk:
            raise ValidationError(
                "This confirmation is not the file you previewed: it was altered on the way. Nothing was "
                "imported: upload the file again."
            )
        return data["name"], data["text"]
