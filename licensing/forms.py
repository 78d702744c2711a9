from django import forms
from django.utils.translation import gettext_lazy as _

from .keys import KEY_FORMAT
from .models import PaidService, RequestCategory
from .quotes import QUOTE_MESSAGE_MAX


class ClaimLicenceForm(forms.Form):
    licence_key = forms.CharField(
        label=_("Activation code"), max_length=100,
        help_text=_("As on your order: %(form)s. Case, spaces and dashes do not matter.")
        % {"form": KEY_FORMAT},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "placeholder": KEY_FORMAT}),
    )


class QuoteRequestForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=PaidService.objects.none(),
                                     to_field_name="code", empty_label=None)
    message = forms.CharField(label=_("What do you need?"), max_length=QUOTE_MESSAGE_MAX,
                              widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ModelChoiceField(queryset=RequestCategory.objects.listed(),
                                      to_field_name="code", required=False,
                                      widget=forms.HiddenInput)
    clause = forms.CharField(max_length=16, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = PaidService.objects.offered_in(country)
        self.fields["service"].label_from_instance = lambda service: service.localized_name
