"""Demo accounts of the public contract; `seed_demo` runs each app's `demo.seed` in order."""

import os

from allauth.account.models import EmailAddress

from .models import Company, CompanySegment, Membership, User

DEMO_COUNTRY = "MY"


def _user(email: str, password: str, **fields) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"country": DEMO_COUNTRY, **fields}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _company(name: str, slug: str, segment: str) -> Company:
    company, _ = Company.objects.get_or_create(
        slug=slug,
        defaults={"name": name, "segment": segment, "country": DEMO_COUNTRY, "is_verified": True},
    )
    return company


def seed(demo: dict, out) -> None:
    password = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
    staff = _user("staff@example.com", password, full_name="Siti Support", is_staff=True,
                  is_superuser=True)
    home = _user("home@example.com", password, full_name="Hana Home")
    acme = _company("Acme", "acme", CompanySegment.SMALL_BUSINESS)
    globex = _company("Globex", "globex", CompanySegment.MEDIUM_LARGE_BUSINESS)
    acme_admin = _user("admin@acme.example", password, full_name="Adam Acme")
    acme_member = _user("member@acme.example", password, full_name="Mei Acme")
    globex_admin = _user("admin@globex.example", password, full_name="Gopal Globex")
    for user, company, role in [
        (acme_admin, acme, Membership.Role.ADMIN),
        (acme_member, acme, Membership.Role.MEMBER),
        (globex_admin, globex, Membership.Role.ADMIN),
    ]:
        Membership.objects.get_or_create(user=user, company=company, defaults={"role": role})
    demo.update(staff=staff, home=home, acme=acme, globex=globex, acme_admin=acme_admin,
                acme_member=acme_member, globex_admin=globex_admin)
    out(f"Demo accounts ready (password from DEMO_PASSWORD, default {password!r}):")
    for user in (staff, home, acme_admin, acme_member, globex_admin):
        out(f"  {user.email}")
