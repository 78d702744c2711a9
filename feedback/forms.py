from django import forms
from django.utils.translation import gettext_lazy as _

from .answering import InvalidAnswers, clean_answers
from .models import COMMENT_MAX_LENGTH, Question

YES, NO = "yes", "no"
REQUIRED = {"required": _("Please answer this question.")}


def _to_bool(value):
    return {YES: True, NO: False}.get(value)


class SurveyForm(forms.Form):
    """The questions of one survey, as asked; validation is `answering.clean_answers`."""

    def __init__(self, questions: list[Question], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[question.code] = self._field_for(question)

    @staticmethod
    def _field_for(question: Question) -> forms.Field:
        scale = question.scale
        label = question.localized_text
        if scale.kind == "scale":
            field = forms.TypedChoiceField(
                label=label, required=question.is_required, coerce=int, empty_value=None,
                error_messages=REQUIRED,
                choices=[(n, str(n)) for n in range(scale.minimum, scale.maximum + 1)],
                widget=forms.RadioSelect,
            )
            field.low_label = question.localized_low_label
            field.high_label = question.localized_high_label
            field.scale_kind = "scale"
            return field
        if scale.kind == "yes_no":
            field = forms.TypedChoiceField(
                label=label, required=question.is_required, coerce=_to_bool, empty_value=None,
                error_messages=REQUIRED,
                choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect,
            )
            field.scale_kind = "yes_no"
            return field
        field = forms.CharField(
            label=label, required=question.is_required, max_length=COMMENT_MAX_LENGTH,
            error_messages=REQUIRED,
            widget=forms.Textarea(attrs={"rows": 5}),
        )
        field.scale_kind = "text"
        return field

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.answers = clean_answers(self.questions, cleaned)
        except InvalidAnswers as exc:
            for field, messages in exc.errors.items():
                self.add_error(None if field not in self.fields else field, messages)
        return cleaned


def api_data_to_form(data) -> dict:
    """JSON answers as form data: booleans as yes / no, numbers as they are."""
    out = {}
    for key, value in (data or {}).items():
        if isinstance(value, bool):
            out[key] = YES if value else NO
        elif value is None:
            continue
        else:
            out[key] = value
    return out
