"""The staff admin of the helpdesk, one module per capability; Django's admin
autodiscovery imports this module."""

from .email import admin as email_admin  # noqa: F401 - inbound emails, reply addresses
from .replies import admin as replies_admin  # noqa: F401 - reply templates
from .requests import admin as requests_admin  # noqa: F401 - requests, queues, phone intake
from .rules import admin as rules_admin  # noqa: F401 - versioned Support Rules
from .selfhelp import admin as selfhelp_admin  # noqa: F401 - self-help resources
from .sla import admin as sla_admin  # noqa: F401 - calendars, targets, contacts, breaches
