from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = _("Helpdesk")

    def ready(self):
        from accounts.registry import (
            ALL,
            READ,
            WORK,
            WORKSPACE_DASHBOARD,
            WORKSPACE_NAV,
            Link,
            Panel,
            add_link,
            add_panel,
            grant_staff,
            provide,
        )
        from licensing.apps import LICENCES_HELP
        from licensing.offers import SELF_HELP_LINKS
        from licensing.signals import licence_plan_changed

        # Connects the receivers that forget an erased account's emails, and those that drop
        # the cached clause citations when a rule set or a clause changes.
        from . import catalogue
        from .email import receivers  # noqa: F401
        from .email.admin import request_email_panel
        from .requests.portal import dashboard_context, support_hours_context
        from .requests.service_level import licence_plan_changed as follow_licence_plan
        from .rules import citing, rendering  # noqa: F401
        from .selfhelp.services import offer_links
        from .slots import STAFF_REQUEST_PANELS

        add_link(WORKSPACE_NAV, Link("requests", _("Requests"), "requests", order=10))
        add_link(WORKSPACE_NAV, Link("new", _("New request"), "request-new", order=20))
        add_panel(WORKSPACE_DASHBOARD, Panel(
            "requests", "helpdesk/portal/includes/dashboard.html", dashboard_context,
            order=10))
        add_panel(WORKSPACE_DASHBOARD, Panel(
            "support_hours", "helpdesk/portal/includes/support_panel.html",
            support_hours_context, order=90))
        # A change to a category, plan, queue, product, version or rule set reaches every
        # process's copy of the catalogue.
        catalogue.watch()
        # A licence's new plan moves its open requests and their due times.
        licence_plan_changed.connect(follow_licence_plan,
                                     dispatch_uid="helpdesk.follow_licence_plan")
        # A refusal links the knowledge base, Community and courses of 2.1 (licensing.offers).
        provide(SELF_HELP_LINKS, offer_links)
        add_panel(STAFF_REQUEST_PANELS, Panel(
            "email", "admin/helpdesk/includes/request_email.html", request_email_panel,
            order=20))
        # Lost activation codes are recovered through a request (4.1.3).
        add_link(LICENCES_HELP, Link(
            "licence_recovery", _("File a licence recovery request"), "request-new",
            query={"category": "licence_recovery"}))

        calendars = ("supportcalendar", "openinghours", "calendarexception")
        rules = ("ruleset", "clause")
        grant_staff(
            agents={
                "helpdesk.supportrequest": ("view", "add", "change"),
                "helpdesk.message": ("view", "add"),
                "helpdesk.attachment": ("view", "add"),
                "helpdesk.utilityrequest": ("view", "add"),
                "helpdesk.noguaranteeflag": ("view", "add", "change"),
                "helpdesk.timelineevent": READ,
                "helpdesk.queue": READ,
                "helpdesk.selfhelpresource": READ,
                "helpdesk.inboundemail": READ,
                "helpdesk.replyaddressrevocation": READ,
                "helpdesk.replytemplate": READ,
                **{f"helpdesk.{model}": READ for model in calendars + rules},
            },
            supervisors={
                "helpdesk.queue": ALL,
                "helpdesk.queueroute": ALL,
                "helpdesk.selfhelpresource": ALL,
                "helpdesk.slatarget": ALL,
                "helpdesk.authorisedcontact": ALL,
                "helpdesk.slanotice": READ,
                "helpdesk.inboundemail": WORK,
                "helpdesk.replytemplate": ALL,
                **{f"helpdesk.{model}": ALL for model in calendars + rules},
            },
        )
