"""The one base of every refusal a service raises, whatever app it belongs to.

A refusal carries a sentence the person can read (`message`, already translated), the input
it is about (`field`, or None for the input as a whole) and a stable `code` for clients.
Each face translates it once: `config.api.exception_handler` into an HTTP answer (the status
follows the class), `accounts.forms.add_domain_error` into a form error, the email channel
into a reply. Services never know which face called them.
"""


class DomainError(Exception):
    """Refused for a reason the person can read; the input was not acceptable (400)."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        if code:
            self.code = code


class NotAllowed(DomainError):
    """This person may not do this (403)."""

    code = "forbidden"


class SecondFactorRequired(NotAllowed):
    """Support staff without a second factor where the deployment requires one (403)."""

    code = "mfa_required"


class InvalidState(DomainError):
    """The object is not in a state where this can happen (409)."""

    code = "conflict"


class RateLimited(DomainError):
    """Too many tries; `retry_after` seconds until the next is accepted (429)."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None):
        super().__init__(message, field=field)
        self.retry_after = max(int(retry_after), 1)
