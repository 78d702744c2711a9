"""What a first customer meets: the front page, sign-up with a country, the verification
email in their language with the portal's name, where each person lands after signing in,
and the API tokens page."""

import re

import pytest
from django.urls import reverse

from accounts.forms import time_zone_of_country
from accounts.models import User
from tests.accounts.factories import PASSWORD, MembershipFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {"password1": "a-long-secret-2026", "password2": "a-long-secret-2026"}


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# Where people land ---------------------------------------------------------------------

def sign_in(client, user, **extra):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD},
                       **extra)


def test_a_home_user_lands_in_their_own_portal(client):
    response = sign_in(client, UserFactory())
    assert response["Location"] == "/my/"


def test_company_members_and_admins_land_in_their_company_portal(client):
    member = MembershipFactory(company__slug="maju", role="member").user
    assert sign_in(client, member)["Location"] == "/company/maju/"


def test_someone_in_two_companies_lands_where_they_are_an_administrator(client):
    person = MembershipFactory(company__name="Alpha", company__slug="alpha",
                               role="member").user
    MembershipFactory(user=person, company__name="Zeta", company__slug="zeta", role="admin")
    assert sign_in(client, person)["Location"] == "/company/zeta/"


def test_staff_land_at_the_support_desk(client):
    assert sign_in(client, StaffFactory())["Location"] == reverse("admin:index")


def test_a_next_page_still_wins(client):
    member = MembershipFactory(company__slug="maju").user
    response = client.post("/accounts/login/?next=/my/profile/", {
        "login": member.email, "password": PASSWORD, "next": "/my/profile/"})
    assert response["Location"] == "/my/profile/"


def test_the_front_page_sends_people_signed_in_where_they_work(client):
    member = MembershipFactory(company__slug="maju").user
    client.force_login(member)
    assert client.get("/")["Location"] == "/company/maju/"


# The front page ------------------------------------------------------------------------

def test_the_front_page_shows_what_support_covers_from_the_data(client):
    from helpdesk.models import SelfHelpResource
    from licensing.models import RequestCategory

    RequestCategory.objects.filter(code="oos_4_2_11").update(is_active=False)
    SelfHelpResource.objects.create(segment="home", kind="knowledge_base", language="en",
                                    title="Scans that stop halfway",
                                    url="https://support.example.com/kb/scan")
    response = client.get("/")
    assert response.status_code == 200
    text = visible_text(response)
    for category in RequestCategory.objects.listed():
        assert category.name in text, category.code
    assert RequestCategory.objects.get(code="oos_4_2_11").name not in text
    assert "Scans that stop halfway" in text
    assert 'href="/rules/"' in response.content.decode()
    assert 'href="/accounts/signup/"' in response.content.decode()
    assert 'href="/accounts/login/"' in response.content.decode()


def test_the_front_page_shows_the_support_hours_of_the_country_chosen(client):
    from helpdesk.models import OpeningHours, SupportCalendar

    calendar = SupportCalendar.objects.create(name="Singapore home", country="SG",
                                              segment="home", time_zone="Asia/Singapore")
    OpeningHours.objects.create(calendar=calendar, weekday=5, opens="10:00", closes="16:00")
    text = visible_text(client.get("/?country=SG&segment=home"))
    assert "10:00\u201316:00" in text  # an en dash between the times
    # No calendar for a country and no default: the page says so instead of failing.
    assert "No support hours are published yet" in visible_text(
        client.get("/?country=FR&segment=home"))


@pytest.mark.parametrize("query", ["?country=XX", "?segment=nonsense"])
def test_the_front_page_takes_any_query_without_failing(client, query):
    assert client.get(f"/{query}").status_code == 200


def test_a_nul_in_the_front_pages_query_is_refused_under_its_field(client):
    response = client.get("/?country=%00")
    assert response.status_code == 400
    assert "country" in response.content.decode()


def test_the_front_page_is_in_malay_for_a_malay_reader(client):
    text = visible_text(client.get("/", HTTP_ACCEPT_LANGUAGE="ms"))
    assert "Kepincangan tugas perisian" in text  # 4.1.1, named as the Rules name it
    assert "Daftar" in text and "Log masuk" in text
    assert "Singapura" in client.get("/", HTTP_ACCEPT_LANGUAGE="ms").content.decode()


# Sign-up -------------------------------------------------------------------------------

def test_sign_up_asks_for_the_country_and_sets_its_time_zone(client):
    response = client.post("/accounts/signup/", {"email": "no.country@example.org", **SIGNUP})
    assert response.status_code == 200
    assert "country" in response.context["form"].errors
    assert not User.objects.filter(email="no.country@example.org").exists()

    client.post("/accounts/signup/", {"email": "wei@example.org", "country": "SG", **SIGNUP})
    user = User.objects.get(email="wei@example.org")
    assert (user.country.code, user.time_zone) == ("SG", "Asia/Singapore")


def test_a_country_of_several_clocks_starts_on_utc_not_a_guess():
    assert time_zone_of_country("MY") == "Asia/Kuala_Lumpur"
    assert time_zone_of_country("DE") == "Europe/Berlin"
    assert time_zone_of_country("US") == "Etc/UTC"


def test_the_verification_email_names_the_portal_and_speaks_malay(client, run_outbox):
    client.post("/accounts/signup/", {"email": "aina@example.org", "country": "MY", **SIGNUP},
                HTTP_ACCEPT_LANGUAGE="ms", HTTP_HOST="127.0.0.1:8793")
    [message] = run_outbox()
    assert message.subject == "Sila sahkan alamat e-mel anda"
    assert "Salam dari Portal Sokongan!" in message.body
    assert "di 127.0.0.1:8793" in message.body  # the host it was asked on, not empty
    assert "http://127.0.0.1:8793/accounts/confirm-email/" in message.body
    assert "Hello from" not in message.body and " on ." not in message.body


def test_the_verification_email_in_english_names_the_portal(client, run_outbox):
    client.post("/accounts/signup/", {"email": "sam@example.org", "country": "GB", **SIGNUP},
                HTTP_ACCEPT_LANGUAGE="en")
    [message] = run_outbox()
    assert message.subject == "Please Confirm Your Email Address"
    assert "Hello from Support Portal!" in message.body
    assert "register an account on testserver." in message.body


# API tokens ----------------------------------------------------------------------------

def test_the_tokens_page_shows_the_header_to_send(client):
    client.force_login(UserFactory())
    page = client.get("/my/tokens/").content.decode()
    assert "<code>Authorization: Token <var>your token</var></code>" in page
    assert "Token ." not in visible_text(client.get("/my/tokens/"))


def test_registering_a_company_starts_from_the_users_country(client):
    client.force_login(UserFactory(country="SG"))
    form = client.get("/companies/new/").context["form"]
    assert form["country"].value() == "SG"
