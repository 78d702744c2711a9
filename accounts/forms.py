import zoneinfo

from babel.core import get_global
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import LazyTypedChoiceField

from .errors import DomainError
from .i18n import country_choices
from .models import Company, CompanySegment, Membership


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)



def _time_zone_choices():
    return [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    country = LazyTypedChoiceField(label=_("Country"), choices=country_choices)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)


def time_zone_of_country(country: str) -> str:
    """The time zone to start a person from `country` on: the portal's default zone when it
    is one of the country's, else the country's zone when all its zones keep the same
    clock now (Singapore, Germany), else UTC rather than a guess (the United States: they
    choose theirs on their profile)."""
    zones = [zone for zone in get_global("territory_zones").get(country, ())
             if zone in zoneinfo.available_timezones()]
    if settings.DEFAULT_USER_TIME_ZONE in zones:
        return settings.DEFAULT_USER_TIME_ZONE
    now = timezone.now()
    if zones and len({now.astimezone(zoneinfo.ZoneInfo(z)).utcoffset() for z in zones}) == 1:
        return zones[0]
    return "Etc/UTC"


class SignupForm(forms.Form):
    """allauth's sign-up asks for the country too: support hours depend on it (2.2)."""

    country = LazyTypedChoiceField(
        label=_("Country"), choices=lambda: [("", "—"), *country_choices()],
        help_text=_("Support hours depend on your country."),
    )

    def signup(self, request, user):
        user.country = self.cleaned_data["country"]
        user.time_zone = time_zone_of_country(user.country.code)
        user.save(update_fields=["country", "time_zone"])


class CompanyRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    country = LazyTypedChoiceField(label=_("Country"), choices=country_choices)
    segment = forms.ChoiceField(label=_("Size"), choices=CompanySegment)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the company's name."))
        return name


class CompanyNameForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name"]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role,
                             initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role)


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, e.g. the script that uses it."))


class EraseAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput,
                               max_length=256)
    confirm = forms.BooleanField(
        label=_("I understand that my personal data will be erased and I will be signed out.")
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form, next to the input it is about (or above the
    form when that input is not one of the form's fields): the same sentence the API gives.
    A refusal carrying `errors` by field (an intake's) shows every one of them, except on
    a field the form itself already found wrong (that input never reached the service)."""
    for field, messages in (getattr(error, "errors", None) or {error.field: [error.message]}
                            ).items():
        target = field if field in form.fields else None
        if target is not None and target in form.errors:
            continue
        for message in messages:
            form.add_error(target, message)
