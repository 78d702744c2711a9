"""The helpdesk's models, one module per capability; Django looks for them here."""

from .email.models import InboundEmail, ReplyAddressRevocation
from .replies.models import ReplyTemplate
from .requests.models import (
    Attachment,
    Message,
    NoGuaranteeFlag,
    Priority,
    Queue,
    QueueRoute,
    ReferenceCounter,
    SupportRequest,
    TimelineEvent,
    UtilityRequest,
)
from .requests.search import SearchDocument
from .rules.models import Clause, RuleSet
from .selfhelp.models import SelfHelpResource
from .sla.models import (
    AuthorisedContact,
    CalendarException,
    OpeningHours,
    SlaNotice,
    SlaTarget,
    SupportCalendar,
)

__all__ = [
    "Attachment", "AuthorisedContact", "CalendarException", "Clause", "InboundEmail",
    "Message", "NoGuaranteeFlag", "OpeningHours", "Priority", "Queue", "QueueRoute",
    "ReferenceCounter", "ReplyAddressRevocation", "ReplyTemplate", "RuleSet",
    "SearchDocument", "SelfHelpResource", "SlaNotice", "SlaTarget", "SupportCalendar",
    "SupportRequest", "TimelineEvent", "UtilityRequest",
]
