from django import forms


class PracticeForm(forms.Form):
    size = forms.TypedChoiceField(
        label="Questions in this round",
        choices=[(10, "10"), (20, "20"), (40, "40")],
        coerce=int,
        initial=20,
        help_text="The most urgent first: lowest box, longest overdue.",
    )
    timed = forms.BooleanField(
        label="Time me at exam pace (72 seconds a question)",
        required=False,
        help_text="Untimed rounds have no clock; one left open closes itself after a day.",
    )
