"""Links in the Support Rules text: "di sini" / "here" lead somewhere, only to a portal page
or an http(s) address, and nothing else in a clause text is ever taken for HTML."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve
from django.utils import translation

from helpdesk.models import Clause
from helpdesk.rules.markup import link_problems, link_url, plain_text, render_inline
from helpdesk.rules.services import load_published_rules

from .conftest import malaysia_calendar
from .test_rules import _clause_html

pytestmark = pytest.mark.django_db

SOURCE = "https://support.kaspersky.com/support/rules/ms_my"
ANCHOR = re.compile(r"<a\b[^>]*>.*?</a>", flags=re.S)


def _rules_page(client, language) -> str:
    # The request activates its language; the override puts the test's back afterwards.
    with translation.override(language):
        body = client.get("/rules/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    return body[body.index('<article class="rules"'):body.index("</article>")]


def _links(html: str) -> list[tuple[str, str]]:
    """(href, text) of the links of the clause texts."""
    return re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>',
                      "".join(re.findall(r'<div class="clause-text".*?</div>', html, re.S)))


def test_every_di_sini_on_the_malay_page_is_a_link(client):
    load_published_rules()
    article = _rules_page(client, "ms")
    assert "di sini" not in ANCHOR.sub("", article)
    links = _links(article)
    assert [text for _href, text in links].count("di sini") == 10
    # The vendor's address in clause 1 is a link too.
    assert ("https://support.kaspersky.com/", "https://support.kaspersky.com/") in links


def test_here_on_the_english_page_is_never_bare_and_links_the_same_references(client):
    load_published_rules()
    english, malay = _rules_page(client, "en"), _rules_page(client, "ms")
    assert not re.search(r"\bhere\b", ANCHOR.sub("", english), flags=re.I)
    for label in ("1", "2.1", "2.2", "3.1", "3.2", "3.4", "5.1"):
        en_links = {href for href, _text in _links(_clause_html(english, label))}
        ms_links = {href for href, _text in _links(_clause_html(malay, label))}
        assert en_links and en_links == ms_links, label


def test_the_links_go_to_the_portal_page_that_serves_it_or_to_the_published_source(client):
    load_published_rules()
    malay = _rules_page(client, "ms")
    hrefs = [href for href, _text in _links(_clause_html(malay, "2.1"))]
    assert hrefs == ["/my/#selfhelp-title", SOURCE]
    hrefs = [href for href, _text in _links(_clause_html(malay, "2.2"))]
    assert hrefs == ["/my/#support-hours-title", SOURCE, SOURCE]
    for href, _text in _links(malay):
        if href.startswith("/"):
            resolve(href.split("#")[0])  # a portal page
        else:
            assert href.startswith("https://")


def test_the_self_help_and_support_hours_the_links_point_to_are_there(client, world):
    malaysia_calendar(segment="home")
    client.force_login(world.home_user)
    body = client.get("/my/").content.decode()
    assert '<h2 id="selfhelp-title">' in body and '<h2 id="support-hours-title">' in body


@pytest.mark.parametrize(("target", "url"), [
    ("accounts:workspace", "/my/"),
    ("accounts:workspace#selfhelp-title", "/my/#selfhelp-title"),
    ("licensing:quote-new?service=premium_support&x=a%20b",
     "/my/quotes/new/?service=premium_support&x=a+b"),
    ("rules", "/rules/"),
    ("https://support.kaspersky.com/", "https://support.kaspersky.com/"),
    ("http://example.org/a?b=c#d", "http://example.org/a?b=c#d"),
    ("javascript:alert", None),
    ("data:text/html,hi", None),
    ("ftp://example.org/", None),
    ("//example.org/", None),
    ("/my/", None),
    ("https://", None),
    ('https://example.org/"onmouseover=', None),
    ("https://example.org/<i>", None),
    ("accounts:members", None),  # takes a slug
    ("no-such-page", None),
    ("accounts:workspace#<b>", None),
])
def test_a_link_points_to_a_portal_url_name_or_an_http_address_only(target, url):
    assert link_url(target) == url
    assert bool(link_problems(f"see [here]({target})")) == (url is None)


def test_a_link_that_is_not_allowed_stays_text():
    html = render_inline("a [b](javascript:alert(1)) [c](ftp://x) [d](accounts:workspace)")
    assert html == 'a [b](javascript:alert(1)) c <a href="/my/">d</a>'
    assert link_problems("[b](javascript:alert(1))")  # looks like a link, is not one


def test_script_and_html_in_a_clause_stay_escaped(client):
    rule_set = load_published_rules()
    Clause.objects.filter(rule_set=rule_set, label="4.2.4").update(
        title_ms='<img src=x onerror="alert(1)">',
        text_ms='<script>alert("x")</script> & [<b>bold</b>](accounts:workspace)\n'
                '- [x" onclick="alert(1)](https://example.org/")\n'
                '- [y](https://example.org/?q=<i>)',
    )
    section = _clause_html(_rules_page(client, "ms"), "4.2.4")
    assert "<script" not in section and "<img" not in section and "<b>" not in section
    assert 'onclick="' not in section and 'onerror="' not in section
    # An address with quotes or angle brackets is no link at all; its text is shown.
    assert "https://example.org/" not in section and "<i>" not in section
    assert "<li>x&quot; onclick=&quot;alert(1)</li>" in section
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in section
    assert '<a href="/my/">&lt;b&gt;bold&lt;/b&gt;</a>' in section
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in section


def test_staff_cannot_save_a_link_the_page_would_not_show():
    rule_set = load_published_rules()
    clause = Clause.objects.get(rule_set=rule_set, label="3.4")
    clause.text_ms = "Terma dan syarat boleh didapati [di sini](javascript:alert)."
    with pytest.raises(ValidationError) as refused:
        clause.full_clean()
    assert set(refused.value.message_dict) == {"text_ms"}
    clause.text_ms = "Terma dan syarat boleh didapati [di sini](accounts:workspace)."
    clause.full_clean()


def test_plain_text_is_what_the_reader_sees():
    assert plain_text("lihat [di sini](accounts:workspace).") == "lihat di sini."
