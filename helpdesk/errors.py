"""Refusals the helpdesk's services raise, each with a sentence the user can read."""


class HelpdeskError(Exception):
    """A change refused for a reason the user can read (the API answers 400)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(HelpdeskError):
    """This person may not do this to this request (the API answers 403)."""


class InvalidState(HelpdeskError):
    """The request is not in a state where this can happen (the API answers 409)."""


class WorkspaceNotVerified(HelpdeskError):
    """A company not yet verified by staff cannot file requests."""


class AttachmentRefused(HelpdeskError):
    """A file refused (size, type, name); nothing was stored."""


class Refused(HelpdeskError):
    """The Support Rules do not allow this request; `decision` says why (the API answers
    422 with it)."""

    def __init__(self, decision):
        super().__init__(decision.reason)
        self.decision = decision
