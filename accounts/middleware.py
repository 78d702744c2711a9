import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

from .text_input import InvalidText, invalid_field_in_urlencoded


class UserPreferencesMiddleware:
    """A signed-in user sees pages in their own language and time zone.

    Runs after LocaleMiddleware (which picked the cookie or Accept-Language for visitors)
    and after authentication; the language switch saves the choice on the user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE))
            if user.language in dict(settings.LANGUAGES):
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            timezone.deactivate()
        return self.get_response(request)


class InvalidTextMiddleware:
    """Query strings and form posts that are not UTF-8 answer 400 naming the field
    (`accounts.text_input`); Django would otherwise swap the bytes for "\ufffd" silently.

    Runs after the language is chosen, so the error is in the reader's language.
    """

    FORM = "application/x-www-form-urlencoded"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        try:
            raw_query = query.encode("iso-8859-1")  # WSGI's way of carrying the bytes
        except UnicodeEncodeError:
            raw_query = query.encode("utf-8", "surrogatepass")
        field = invalid_field_in_urlencoded(raw_query)
        if field is None and request.content_type == self.FORM:
            field = invalid_field_in_urlencoded(request.body)
        if field is not None:
            raise InvalidText(field)
        return self.get_response(request)
