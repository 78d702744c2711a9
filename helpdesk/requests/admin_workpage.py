"""The request's work page in the admin (the change page): what it reads comes from
`staffpage`; here the work forms that apply, a reply template filled for the customer, and
the page's presence heartbeat."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts import access
from accounts.errors import DomainError
from licensing import licences

from ..replies import rendering as replies
from ..replies.models import ReplyTemplate
from . import permissions, presence, staffpage
from .models import SupportRequest
from .search import clean_term

# The work form a reply template's action fills, and how its text lands in it.
TEMPLATE_TARGETS = {
    ReplyTemplate.Action.REQUEST_INFORMATION: lambda filled: {"body": filled.text},
    ReplyTemplate.Action.REQUEST_UTILITY: lambda filled: {
        "utility": filled.utility, "url": filled.utility_url, "instructions": filled.text},
    ReplyTemplate.Action.RESOLVE: lambda filled: {"note": filled.text},
    ReplyTemplate.Action.REJECT: lambda filled: {"clause": filled.clause, "reason": filled.text},
}


class WorkPageMixin:
    """The work page side of `SupportRequestAdmin`, which provides `reply_form_class` and
    `_work_forms(support_request, user, initial, lists)`."""

    def _work_context(self, request, object_id) -> dict:
        support_request = self.get_object(request, object_id)
        if support_request is None:
            return {}
        user = request.user
        may_work = permissions.may_work(user, support_request,
                                        in_queue=support_request.in_my_queue)
        filled = self._picked_template(request, support_request)
        target = TEMPLATE_TARGETS.get(filled.action) if filled is not None else None
        work_initial = {filled.action: target(filled)} if target is not None else {}
        lists = staffpage.choice_lists(support_request) if may_work else {}
        work_forms = self._work_forms(support_request, user, work_initial, lists) \
            if may_work else []
        # A template whose action does not apply to the request now (it is closed, say)
        # still gives its text, in the reply box.
        prepared = any(form["prefilled"] for form in work_forms)
        reply_initial = {"body": filled.text} if filled is not None and not prepared else {}
        recovery = support_request.category.code == licences.RECOVERY_CATEGORY
        return {
            "title": support_request.subject,
            "subtitle": support_request.reference,
            "support_request": support_request,
            "conversation": staffpage.conversation(support_request),
            "timeline": staffpage.timeline_lines(support_request),
            "conditions": staffpage.conditions(support_request),
            "decision": staffpage.decision_summary(support_request),
            "platform": staffpage.platform(support_request),
            "customer_context": staffpage.customer_context(support_request),
            "reply_form": self.reply_form_class(initial=reply_initial),
            "work_forms": work_forms,
            "may_work": may_work,
            "reply_templates": lists.get("template", []),
            "filled_template": filled,
            "filled_into_form": prepared,
            "licence_lookup": self._licence_lookup(request, support_request)
            if recovery and may_work else None,
            "presence_url": reverse("admin:helpdesk_supportrequest_presence",
                                    args=[support_request.pk]),
            "presence_beat_seconds": presence.BEAT_SECONDS,
        }

    def _picked_template(self, request, support_request) -> replies.Filled | None:
        """The reply template chosen in the picker (`?template=`), filled for this
        request's customer; an unknown id, or one of a template that does not fit the
        request, is ignored."""
        raw = request.GET.get("template", "")
        if not raw.isdigit() or len(raw) > 18:
            return None
        template = replies.offered_for(support_request).filter(pk=int(raw)).first()
        if template is None:
            return None
        return replies.fill(template, support_request, agent=request.user)

    def _licence_lookup(self, request, support_request) -> dict:
        """Inside a licence-recovery request (4.1.3), staff look the customer's licence up
        by a whole or partial activation code, through the one audited look-up; keys are
        shown masked."""
        typed = clean_term(request.GET.get("licence_code", ""), 64)
        found, error = [], ""
        if typed:
            try:
                found = licences.find_licences_by_key(typed, by=request.user, request=request,
                                                      within=support_request)
            except DomainError as exc:
                error = exc.message
        today = timezone.localdate()
        return {"typed": typed, "error": error, "searched": bool(typed),
                "found": [{"licence": licence, "state": staffpage.licence_state(licence, today)}
                          for licence in found]}

    def presence_view(self, request, pk):
        """The work page's heartbeat (POST): note this agent is here, and say who else
        is."""
        if request.method != "POST":
            return JsonResponse({"detail": gettext("Use POST.")}, status=405)
        if not (self.has_view_permission(request) and access.is_agent(request.user)):
            raise PermissionDenied
        if not SupportRequest.objects.filter(pk=pk).exists():
            raise Http404
        others = presence.seen(pk, request.user)
        return JsonResponse({"others": others, "text": presence.sentence(others)})
