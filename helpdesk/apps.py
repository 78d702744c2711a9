from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = _("Helpdesk")

    def ready(self):
        # Connects the receivers that drop the cached clause citations when a rule set or
        # a clause changes (helpdesk.rules.citing).
        from .rules import citing  # noqa: F401
