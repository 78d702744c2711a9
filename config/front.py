"""`/`: the front page for visitors, and the way in for people signed in.

It lives in `config` because it shows every app's public facts at once: what Standard
Support covers and does not (licensing's categories), self-help and support hours (the
helpdesk), and the Support Rules. Everything on it comes from the data staff keep.
"""

from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django import forms
from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django_countries.fields import LazyTypedChoiceField

from accounts.i18n import country_choices, country_name
from accounts.models import Segment
from helpdesk.selfhelp.services import resources_for
from helpdesk.sla.calendars import calendar_for, hours_for_workspace
from licensing.models import RequestCategory


class HoursForm(forms.Form):
    """Whose support hours to show (clause 2.2): a visitor picks their country and kind of
    solution; the page opens on the portal's default country for home users."""

    country = LazyTypedChoiceField(label=_("Country"), choices=country_choices,
                                   required=False)
    segment = forms.ChoiceField(label=_("Kind of solution"), choices=Segment.choices,
                                required=False)


@dataclass(frozen=True)
class Visitor:
    """What the hours and self-help services read from a workspace, for someone who has
    none: a country, a segment, and the clock of the calendar that serves them."""

    country: str
    segment: str
    time_zone: str = ""

    @property
    def is_home(self) -> bool:
        return self.segment == Segment.HOME

    @property
    def user(self):
        return self


def _hours(country: str, segment: str) -> dict | None:
    """The hours of the calendar that serves (country, segment), on that calendar's own
    clock: a visitor's time zone is not known."""
    calendar = calendar_for(country, segment)
    if calendar is None:
        return None
    return hours_for_workspace(Visitor(country, segment, calendar.time_zone))


def front_page(request):
    if request.user.is_authenticated:
        return redirect(get_adapter(request).get_login_redirect_url(request))
    form = HoursForm(request.GET or None)
    country, segment = settings.DEFAULT_COUNTRY, Segment.HOME
    if form.is_bound and form.is_valid():
        country = form.cleaned_data["country"] or country
        segment = form.cleaned_data["segment"] or segment
    else:
        form = HoursForm(initial={"country": country, "segment": segment})
    categories = list(RequestCategory.objects.listed())
    return render(request, "front_page.html", {
        "covered": [c for c in categories if c.in_scope],
        "not_covered": [c for c in categories if not c.in_scope],
        "resource_lists": [
            (Segment.HOME.label, resources_for(Visitor(country, Segment.HOME))),
            (_("Business"), resources_for(Visitor(country, Segment.SMALL_BUSINESS))),
        ],
        "hours_form": form,
        "hours": _hours(country, segment),
        "hours_country": country_name(country),
        "hours_segment": Segment(segment).label,
    })
