from django import forms

from quiz.selectors.progress import Scope


class PracticeForm(forms.Form):
    scope = forms.ChoiceField(
        label="Which questions",
        choices=[(Scope.DUE, "Due today"), (Scope.PAPER, "Your last paper's mistakes"), (Scope.EARLY, "Not due yet")],
        initial=Scope.DUE,
        required=False,
        widget=forms.RadioSelect,
    )
    # The paper whose mistakes to practise (Scope.PAPER): its public id, checked to be the student's.
    paper = forms.UUIDField(required=False, widget=forms.HiddenInput)
    size = forms.TypedChoiceField(
        label="Questions in this round",
        choices=[(10, "10"), (20, "20"), (40, "40")],
        coerce=int,
        initial=20,
        help_text="The most urgent first: what you were sure of and got wrong, then lowest box, longest overdue.",
    )
    timed = forms.BooleanField(
        label="Time me at exam pace (72 seconds a question)",
        required=False,
        help_text="Untimed rounds have no clock; one left open closes itself after a day.",
    )

    def __init__(self, *args, counts: dict[str, int] | None = None, paper_title: str = "", **kwargs):
        """`counts`: how many each scope would draw (`progress.practice_counts`); the page offers
        only the scopes with something in them, each with its count."""
        super().__init__(*args, **kwargs)
        if counts is None:
            return
        labels = {
            Scope.DUE: "Due today",
            Scope.PAPER: f"Mistakes of your last paper, {paper_title}",
            Scope.EARLY: "Not due yet: practise early",
        }
        offered = [(scope, f"{labels[scope]} ({counts[scope]})") for scope in Scope.ALL if counts[scope]]
        self.fields["scope"].choices = offered
        if offered:
            self.fields["scope"].initial = offered[0][0]

    def clean_scope(self) -> str:
        return self.cleaned_data["scope"] or Scope.DUE
