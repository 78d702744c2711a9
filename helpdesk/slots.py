"""The places on the helpdesk's pages that higher apps fill (`accounts.registry`): the
feedback app offers "give feedback" on a customer's request page and shows the request's
feedback to staff, without the helpdesk knowing it exists."""

# Links under a request on the customer's request page; `obj` is the request.
REQUEST_ACTIONS = "request.actions"
# Panels on the staff's request page in the admin; `obj` is the request.
STAFF_REQUEST_PANELS = "staff.request"
