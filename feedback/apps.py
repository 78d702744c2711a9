from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self):
        from accounts.registry import (
            READ,
            WORK,
            WORKSPACE_NAV,
            Link,
            Panel,
            add_link,
            add_panel,
            grant_staff,
        )
        from helpdesk.slots import REQUEST_ACTIONS, STAFF_REPORTS, STAFF_REQUEST_PANELS

        from . import answering, reports

        add_link(WORKSPACE_NAV, Link("feedback", _("Feedback"), "feedback:section", order=50))
        # Feedback on support's work, about a registered request (7.1, 7.2): offered once
        # support has answered it, and until it is given.
        add_link(REQUEST_ACTIONS, Link(
            "feedback", _("Give feedback on this request"), "feedback:request",
            kwargs=lambda support_request: {"reference": support_request.reference},
            when=lambda workspace, support_request: answering.may_give_feedback(
                support_request)))
        add_panel(STAFF_REQUEST_PANELS, Panel(
            "feedback", "admin/feedback/includes/request_feedback.html",
            lambda request, workspace, support_request: {
                "feedback": answering.feedback_for_request(support_request)}))
        add_panel(STAFF_REPORTS, Panel(
            "csat_per_agent", "admin/feedback/includes/csat_per_agent.html",
            reports.csat_per_agent_panel))
        grant_staff(
            agents={},
            supervisors={"feedback.survey": WORK, "feedback.question": WORK,
                         "feedback.feedbackrequest": READ, "feedback.feedbackresponse": READ},
        )
