from django.db import models

from .models import AuditEvent


def record(action: str, *, actor=None, obj: models.Model | None = None, workspace=None,
           request=None, **data) -> AuditEvent:
    """Record one audit event: who did `action` to `obj`, in which workspace, with details."""
    company = home_user = None
    if workspace is not None:
        company = workspace.company
        home_user = None if company else workspace.user
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        company=company,
        home_user=home_user,
        data=data,
        ip_address=ip,
    )
