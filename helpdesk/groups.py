"""The two staff groups and what each may do in the admin.

Agents work the requests of their queues; Supervisors also run the queues, the catalogue,
the rules, the calendars and the reports. The data migration creates the groups; running
`sync_staff_groups()` again (the demo seed does) also grants the permissions of models
added since, so a new app's models only need a line here.
"""

AGENTS = "Agents"
SUPERVISORS = "Supervisors"

_READ = ("view",)
_WORK = ("view", "change")
_ALL = ("view", "add", "change", "delete")

AGENT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "helpdesk.supportrequest": ("view", "add", "change"),
    "helpdesk.message": ("view", "add"),
    "helpdesk.attachment": ("view", "add"),
    "helpdesk.utilityrequest": ("view", "add"),
    "helpdesk.noguaranteeflag": ("view", "add", "change"),
    "helpdesk.timelineevent": _READ,
    "helpdesk.queue": _READ,
    "helpdesk.supportcalendar": _READ,
    "helpdesk.openinghours": _READ,
    "helpdesk.calendarexception": _READ,
    "helpdesk.selfhelpresource": _READ,
    "helpdesk.ruleset": _READ,
    "helpdesk.clause": _READ,
    "licensing.product": _READ,
    "licensing.productversion": _READ,
    "licensing.systemrequirement": _READ,
    "licensing.supportplan": _READ,
    "licensing.paidservice": _READ,
    "licensing.requestcategory": _READ,
    # Licence recovery (4.1.3): agents look licences up for customers.
    "licensing.licence": _READ,
    "licensing.quoterequest": _WORK,
    "accounts.user": _READ,
    "accounts.company": _READ,
    "accounts.membership": _READ,
}

SUPERVISOR_PERMISSIONS: dict[str, tuple[str, ...]] = {
    **AGENT_PERMISSIONS,
    "helpdesk.queue": _ALL,
    "helpdesk.queueroute": _ALL,
    "helpdesk.ruleset": _ALL,
    "helpdesk.clause": _ALL,
    "helpdesk.selfhelpresource": _ALL,
    "helpdesk.supportcalendar": _ALL,
    "helpdesk.openinghours": _ALL,
    "helpdesk.calendarexception": _ALL,
    "helpdesk.slatarget": _ALL,
    "helpdesk.authorisedcontact": _ALL,
    "helpdesk.slanotice": _READ,
    "licensing.product": _ALL,
    "licensing.productversion": _ALL,
    "licensing.systemrequirement": _ALL,
    "licensing.supportplan": _ALL,
    "licensing.paidservice": _ALL,
    "licensing.requestcategory": _ALL,
    "licensing.licence": ("view", "add", "change"),
    "accounts.auditevent": _READ,
    "feedback.survey": _WORK,
    "feedback.question": _WORK,
    "feedback.feedbackrequest": _READ,
    "feedback.feedbackresponse": _READ,
}

GROUPS = {AGENTS: AGENT_PERMISSIONS, SUPERVISORS: SUPERVISOR_PERMISSIONS}


def sync_staff_groups(apps=None) -> None:
    """Create the groups and add their permissions; models not installed (yet) are skipped.
    Adds only, never removes, so permissions staff granted by hand stay."""
    if apps is None:
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, spec in GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for label, actions in spec.items():
            app_label, model = label.split(".")
            wanted += [
                p.pk for p in Permission.objects.filter(
                    content_type__app_label=app_label, content_type__model=model,
                    codename__in=[f"{action}_{model}" for action in actions])
            ]
        group.permissions.add(*wanted)
