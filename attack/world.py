"""Who attacks and what they go after: the demo's people plus a second tenant of each kind
(a second home user, a second small business), each tenant's objects (to fill URLs with)
and its markers (strings only that tenant's pages may show).

Runs in the suite's own process, against the suite's database, with the services the
portals use; the served portal sees the same rows.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiToken, Company, Invitation, Membership, User
from accounts.workspace import Workspace, resolve_workspace
from feedback.models import FeedbackRequest
from helpdesk.models import Attachment, SupportRequest
from helpdesk.requests import files, filing, lifecycle
from licensing import quotes
from licensing.models import Licence, Product, QuoteRequest, RequestCategory, SupportPlan

from .stage import DEMO_PASSWORD


@dataclass
class Tenant:
    """A home user's workspace or a company, with what belongs to it."""

    name: str
    slug: str  # "my" for a home workspace
    references: list[str] = field(default_factory=list)
    ids: dict[str, list[int]] = field(default_factory=dict)  # kind -> primary keys
    attachments: list[tuple[str, int]] = field(default_factory=list)  # (reference, pk)
    markers: set[str] = field(default_factory=set)


@dataclass
class Actor:
    name: str
    email: str
    tenant: str | None  # None: staff
    slug: str | None = None  # the workspace they work in
    token: str | None = None
    password: str = DEMO_PASSWORD
    totp_secret: str | None = None  # staff with an authenticator app


@dataclass
class World:
    tenants: dict[str, Tenant]
    actors: dict[str, Actor]

    def strangers(self, actor: Actor) -> list[Tenant]:
        """The tenants `actor` must never see anything of."""
        return [t for name, t in self.tenants.items() if name != actor.tenant]


def _user(email: str, full_name: str) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={
        "full_name": full_name, "country": "MY"})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.emailaddress_set.create(email=email, verified=True, primary=True)
    return user


PRODUCT_BY_SEGMENT = {"home": ("kaspersky-premium", "21.21"),
                      "business": ("endpoint-security-business", "12.8")}


def _file(user, workspace, subject: str, segment: str) -> SupportRequest:
    code, number = PRODUCT_BY_SEGMENT[segment]
    product = Product.objects.get(code=code)
    return filing.file_request(filing.RequestIntake.of(
        workspace=workspace, category=RequestCategory.objects.get(code="malfunction"),
        subject=subject, description=f"{subject}: seen after the last update.",
        product=product, version=product.versions.get(version=number), os="windows",
        os_version="11"), by=user)


def _second_tenants() -> None:
    """Harun at home and Initech (a small business), with a request, a file, a licence,
    a quote and a pending invitation each, like the demo's tenants."""
    today = timezone.localdate()
    plan = SupportPlan.objects.get(code=SupportPlan.STANDARD)
    home2 = _user("home2@example.com", "Harun Home")
    initech_admin = _user("admin@initech.example", "Ines Initech")
    initech, _ = Company.objects.get_or_create(slug="initech", defaults={
        "name": "Initech", "segment": "small_business", "country": "MY", "is_verified": True})
    Membership.objects.get_or_create(user=initech_admin, company=initech,
                                     defaults={"role": Membership.Role.ADMIN})
    for user, workspace, segment, key in (
            (home2, Workspace(user=home2), "home", "HOME2-PREM0-ATTAC-K0002"),
            (initech_admin, resolve_workspace(initech_admin, "initech"), "business",
             "INTC0-ESB00-ATTAC-K0001")):
        Licence.objects.get_or_create(key=key, defaults={
            "product": Product.objects.get(code=PRODUCT_BY_SEGMENT[segment][0]), "plan": plan,
            "starts_on": today - timedelta(days=10), "expires_on": today + timedelta(days=300),
            "order_number": "ATTACK-1", "home_user": user if segment == "home" else None,
            "company": initech if segment == "business" else None})
        request = _file(user, workspace, f"Attack world: {user.full_name}'s scanner", segment)
        lifecycle.add_reply(request, by=user, body="It happens every morning.")
        files.upload_attachment(request, by=user, file=SimpleUploadedFile(
            "scan.log", b"scan stopped at 40%\n"))
        quotes.request_quote(workspace=workspace, user=user, service="professional_services",
                             message="A visit, please.")
    # Hana gets a licence of her own too, and Acme and Globex a pending invitation each.
    home = User.objects.get(email="home@example.com")
    Licence.objects.get_or_create(key="HOME1-PREM0-ATTAC-K0001", defaults={
        "product": Product.objects.get(code=PRODUCT_BY_SEGMENT["home"][0]),
        "plan": plan, "starts_on": today - timedelta(days=10),
        "expires_on": today + timedelta(days=300), "home_user": home})
    for slug, admin in (("acme", "admin@acme.example"), ("globex", "admin@globex.example"),
                        ("initech", "admin@initech.example")):
        company = Company.objects.get(slug=slug)
        if not Invitation.objects.filter(company=company).exists():
            account_services.invite_member(company=company, email=f"new@{slug}.example",
                                           role="member", by=User.objects.get(email=admin))


