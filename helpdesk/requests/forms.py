"""Forms of the customer portals' request pages.

They check what a person typed and turn codes into catalogue rows; whether the Support
Rules allow a request is `licensing.eligibility.decide`'s call (through
`services.file_request`), never the form's.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from licensing.keys import KEY_FORMAT, normalize_key
from licensing.models import OperatingSystem
from licensing.versions import validate_version

from .models import Priority, SupportRequest
from .transitions import MAX_BODY

Status = SupportRequest.Status
ACTIVE = "active"
SEARCH_MAX = 100

# The model's labels are written for staff; a customer reads whose move it is.
CUSTOMER_STATUS_LABELS = {
    Status.NEW: _("New"),
    Status.OPEN: _("Open"),
    Status.WAITING_ON_CUSTOMER: _("Waiting for your reply"),
    Status.RESOLVED: _("Resolved"),
    Status.CLOSED: _("Closed"),
    Status.REJECTED: _("Rejected"),
}


class RequestFilterForm(forms.Form):
    """The list's status filter and search (GET); a bad value is shown, never applied."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=SEARCH_MAX,
                        help_text=_("A reference, or words of the subject."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("All")), (ACTIVE, _("Still open (new, open or waiting for your reply)")),
            *CUSTOMER_STATUS_LABELS.items(),
        ]

    def filter(self, queryset):
        status = self.cleaned_data.get("status")
        if status == ACTIVE:
            queryset = queryset.filter(status__in=SupportRequest.ACTIVE_STATUSES)
        elif status:
            queryset = queryset.filter(status=status)
        if search := self.cleaned_data.get("q", "").strip():
            queryset = queryset.filter(Q(reference__icontains=search)
                                       | Q(subject__icontains=search))
        return queryset


