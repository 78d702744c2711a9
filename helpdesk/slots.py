"""The places on the helpdesk's pages that higher apps fill (`accounts.registry`): the
feedback app offers "give feedback" on a customer's request page, shows the request's
feedback to staff and satisfaction per agent beside the response times, without the
helpdesk knowing it exists."""

# Links under a request on the customer's request page; `obj` is the request.
REQUEST_ACTIONS = "request.actions"
# Panels on the staff's request page in the admin; `obj` is the request.
STAFF_REQUEST_PANELS = "staff.request"
# Panels on the staff's response-time report; `obj` is the period, {"start", "end"} (dates,
# the end excluded).
STAFF_REPORTS = "staff.reports"
