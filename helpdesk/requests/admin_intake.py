"""Phone intake in the admin: staff file a request for a customer under the same Support
Rules, through the same intake as the portal and the API."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.forms import add_domain_error
from accounts.models import Company
from licensing import intake
from licensing.models import OperatingSystem, Product, RequestCategory

from . import filing
from .models import Priority
from .transitions import MAX_BODY, MAX_SUBJECT


class IntakeForm(forms.Form):
    """Staff file a request for a customer on the phone, under the same rules and through
    the same intake as the portal and the API (`filing.parse_request`)."""

    customer = forms.EmailField(label=_("Customer's email"))
    company = forms.ModelChoiceField(label=_("Company"), required=False,
                                     queryset=Company.objects.all(),
                                     help_text=_("Empty for the customer's home workspace."))
    category = forms.CharField(label=_("Category"), required=False, widget=forms.Select)
    product = forms.CharField(label=_("Product"), required=False, widget=forms.Select)
    version = forms.CharField(label=_("Version"), required=False,
                              max_length=intake.MAX_VERSION_LENGTH)
    os = forms.CharField(label=_("Platform"), required=False, widget=forms.Select(
        choices=[("", "---------"), *OperatingSystem.choices]))
    os_version = forms.CharField(label=_("Platform version"), required=False,
                                 max_length=intake.MAX_VERSION_LENGTH)
    licence_key = forms.CharField(label=_("Activation code"), required=False,
                                  max_length=intake.MAX_KEY_INPUT_LENGTH)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=MAX_SUBJECT)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea, max_length=MAX_BODY)
    priority = forms.CharField(label=_("Priority"), required=False, initial=Priority.NORMAL,
                               widget=forms.Select(choices=Priority.choices))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.intake = None
        categories = list(RequestCategory.objects.listed().order_by("-in_scope", "position",
                                                                    "code"))
        products = list(Product.objects.listed().with_catalogue().order_by("name"))
        self.catalogue = intake.Catalogue(user, products=products, categories=categories)
        self.fields["category"].widget.choices = [("", "---------")] + [
            (c.code, f"{c.clause} {c.localized_name}") for c in categories]
        self.fields["product"].widget.choices = [("", "---------")] + [
            (p.code, p.name) for p in products]

    def clean_customer(self):
        user = get_user_model().objects.filter(
            email__iexact=self.cleaned_data["customer"].strip()).first()
        if user is None:
            raise forms.ValidationError(_("No user has this email address."))
        return user

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            workspace = filing.customer_workspace(data["customer"], data.get("company"))
            self.intake = filing.parse_request(data, workspace=workspace,
                                               catalogue=self.catalogue)
        except DomainError as exc:
            add_domain_error(self, exc)
        return data