class NewRequestForm(forms.Form):
    """Product -> version -> platform -> topic, then the request itself.

    `check_only` is the "check whether it is covered" step: the request's own text is not
    needed yet and a half-filled product block is simply not decided on. Product and
    version choices are the workspace's catalogue (passed in with versions and
    requirements prefetched, so building the choices costs no query).
    """

    PRODUCT_FIELDS = ("product", "version", "os", "os_version")
    ELIGIBILITY_FIELDS = (*PRODUCT_FIELDS, "category", "licence_key")

    product = forms.ChoiceField(label=_("Product"), required=False)
    version = forms.ChoiceField(label=_("Version"), required=False)
    os = forms.ChoiceField(label=_("Platform"), required=False)
    os_version = forms.CharField(label=_("Platform version"), required=False, max_length=32,
                                 help_text=_("For example 11 for Windows 11, or 14.4."))
    category = forms.ChoiceField(label=_("Topic"))
    licence_key = forms.CharField(
        label=_("Activation code (optional)"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    subject = forms.CharField(label=_("Subject"), max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(
        label=_("Description"), max_length=MAX_BODY,
        help_text=_("What happens, what you expected, and what you tried. Plain text or "
                    "Markdown."),
        widget=forms.Textarea(attrs={"rows": 8}))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices,
                                 initial=Priority.NORMAL)

    def __init__(self, *args, products, categories, check_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_only = check_only
        # Formatted here, not at import, so it comes out in the language of the request.
        self.fields["licence_key"].help_text = _(
            "As on your order: %(form)s. Business software is checked against this licence."
        ) % {"form": KEY_FORMAT}
        self.products = {p.code: p for p in products}
        self.categories = {c.code: c for c in categories}
        self.fields["product"].choices = [("", _("Not about a particular product"))] + [
            (p.code, p.name) for p in products]
        self.fields["os"].choices = [("", _("Choose a platform")), *OperatingSystem.choices]
        self.fields["category"].choices = [
            ("", _("Choose a topic")),
            (_("Covered by Standard Support"),
             [(c.code, self._category_label(c)) for c in categories if c.in_scope]),
            (_("Not covered by Standard Support"),
             [(c.code, self._category_label(c)) for c in categories if not c.in_scope]),
        ]
        self.selected_product = self.products.get(self._raw("product"))
        self.versions = list(self.selected_product.versions.all()) \
            if self.selected_product else []
        self.fields["version"].choices = [("", _("Choose a version"))] + [
            (v.version, self._version_label(v)) for v in self.versions]
        if check_only:
            for name in ("category", "subject", "description", "priority"):
                self.fields[name].required = False
            # A version picked for the previous product means nothing for a new one: it is
            # dropped quietly rather than reported as a wrong choice.
            if self.is_bound and self._raw("version") not in {v.version for v in self.versions}:
                self.data = self.data.copy()
                self.data[self.add_prefix("version")] = ""

    def _raw(self, name: str) -> str:
        if self.is_bound:
            value = self.data.get(self.add_prefix(name), "")
        else:
            value = self.initial.get(name, "")
        return value if isinstance(value, str) else ""

    @staticmethod
    def _category_label(category) -> str:
        return f"{category.localized_name} ({category.clause})"

    @staticmethod
    def _version_label(version) -> str:
        if version.is_supported_on(timezone.localdate()):
            return version.version
        return str(_("%(version)s (support ended on %(date)s)") % {
            "version": version.version,
            "date": formats.date_format(version.end_of_support, "SHORT_DATE_FORMAT")})

    @property
    def selected_version(self):
        wanted = self._raw("version")
        return next((v for v in self.versions if v.version == wanted), None)

    # Field by field ---------------------------------------------------------------------

    def clean_product(self):
        return self.products.get(self.cleaned_data["product"])

    def clean_category(self):
        return self.categories.get(self.cleaned_data["category"])

    def clean_os_version(self):
        value = self.cleaned_data["os_version"].strip()
        if value:
            validate_version(value)
        return value

    def clean_licence_key(self):
        value = self.cleaned_data["licence_key"].strip()
        return normalize_key(value) if value else None

    def clean(self):
        data = super().clean()
        product = data.get("product")
        version_string = data.get("version")
        data["version"] = next(
            (v for v in self.versions if v.version == version_string), None
        ) if product is not None and version_string else None
        if version_string and product is None and "product" not in self.errors:
            self.add_error("product", _("Choose the product this version belongs to."))
        if data.get("os_version") and not data.get("os") and "os" not in self.errors:
            self.add_error("os", _("Choose the platform this version belongs to."))
        category = data.get("category")
        if not self.check_only and category is not None and self._needs_product(category):
            for name in self.PRODUCT_FIELDS:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, ValidationError(
                        _("Required for this topic."), code="required"))
        return data

    @staticmethod
    def _needs_product(category) -> bool:
        return category.in_scope and category.needs_product

    def eligibility_input(self) -> dict | None:
        """The arguments for `decide()` once the eligibility block is complete and valid,
        else None (nothing to say yet)."""
        if not hasattr(self, "cleaned_data"):
            return None
        if any(name in self.errors for name in self.ELIGIBILITY_FIELDS):
            return None
        data = self.cleaned_data
        category = data.get("category")
        if category is None:
            return None
        if self._needs_product(category) and not all(data.get(n) for n in self.PRODUCT_FIELDS):
            return None
        return {"category": category, "product": data.get("product"),
                "version": data.get("version"), "os": data.get("os") or None,
                "os_version": data.get("os_version") or None,
                "licence_key": data.get("licence_key") or None}


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), max_length=MAX_BODY,
                           help_text=_("Plain text or Markdown."),
                           widget=forms.Textarea(attrs={"rows": 6}))


class UploadForm(forms.Form):
    """A file for the request, or the output a utility request asked for (6.2). Size, name
    and type are checked by the service, which stores nothing it refuses."""

    file = forms.FileField(label=_("File"))
    utility_request = forms.IntegerField(required=False, min_value=1,
                                         widget=forms.HiddenInput)
