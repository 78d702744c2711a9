from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# A licence page's help links, filled by the apps that serve them (licence recovery is a
# request category of the helpdesk, clause 4.1.3).
LICENCES_HELP = "licences.help"


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = _("Licensing")

    def ready(self):
        from accounts.registry import (
            ALL,
            READ,
            WORK,
            WORKSPACE_NAV,
            Link,
            add_link,
            grant_staff,
        )

        add_link(WORKSPACE_NAV, Link("licences", _("Licences"), "licensing:licences", order=30))
        add_link(WORKSPACE_NAV, Link("quotes", _("Quote requests"), "licensing:quotes",
                                     order=40))
        catalogue = ("product", "productversion", "systemrequirement", "supportplan",
                     "paidservice", "requestcategory")
        grant_staff(
            agents={
                **{f"licensing.{model}": READ for model in catalogue},
                # Licence recovery (4.1.3): agents look licences up for customers.
                "licensing.licence": READ,
                "licensing.quoterequest": WORK,
                "licensing.productfeedback": READ,
            },
            supervisors={
                **{f"licensing.{model}": ALL for model in catalogue},
                "licensing.licence": ("view", "add", "change"),
                "licensing.productfeedback": ("view", "delete"),
            },
        )
