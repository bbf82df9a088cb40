import unicodedata

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator


class _UsernameAtMostItsLength:
    """Refuse a username longer than any account's as a form error, before anything is looked up.

    AuthenticationForm sets the field's max_length after the field is built, so Django never adds the
    validator: a 2 MB username would reach authenticate(), and django-axes would store it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(_UsernameAtMostItsLength, AuthenticationForm):
    pass


class AdminLoginForm(_UsernameAtMostItsLength, AdminAuthenticationForm):
    pass


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
        labels = {"email": "Email (optional)"}
        help_texts = {
            "username": "Up to 150 characters: English letters, digits and @ . + - _ only.",
            "email": "Only used to send you a link to reset your password if you forget it. Leave it empty if you "
            "like: then only your institute's admin can reset it.",
        }

    def validate_password_for_user(self, user, password_field_name="password1"):  # noqa: S107 (a field's name)
        # Django puts a weak password's errors under the confirmation, where nobody looks for them: they
        # are about the password, so they show at it. A mismatch stays at the confirmation.
        super().validate_password_for_user(user, password_field_name)

    def clean_email(self):
        email = get_user_model().objects.normalize_email(self.cleaned_data.get("email") or "")
        if email and get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "Another account already uses this email address. Use a different one, or leave it empty. If the "
                "account is yours, reset its password from the log-in page.",
                code="email_taken",
            )
        return email

    def clean_username(self):
        # Letters from other alphabets can look exactly like ours (Cyrillic U+0435 and Latin e), so a look-alike
        # of someone's username could be registered and pass for them. Django's own case-insensitive
        # check (the parent's) then refuses "Asha" beside "asha".
        username = self.cleaned_data.get("username") or ""
        foreign = list(dict.fromkeys(character for character in username if not character.isascii()))
        if foreign:
            raise ValidationError(
                "Use only English letters (a-z, A-Z), digits and @ . + - _ in a username. "
                + " ".join(_why_not(characters, kind) for kind, characters in _by_kind(foreign[:3]).items()),
                code="not_ascii",
            )
        return super().clean_username()


# Why a character outside ASCII may not be in a username, by its Unicode category's first letter:
# a letter, mark or digit of another script can pass for ours; a format character (a zero-width
# space, a direction override) or a space of another kind cannot be seen at all.
_WHY = {
    "look-alike": (
        "from another alphabet and may look like an English letter, so the name could pass for someone else's."
    ),
    "invisible": "invisible or a space, so the name could pass for someone else's.",
    "other": "not a letter or digit a username may hold.",
}


def _by_kind(characters: list[str]) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {}
    for character in characters:
        category = unicodedata.category(character)
        kind = "look-alike" if category[0] in "LMN" else "invisible" if category[0] in "CZ" else "other"
        kinds.setdefault(kind, []).append(character)
    return kinds


def _why_not(characters: list[str], kind: str) -> str:
    named = ", ".join(f"“{c}” ({unicodedata.name(c, f'U+{ord(c):04X}').lower()})" for c in characters)
    return f"{named} {'is' if len(characters) == 1 else 'are'} {_WHY[kind]}"


class ResetPasswordForm(SetPasswordForm):
    """Choosing a new password from a reset link: each error at the field it is about, as at sign-up."""

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return super(SetPasswordForm, self).clean()
