"""`seed_demo` makes the demo accounts of the public contract, and a second run changes
nothing."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command

from accounts.models import Company, Membership, User

pytestmark = pytest.mark.django_db

DEMO_USERS = {
    "staff@example.com", "home@example.com", "admin@acme.example", "member@acme.example",
    "admin@globex.example",
}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Row counts of every model, and every user's password hash."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }
    hashes = dict(User.objects.values_list("email", "password"))
    return {"counts": counts, "hashes": hashes}


@pytest.fixture
def demo_password(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "seeded-secret-4711")
    return "seeded-secret-4711"


def test_seed_demo_creates_the_demo_accounts(demo_password):
    seed()
    users = {u.email: u for u in User.objects.filter(email__in=DEMO_USERS)}
    assert set(users) == DEMO_USERS
    for email, user in users.items():
        assert user.check_password(demo_password), email
        assert user.country.code == "MY", email
        assert user.is_active, email
        assert EmailAddress.objects.filter(user=user, email=email, verified=True,
                                           primary=True).exists(), email
    staff = users["staff@example.com"]
    assert staff.is_staff and staff.is_superuser
    assert not any(users[e].is_staff for e in DEMO_USERS - {"staff@example.com"})

    acme = Company.objects.get(slug="acme")
    globex = Company.objects.get(slug="globex")
    assert (acme.name, acme.segment, acme.is_verified, acme.country.code) == (
        "Acme", "small_business", True, "MY")
    assert (globex.name, globex.segment, globex.is_verified, globex.country.code) == (
        "Globex", "medium_large_business", True, "MY")
    roles = set(Membership.objects.values_list("user__email", "company__slug", "role"))
    assert {("admin@acme.example", "acme", "admin"),
            ("member@acme.example", "acme", "member"),
            ("admin@globex.example", "globex", "admin")} <= roles
    assert not Membership.objects.filter(
        user__email__in=["home@example.com", "staff@example.com"]).exists()


def test_seed_demo_default_password(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    seed()
    assert User.objects.get(email="home@example.com").check_password("demo-pass-2026")


def test_the_demo_accounts_can_sign_in(client, demo_password):
    seed()
    client.post("/accounts/login/", {"login": "member@acme.example", "password": demo_password})
    assert client.get("/company/acme/").status_code == 200


def test_running_seed_demo_twice_changes_nothing(demo_password):
    seed()
    first = snapshot()
    seed()
    assert snapshot() == first


def _rows_of(user) -> str:
    """Every row that is the user's or hangs off their requests and surveys, serialised: the
    user, their email addresses, requests, messages, timeline, surveys, answers, emails."""
    from django.core import serializers

    from feedback.models import FeedbackRequest
    from helpdesk.models import SupportRequest
    from notifications.models import Notification

    owners = {User: {user.pk},
              SupportRequest: set(SupportRequest.objects.filter(requester=user)
                                  .values_list("pk", flat=True))}
    owners[FeedbackRequest] = set(FeedbackRequest.objects.filter(
        support_request__in=owners[SupportRequest]).values_list("pk", flat=True))
    rows = [user, *Notification.objects.filter(to=user.email).order_by("pk")]
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in owners:
                rows += model._default_manager.filter(
                    **{f"{field.name}__in": owners[field.related_model]}).order_by("pk")
    return serializers.serialize("json", rows, indent=1)


def test_seed_demo_again_leaves_a_real_customers_data_byte_for_byte(demo_password):
    """A real user's resolved request, with the survey they have not answered yet: seeding
    again must neither answer it with demo text nor touch the survey or the request."""
    from tests.accounts.factories import UserFactory
    from tests.feedback.factories import FeedbackRequestFactory, resolved_request

    seed()
    customer = UserFactory(email="real.customer@example.org")
    request = resolved_request(requester=customer)
    FeedbackRequestFactory(support_request=request)
    older = resolved_request(requester=customer)  # resolved, never surveyed
    before = _rows_of(customer)
    assert str(request.pk) in before and str(older.pk) in before

    seed()

    assert _rows_of(customer) == before


def test_seed_demo_again_keeps_what_staff_edited_in_the_rules(demo_password):
    from helpdesk.rules.models import Clause

    seed()
    clause = Clause.objects.get(label="4.2.2", rule_set__is_published=True)
    Clause.objects.filter(pk=clause.pk).update(text="Edited by staff.")
    seed()
    clause.refresh_from_db()
    assert clause.text == "Edited by staff."
