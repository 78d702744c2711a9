"""`{{ company.country|country_name }}`: a country named in the page's language."""

from django import template

from ..i18n import country_name as name_of

register = template.Library()


@register.filter
def country_name(country) -> str:
    return name_of(getattr(country, "code", country))
