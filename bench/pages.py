"""The pages `manage.py bench` measures, and who asks for each.

Every page is measured twice for its query count: with one row (or a few) and with many
(50 a page, 20 messages, 60 licences), so a count that grows with the rows shows. The
pages with a time budget (`TIMED`) are timed in their "many" form.
"""

from __future__ import annotations

from urllib.parse import quote_plus

ADMIN = "/admin/"
REQUESTS_ADMIN = f"{ADMIN}helpdesk/supportrequest/"

# Staff search: words a staff member types after a customer quotes an error, with few hits
# among many requests. There is no dedicated search page yet, so this is the admin request
# list's `?q=`; when full-text search lands, point STAFF_SEARCH_URL at it (`{words}` is
# replaced by the URL-encoded words).
STAFF_SEARCH_WORDS = "update fails 1603"
STAFF_SEARCH_URL = REQUESTS_ADMIN + "?q={words}"

# Timing name -> the page of `pages()` it times (its "many" form). Their budgets are in
# `bench.budgets.PAGE_RATIOS`.
TIMED = {
    "request_detail": "request_detail",
    "api_request_list": "api_request_list",
    "staff_dashboard": "staff_dashboard",
    "company_request_list": "company_request_list",
    "admin_request_changelist": "admin_request_changelist",
    "admin_request_change": "admin_request_change",
    "staff_search": "staff_search",
}


def staff_search_url(words: str) -> str:
    return STAFF_SEARCH_URL.format(words=quote_plus(words))


def pages(meta: dict) -> dict:
    """name -> ((who, url) with one row, (who, url) with many, note); `who` is a key of
    the accounts the seed recorded in `meta`."""
    from feedback.models import FeedbackResponse
    from helpdesk.models import SupportRequest
    from licensing.models import Licence

    one, many = meta["company_one"], meta["company_many"]
    small = SupportRequest.objects.get(reference=meta["detail_small"])
    large = SupportRequest.objects.get(reference=meta["detail_large"])
    solo_request = SupportRequest.objects.filter(company__slug=one).first()
    one_licence = Licence.objects.filter(company__slug=one).first()
    answered = (FeedbackResponse.objects.filter(feedback_request__support_request__isnull=False)
                .select_related("feedback_request__support_request").order_by("pk").first())
    answered_ref = answered.feedback_request.support_request.reference if answered else "-"
    return {
        "home_request_list": (("home_one", "/my/requests/"),
                              ("home_many", "/my/requests/"), ""),
        "company_request_list": (("company_one_admin", f"/company/{one}/requests/"),
                                 ("company_many_admin", f"/company/{many}/requests/"),
                                 "company admin; 50 a page"),
        "request_detail": (
            ("company_many_admin", f"/company/{many}/requests/{small.reference}/"),
            ("company_many_admin", f"/company/{many}/requests/{large.reference}/"),
            "1 message vs 20 messages and 5 attachments"),
        "staff_dashboard": (("supervisor", ADMIN), ("supervisor", ADMIN),
                            "counts only: the same page twice"),
        "home_feedback_section": (("home_few", "/my/feedback/"),
                                  ("home_many", "/my/feedback/"),
                                  "one row in each list vs full pages"),
        "company_feedback_section": (
            ("company_few_admin", f"/company/{meta['company_few']}/feedback/"),
            ("company_many_admin", f"/company/{many}/feedback/"),
            "one row in each list vs full pages"),
        "company_licences": (("company_one_admin", f"/company/{one}/licences/"),
                             ("company_many_admin", f"/company/{many}/licences/"),
                             "1 licence vs 60"),
        "admin_request_changelist": (
            ("supervisor", f"{REQUESTS_ADMIN}?q={solo_request.reference}"),
            ("supervisor", REQUESTS_ADMIN), "search hit vs full page"),
        "staff_search": (
            ("supervisor", staff_search_url(solo_request.subject)),
            ("supervisor", staff_search_url(STAFF_SEARCH_WORDS)),
            f"words of one request's subject vs {STAFF_SEARCH_WORDS!r}"),
        "admin_licence_changelist": (
            ("supervisor", f"{ADMIN}licensing/licence/?q={one_licence.order_number}"),
            ("supervisor", f"{ADMIN}licensing/licence/"), "search hit vs full page"),
        "admin_feedback_response_changelist": (
            ("supervisor", f"{ADMIN}feedback/feedbackresponse/?q={answered_ref}"),
            ("supervisor", f"{ADMIN}feedback/feedbackresponse/"),
            "search hit vs full page"),
        "admin_request_change": (
            ("supervisor", f"{REQUESTS_ADMIN}{small.pk}/change/"),
            ("supervisor", f"{REQUESTS_ADMIN}{large.pk}/change/"),
            "1 message vs 20 messages and 5 attachments"),
        "api_request_list": (("home_one", "/api/v1/requests/?page_size=50"),
                             ("home_many", "/api/v1/requests/?page_size=50"), ""),
        "api_request_detail": (
            ("company_many_admin", f"/api/v1/requests/{small.reference}/"),
            ("company_many_admin", f"/api/v1/requests/{large.reference}/"),
            "1 message vs 20 messages and 5 attachments"),
    }