def _tenant(name: str, slug: str, users: list[User], company: Company | None) -> Tenant:
    tenant = Tenant(name=name, slug=slug)
    if company is None:
        requests = SupportRequest.objects.filter(requester__in=users, company=None)
        licences = Licence.objects.filter(home_user__in=users)
        quote_rows = QuoteRequest.objects.filter(home_user__in=users)
        surveys = FeedbackRequest.objects.filter(user__in=users, company=None)
    else:
        requests = SupportRequest.objects.filter(company=company)
        licences = Licence.objects.filter(company=company)
        quote_rows = QuoteRequest.objects.filter(company=company)
        surveys = FeedbackRequest.objects.filter(company=company)
        tenant.ids["membership"] = list(company.memberships.values_list("pk", flat=True))
        tenant.ids["invitation"] = list(
            Invitation.objects.filter(company=company).values_list("pk", flat=True))
    tenant.references = list(requests.order_by("pk").values_list("reference", flat=True))
    tenant.ids["licence"] = list(licences.values_list("pk", flat=True))
    tenant.ids["quote"] = list(quote_rows.values_list("pk", flat=True))
    tenant.ids["survey"] = list(surveys.values_list("pk", flat=True))
    tenant.ids["token"] = list(ApiToken.objects.filter(user__in=users)
                               .values_list("pk", flat=True))
    tenant.attachments = [(a.request.reference, a.pk) for a in Attachment.objects.filter(
        request__in=requests).select_related("request").order_by("pk")]
    tenant.markers = {*tenant.references, *(u.email for u in users),
                      *licences.values_list("key", flat=True)}
    return tenant


def build_world() -> World:
    _second_tenants()
    people = {
        "home": ("home@example.com", "home", "my"),
        "home2": ("home2@example.com", "home2", "my"),
        "acme_admin": ("admin@acme.example", "acme", "acme"),
        "acme_member": ("member@acme.example", "acme", "acme"),
        "globex_admin": ("admin@globex.example", "globex", "globex"),
        "initech_admin": ("admin@initech.example", "initech", "initech"),
        # The demo's agent has no authenticator app: under production settings every staff
        # power and every API call must be refused (finding 1).
        "agent": ("agent@example.com", None, None),
        # The demo's supervisor gets one, and opens the admin's pages with what customers
        # planted in them.
        "supervisor": ("staff@example.com", None, None),
    }
    actors = {}
    for name, (email, tenant, slug) in people.items():
        actor = Actor(name=name, email=email, tenant=tenant, slug=slug)
        user = User.objects.get(email=email)
        if tenant is not None:
            _token, actor.token = account_services.create_api_token(user, name="attack")
        elif name == "supervisor":
            actor.totp_secret = generate_totp_secret()
            TOTP.activate(user, actor.totp_secret)
            _token, actor.token = account_services.create_api_token(user, name="attack")
        else:
            # A token minted before the deployment required a second factor: the service
            # refuses to make one now, so the row is written directly.
            actor.token = ApiToken.generate_key()
            ApiToken.objects.create(user=user, name="before MFA",
                                    prefix=actor.token[:ApiToken.PREFIX_LENGTH],
                                    key_hash=ApiToken.hash_key(actor.token))
        actors[name] = actor
    for name in ("home", "acme_member"):  # a spare token each, for the token pages
        account_services.create_api_token(User.objects.get(email=people[name][0]),
                                          name="spare")

    def users(*emails):
        return list(User.objects.filter(email__in=emails))

    tenants = {
        "home": _tenant("home", "my", users("home@example.com"), None),
        "home2": _tenant("home2", "my", users("home2@example.com"), None),
    }
    for slug in ("acme", "globex", "initech"):
        company = Company.objects.get(slug=slug)
        members = list(User.objects.filter(memberships__company=company))
        tenants[slug] = _tenant(slug, slug, members, company)
    return World(tenants=tenants, actors=actors)
