import unicodedata

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
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
        fields = ("username",)
        help_texts = {"username": "Up to 150 characters: English letters, digits and @ . + - _ only."}

    def clean_username(self):
        # Letters from other alphabets can look exactly like ours (Cyrillic U+0435 and Latin e), so a look-alike
        # of someone's username could be registered and pass for them. Django's own case-insensitive
        # check (the parent's) then refuses "Asha" beside "asha".
        username = self.cleaned_data.get("username") or ""
        foreign = list(dict.fromkeys(character for character in username if not character.isascii()))
        if foreign:
            named = ", ".join(f"“{c}” ({unicodedata.name(c, 'unnamed').lower()})" for c in foreign[:3])
            raise ValidationError(
                f"Use only English letters (a-z, A-Z), digits and @ . + - _ in a username. {named} "
                f"{'is' if len(foreign) == 1 else 'are'} from another alphabet and may look like an English "
                "letter, so the name could pass for someone else's.",
                code="not_ascii",
            )
        return super().clean_username()
