"""The audit trail: who did what to which object, in which workspace."""

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from .models import AuditEvent


def _fields(action, *, actor, obj, workspace, request, data) -> dict:
    company = home_user = None
    if workspace is not None:
        company = workspace.company
        home_user = None if company else workspace.user
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return {
        "actor": actor if actor is not None and actor.is_authenticated else None,
        "action": action,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "object_repr": str(obj)[:200] if obj is not None else "",
        "company": company,
        "home_user": home_user,
        "data": data,
        "ip_address": ip,
    }


def record(action: str, *, actor=None, obj: models.Model | None = None, workspace=None,
           request=None, **data) -> AuditEvent:
    """Record one audit event: who did `action` to `obj`, in which workspace, with details."""
    return AuditEvent.objects.create(**_fields(action, actor=actor, obj=obj,
                                               workspace=workspace, request=request,
                                               data=data))


def record_repeatable(action: str, *, key: str, actor=None, obj=None, workspace=None,
                      request=None, **data) -> None:
    """Record an event a person may repeat at will, at most one row per `key` and minute:
    the first time as `record` does, each repeat within the minute by counting it.

    `key` names what counts as the same event (e.g. the person and the clause refused).
    """
    bucket = f"{action}:{key}:{timezone.now():%Y%m%d%H%M}"[:200]
    if AuditEvent.objects.filter(bucket=bucket).update(count=F("count") + 1):
        return
    fields = _fields(action, actor=actor, obj=obj, workspace=workspace, request=request,
                     data=data)
    try:
        with transaction.atomic():  # a savepoint: a concurrent first row leaves ours out
            AuditEvent.objects.create(bucket=bucket, **fields)
    except IntegrityError:
        AuditEvent.objects.filter(bucket=bucket).update(count=F("count") + 1)
