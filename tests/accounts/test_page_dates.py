"""`PageDates` writes a page's dates exactly as the `date` filter would, in each language
and on the reader's clock, only once per page instead of once per cell."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from accounts.i18n import PageDates

MOMENTS = [datetime(2028, 4, 6, 6, 5, tzinfo=UTC), datetime(2027, 12, 31, 23, 59, tzinfo=UTC),
           datetime(2026, 1, 1, 0, 0, tzinfo=UTC)]


@pytest.mark.parametrize("language", ["en", "ms"])
@pytest.mark.parametrize("format_name", ["SHORT_DATETIME_FORMAT", "DATETIME_FORMAT",
                                         "DATE_FORMAT"])
def test_the_same_words_as_the_date_filter(language, format_name):
    template = Template("{{ value|date:format_name }}|{{ value|date:'c' }}")
    with translation.override(language), timezone.override("Asia/Kuala_Lumpur"):
        dates = PageDates(format_name)
        for moment in MOMENTS:
            expected = template.render(Context({"value": moment, "format_name": format_name}))
            assert f"{dates(moment)}|{dates.iso(moment)}" == expected


def test_a_format_it_does_not_know_goes_through_django(settings):
    with translation.override("en"):
        dates = PageDates("D, N jS")
        assert dates(MOMENTS[0]) == "Thu, April 6th"
        assert dates(None) == ""
