from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts import access
from accounts.i18n import localized
from accounts.models import Company

from .versions import parse_platform_version, validate_platform_version, validate_version


class ProductSegment(models.TextChoices):
    HOME = "home", _("Home and mobile devices")
    BUSINESS = "business", _("Business")


class ProductKind(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial")
    FREE_PREMIUM = "free_premium", _("Free premium")
    FREE = "free", _("Free")


class OperatingSystem(models.TextChoices):
    WINDOWS = "windows", "Windows"
    MACOS = "macos", "macOS"
    LINUX = "linux", "Linux"
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"


class PaidServiceCode(models.TextChoices):
    PROFESSIONAL_SERVICES = "professional_services", _("Professional Services")
    INCIDENT_RESPONSE = "incident_response", _("Incident Response")
    PREMIUM_SUPPORT = "premium_support", _("Premium Support")
    SUPPORT_EXTENSION = "support_extension", _("Support extension")


class ProductQuerySet(models.QuerySet):
    def listed(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """The catalogue is the same for every signed-in user: the listed products."""
        if not user.is_authenticated:
            return self.none()
        return self.listed()

    def with_catalogue(self):
        """Versions and their requirements in two queries, for lists and decisions."""
        return self.prefetch_related(
            models.Prefetch("versions", queryset=ProductVersion.objects.order_by(
                "-release_date", "-pk").prefetch_related("requirements"))
        )


class Product(models.Model):
    """Supported software of clauses 3.1 / 3.2, with its own terms where they differ (3.4)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    segment = models.CharField(_("segment"), max_length=16, choices=ProductSegment)
    kind = models.CharField(_("kind"), max_length=16, choices=ProductKind,
                            default=ProductKind.COMMERCIAL)
    special_terms = models.TextField(
        _("special support terms"), blank=True,
        help_text=_("Only where this product's support terms differ from the standard ones."),
    )
    special_terms_url = models.URLField(_("special support terms link"), blank=True)
    is_active = models.BooleanField(_("listed"), default=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["segment", "name"]

    def __str__(self):
        return self.name

    @property
    def is_business(self) -> bool:
        return self.segment == ProductSegment.BUSINESS


class ProductVersionQuerySet(models.QuerySet):
    def supported_on(self, day: date):
        return self.filter(Q(end_of_support__isnull=True) | Q(end_of_support__gte=day))


class ProductVersion(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("version"), max_length=32, validators=[validate_version])
    release_date = models.DateField(_("release date"), null=True, blank=True)
    end_of_support = models.DateField(
        _("end of support"), null=True, blank=True,
        help_text=_("Last day of support (clause 4.3.2). Empty while no end is announced."),
    )

    objects = ProductVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        ordering = ["product", "-release_date", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="product_version_unique"),
        ]

    def __str__(self):
        return f"{self.product.name} {self.version}"

    def is_supported_on(self, day: date) -> bool:
        return self.end_of_support is None or self.end_of_support >= day

    @property
    def supported(self) -> bool:
        return self.is_supported_on(timezone.localdate())


class SystemRequirement(models.Model):
    """Minimum platform of a version (clause 4.3.1): one per platform and line of it, so a
    version may need "Windows 10" on workstations and "Windows Server 2016" on servers."""

    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE,
                                related_name="requirements")
    os = models.CharField(_("operating system"), max_length=16, choices=OperatingSystem)
    min_os_version = models.CharField(
        _("minimum OS version"), max_length=32, validators=[validate_platform_version],
        help_text=_("A number such as 10 or 10.15, or a line of the platform such as "
                    "Server 2016."))
    # The line `min_os_version` names ("" for the platform's main line), kept for the
    # uniqueness of one requirement per platform line.
    line = models.CharField(_("line"), max_length=16, blank=True, editable=False)

    class Meta:
        verbose_name = _("system requirement")
        verbose_name_plural = _("system requirements")
        ordering = ["os", "line"]
        constraints = [
            models.UniqueConstraint(fields=["version", "os", "line"],
                                    name="requirement_unique_os_line"),
        ]

    def __str__(self):
        return f"{self.get_os_display()} {self.min_os_version}+"

    def save(self, *args, **kwargs):
        parsed = parse_platform_version(self.min_os_version, self.os)
        self.min_os_version, self.line = parsed.text, parsed.line
        super().save(*args, **kwargs)

    def clean(self):
        if not self.os or not self.min_os_version:
            return
        try:
            parsed = parse_platform_version(self.min_os_version, self.os)
        except ValidationError as exc:
            raise ValidationError({"min_os_version": exc.messages}) from None
        self.min_os_version, self.line = parsed.text, parsed.line
        if self.version_id and SystemRequirement.objects.filter(
                version_id=self.version_id, os=self.os, line=self.line).exclude(
                pk=self.pk).exists():
            raise ValidationError({"min_os_version": _(
                "This version already has a requirement for this platform.")})

    def is_met_by(self, os_version: str) -> bool:
        """Whether `os_version` (of this platform) is this line at this version or later."""
        given = parse_platform_version(os_version, self.os)
        return given.line == self.line and given.key >= parse_platform_version(
            self.min_os_version, self.os).key


class SupportPlan(models.Model):
    """Standard Support (no response-time targets, 3.3) or a paid plan such as Premium
    Support, with its yearly allowance of premium requests and authorised contacts."""

    STANDARD = "standard"

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (English)"), max_length=100)
    name_ms = models.CharField(_("name (Malay)"), max_length=100, blank=True)
    is_paid = models.BooleanField(_("paid plan"), default=False)
    yearly_request_allowance = models.PositiveIntegerField(
        _("premium requests a year"), null=True, blank=True,
        help_text=_("Empty means unlimited."),
    )
    authorised_contacts = models.PositiveIntegerField(
        _("authorised technical contacts"), null=True, blank=True,
        help_text=_("Empty means every member of the company."),
    )
    description = models.TextField(_("description (English)"), blank=True)
    description_ms = models.TextField(_("description (Malay)"), blank=True)

    class Meta:
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")
        ordering = ["is_paid", "name"]

    def __str__(self):
        return self.name

    @property
    def localized_name(self) -> str:
        return localized(self, "name")

    @property
    def localized_description(self) -> str:
        return localized(self, "description")


class PaidServiceQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(is_active=True)

    def offered_in(self, country: str):
        """Services offered in `country` (clause 5.2); an empty country list means everywhere."""
        return self.filter(is_active=True).filter(
            Q(countries="") | Q(countries__regex=rf"(^|,){country}(,|$)")
        )


class PaidService(models.Model):
    """A service outside Standard Support (5.1), offered in some countries only (5.2)."""

    code = models.CharField(_("code"), max_length=32, choices=PaidServiceCode, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description (English)"), blank=True)
    description_ms = models.TextField(_("description (Malay)"), blank=True)
    url = models.URLField(_("link"), blank=True)
    countries = CountryField(_("offered in"), multiple=True, blank=True,
                             help_text=_("Empty means every country."))
    is_active = models.BooleanField(_("offered"), default=True)

    objects = PaidServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("paid service")
        verbose_name_plural = _("paid services")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        # Clause 4.3.2 offers a support extension to everyone, so it cannot be limited.
        if self.code == PaidServiceCode.SUPPORT_EXTENSION and self.countries:
            raise ValidationError(
                {"countries": _("A support extension is offered in every country; leave the "
                                "list empty.")}
            )

    def is_offered_in(self, country: str) -> bool:
        return self.is_active and (
            not self.countries or country in {c.code for c in self.countries}
        )

    @property
    def localized_name(self) -> str:
        """The name in the active language: the translated label of its code (the English
        name staff typed stays in `name` for the admin)."""
        return str(PaidServiceCode(self.code).label)

    @property
    def localized_description(self) -> str:
        return localized(self, "description")


class RequestCategoryQuerySet(models.QuerySet):
    def listed(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """Categories and topics are the same for every signed-in user: the listed ones."""
        if not user.is_authenticated:
            return self.none()
        return self.listed()


class RequestCategory(models.Model):
    """A category covered by Standard Support (4.1.x) or a topic it does not cover (4.2.x)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (English)"), max_length=200)
    name_ms = models.CharField(_("name (Malay)"), max_length=200, blank=True)
    description = models.TextField(_("description (English)"), blank=True)
    description_ms = models.TextField(_("description (Malay)"), blank=True)
    clause = models.CharField(_("clause"), max_length=16)
    in_scope = models.BooleanField(_("covered by Standard Support"), default=True)
    needs_product = models.BooleanField(_("needs a product check"), default=True)
    needs_licence = models.BooleanField(_("needs a licence"), default=True)
    takes_sample = models.BooleanField(_("takes a malware sample"), default=False)
    paid_service = models.CharField(
        _("paid service that covers it"), max_length=32, choices=PaidServiceCode, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("listed"), default=True)

    objects = RequestCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["-in_scope", "position", "code"]

    def __str__(self):
        return f"{self.clause} {self.localized_name}"

    @property
    def localized_name(self) -> str:
        return localized(self, "name")

    @property
    def localized_description(self) -> str:
        return localized(self, "description")


class LicenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Licences of every workspace the user belongs to, whatever their role there (a
        whole company shares its licences); agents reach them all (4.1.3)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.visible_q(user, shared=True))

    def in_workspace(self, workspace):
        return self.filter(**workspace.owner_filter())

    def valid_on(self, day: date):
        return self.filter(status=Licence.Status.ACTIVE, starts_on__lte=day, expires_on__gte=day)

    def unclaimed(self):
        return self.filter(home_user__isnull=True, company__isnull=True)


class Licence(models.Model):
    """A licence the vendor sold, issued by staff and claimed by its key for one workspace."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")

    key = models.CharField(_("activation code"), max_length=23, unique=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="licences")
    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="licences")
    seats = models.PositiveIntegerField(_("seats"), default=1)
    starts_on = models.DateField(_("start date"))
    expires_on = models.DateField(_("expiry date"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.ACTIVE)
    order_number = models.CharField(_("order number"), max_length=64, blank=True, db_index=True)
    purchaser_email = models.EmailField(_("purchaser email"), blank=True, db_index=True)
    home_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="licences", verbose_name=_("held by (home user)"),
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="licences",
        verbose_name=_("held by (company)"),
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("claimed by"),
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-expires_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(home_user__isnull=True) | Q(company__isnull=True),
                name="licence_one_holder",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("starts_on")),
                name="licence_expires_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-expires_on"], name="licence_company_idx"),
            models.Index(fields=["home_user", "-expires_on"], name="licence_home_user_idx"),
        ]

    def __str__(self):
        return f"{self.product.name} {self.masked_key}"

    @property
    def masked_key(self) -> str:
        return "•••••-•••••-•••••-" + self.key[-5:]

    def is_valid_on(self, day: date) -> bool:
        return self.status == self.Status.ACTIVE and self.starts_on <= day <= self.expires_on

    @property
    def is_valid(self) -> bool:
        return self.is_valid_on(timezone.localdate())

    @property
    def is_claimed(self) -> bool:
        return self.home_user_id is not None or self.company_id is not None


class QuoteRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A home user's own quotes; in a company, admins see all and members their own;
        agents reach them all."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.visible_q(user))

    def in_workspace(self, workspace):
        return self.filter(**workspace.owner_filter())


class QuoteRequest(models.Model):
    """A customer asking for a paid service, often from a refused request (5.1)."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        QUOTED = "quoted", _("Quoted")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    service = models.ForeignKey(PaidService, on_delete=models.PROTECT, related_name="quotes")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  related_name="quote_requests")
    home_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", verbose_name=_("home workspace of"),
    )
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="quote_requests")
    category = models.ForeignKey(RequestCategory, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    clause = models.CharField(_("clause that led to it"), max_length=16, blank=True)
    message = models.TextField(_("what is needed"), max_length=5000)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.NEW)
    staff_reply = models.TextField(_("quote or answer"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = QuoteRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("quote request")
        verbose_name_plural = _("quote requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(home_user__isnull=True) | Q(company__isnull=True),
                name="quote_one_workspace",
            ),
        ]

    def __str__(self):
        return f"{self.service} · {self.company or self.home_user}"


class ProductFeedback(models.Model):
    """A customer's idea for the software, kept from a feature request that Standard Support
    does not cover (clause 4.2.1), for the product team to read. Staff list and export them
    in the admin; the customer learns that theirs is kept."""

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("from"))
    home_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", verbose_name=_("home workspace of"),
    )
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("company"))
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="feedback", verbose_name=_("product"))
    version = models.CharField(_("version"), max_length=32, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("the idea"), max_length=20000)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("product feedback")
        verbose_name_plural = _("product feedback")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(home_user__isnull=True) | Q(company__isnull=True),
                name="product_feedback_one_workspace",
            ),
        ]

    def __str__(self):
        return self.subject
