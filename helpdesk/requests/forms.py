"""Forms of the customer portals' request pages.

They render what a person may choose and hand what they typed to the one request intake
(`filing.parse_request`); whether the Support Rules allow a request is the Rules' call
(`licensing.intake.check`, through `filing.file_request`), never the form's.
"""

from django import forms
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import add_domain_error
from licensing import intake
from licensing.keys import KEY_FORMAT
from licensing.models import OperatingSystem
from licensing.versions import VERSION_PATTERN, version_key

from .filing import parse_request
from .models import Priority, SupportRequest
from .transitions import MAX_BODY, MAX_SUBJECT

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

    The form renders the choices of the workspace's catalogue (passed in with versions and
    requirements prefetched, so building them costs no query); checking the input is the
    one request intake's job (`filing.parse_request`), as for every other face, so the
    portal, the API and the admin answer the same input with the same messages.

    `check_only` is the "check whether it is covered" step: the request's own text is not
    needed yet and a half-filled product block is simply not decided on.
    """

    PRODUCT_FIELDS = intake.PRODUCT_FIELDS
    ELIGIBILITY_FIELDS = intake.ELIGIBILITY_FIELDS

    product = forms.CharField(label=_("Product"), required=False, widget=forms.Select)
    version = forms.CharField(label=_("Version"), required=False, widget=forms.Select)
    os = forms.CharField(label=_("Platform"), required=False, widget=forms.Select)
    os_version = forms.CharField(label=_("Platform version"), required=False,
                                 max_length=intake.MAX_VERSION_LENGTH,
                                 help_text=_("For example 11 for Windows 11, Server 2022 "
                                             "for Windows Server 2022, or 14.4."))
    category = forms.CharField(label=_("Topic"), required=False, widget=forms.Select)
    licence_key = forms.CharField(
        label=_("Activation code (optional)"), required=False,
        max_length=intake.MAX_KEY_INPUT_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    subject = forms.CharField(label=_("Subject"), required=False, max_length=MAX_SUBJECT,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(
        label=_("Description"), required=False, max_length=MAX_BODY,
        help_text=_("What happens, what you expected, and what you tried. Plain text or "
                    "Markdown."),
        widget=forms.Textarea(attrs={"rows": 8}))
    priority = forms.CharField(label=_("Priority"), required=False, initial=Priority.NORMAL,
                               widget=forms.Select(choices=Priority.choices))

    def __init__(self, *args, workspace, products, categories, check_only: bool = False,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.check_only = check_only
        self.catalogue = intake.Catalogue(workspace.user, products=products,
                                          categories=categories)
        self.facts = self.intake = None
        # Formatted here, not at import, so it comes out in the language of the request.
        self.fields["licence_key"].help_text = _(
            "As on your order: %(form)s. Business software is checked against this licence."
        ) % {"form": KEY_FORMAT}
        self.products = {p.code: p for p in products}
        self.fields["product"].widget.choices = [("", _("Not about a particular product"))] + [
            (p.code, p.name) for p in products]
        self.fields["os"].widget.choices = [("", _("Choose a platform")),
                                            *OperatingSystem.choices]
        self.fields["category"].widget.choices = [
            ("", _("Choose a topic")),
            (_("Covered by Standard Support"),
             [(c.code, self._category_label(c)) for c in categories if c.in_scope]),
            (_("Not covered by Standard Support"),
             [(c.code, self._category_label(c)) for c in categories if not c.in_scope]),
        ]
        self.selected_product = self.products.get(self._raw("product"))
        self.versions = list(self.selected_product.versions.all()) \
            if self.selected_product else []
        self.fields["version"].widget.choices = [("", _("Choose a version"))] + [
            (v.version, self._version_label(v)) for v in self.versions]
        if not check_only:
            for name in ("category", "subject", "description"):
                self.fields[name].widget.attrs["required"] = True
        # A version picked for the previous product means nothing for a new one: it is
        # dropped quietly rather than reported as a wrong choice.
        if check_only and self.is_bound and self.selected_version is None:
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
        """The chosen version of the chosen product, compared as numbers like the intake."""
        wanted = self._raw("version").strip()
        if not VERSION_PATTERN.match(wanted):
            return None
        return next((v for v in self.versions
                     if version_key(v.version) == version_key(wanted)), None)

    def clean(self):
        data = super().clean()
        try:
            if self.check_only:
                self.facts = intake.parse_eligibility(
                    data, workspace=self.workspace, catalogue=self.catalogue, complete=False)
            else:
                self.intake = parse_request(data, workspace=self.workspace,
                                            catalogue=self.catalogue)
                self.facts = self.intake.facts
        except intake.IntakeInvalid as exc:
            add_domain_error(self, exc)
        return data


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
