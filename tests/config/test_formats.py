"""Dates and times read the same way in both languages: day before month with the month in
words, and a 24-hour clock, never "06/04/2028" (April or June?) or "12:10 malam" (noon,
called night)."""

from datetime import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

NOON = datetime(2028, 4, 6, 12, 10)
EVENING = datetime(2028, 4, 6, 18, 5)
FORMATS = ("DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT")


def render(moment, language: str) -> dict[str, str]:
    with translation.override(language):
        shown = {name: Template(f'{{{{ moment|date:"{name}" }}}}').render(
            Context({"moment": moment})) for name in FORMATS}
        shown["plain"] = Template("{{ moment|date }} {{ moment|time }}").render(
            Context({"moment": moment}))
    return shown


@pytest.mark.parametrize("language", ["en", "ms"])
def test_no_numeric_day_month_order_to_guess(language):
    for name, text in render(NOON, language).items():
        assert "06/04" not in text and "04/06" not in text, (name, text)
        assert "2028" in text and "6 Apr" in text, (name, text)


@pytest.mark.parametrize("language", ["en", "ms"])
def test_the_clock_has_24_hours(language):
    noon, evening = render(NOON, language), render(EVENING, language)
    assert noon["DATETIME_FORMAT"].endswith("12:10"), noon
    assert evening["SHORT_DATETIME_FORMAT"].endswith("18:05"), evening
    for text in (*noon.values(), *evening.values()):
        for word in ("malam", "pagi", "p.m.", "a.m."):
            assert word not in text, text


def test_the_day_and_month_read_the_same_in_both_languages():
    assert render(NOON, "en")["SHORT_DATETIME_FORMAT"] == "6 Apr 2028, 12:10"
    assert render(NOON, "ms")["DATE_FORMAT"] == "6 April 2028"
