"""Files of a request: uploads, malware samples and downloads (DESIGN.md section 6)."""

from __future__ import annotations

from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access, audit
from accounts.errors import DomainError, InvalidState, NotAllowed
from accounts.workspace import Workspace

from ..sla import clock as sla_clock
from . import storage as files
from .models import (
    Attachment,
    Message,
    SupportRequest,
    TimelineEvent,
    UtilityRequest,
)
from .permissions import may_work, require_agent
from .transitions import (
    event,
    lock,
    status_event,
    stop_waiting,
)

Status = SupportRequest.Status
Kind = TimelineEvent.Kind


# Files ----------------------------------------------------------------------------------

def upload_attachment(support_request: SupportRequest, *, by, file,
                      message: Message | None = None,
                      utility_request: UtilityRequest | None = None) -> Attachment:
    """Attach a file; AttachmentRefused (nothing stored, nothing else changed) if it is too
    large, empty, badly named or of a type not accepted.

    A customer's file on a request of a sample-taking category (4.1.2 a, b) is a malware
    sample: any type, kept apart, never handed back to the customer. A customer's upload
    that answers a utility request fulfils it, and re-opens the request once nothing else
    is awaited.
    """
    staff = may_work(by, support_request)
    if not staff and not access.is_customer_of(by, support_request):
        raise NotAllowed(_("You cannot add files to this request."))
    if message is not None and (message.request_id != support_request.pk or (
            not staff and (message.is_internal or message.author_id != by.pk))):
        raise NotAllowed(_("The file can only go with your own message on this request."))
    if utility_request is not None and (staff or utility_request.request_id
                                        != support_request.pk):
        raise NotAllowed(_("Only the customer answers a utility request of this request."))
    if not staff:
        _require_open_for_customer(
            SupportRequest.objects.values_list("status", flat=True).get(pk=support_request.pk))

    is_sample = not staff and support_request.category.takes_sample
    stored = files.check_and_store(file, is_sample=is_sample)
    try:
        with transaction.atomic():
            attachment = _record_attachment(support_request, stored, by=by, message=message,
                                            utility_request=utility_request,
                                            is_sample=is_sample, staff=staff)
    except BaseException:
        files.delete_stored(stored.name)  # nothing in the database points at it
        raise
    return attachment


def _require_open_for_customer(status: str) -> None:
    if status in SupportRequest.FINAL_STATUSES:
        raise InvalidState(_("This request is closed; reply to it to open a follow-up."))


def _record_attachment(support_request, stored, *, by, message, utility_request, is_sample,
                       staff):
    locked = lock(support_request)
    if not staff:  # it may have closed while the file was being checked
        _require_open_for_customer(locked.status)
    now = timezone.now()
    attachment = Attachment.objects.create(
        request=locked, message=message, uploaded_by=by, file=stored.name,
        original_name=stored.original_name, size=stored.size,
        content_type=stored.content_type, sha256=stored.sha256, is_sample=is_sample,
        created_at=now)
    internal = message is not None and message.is_internal
    event(locked, Kind.ATTACHMENT_ADDED, actor=by, internal=internal, at=now,
           attachment=attachment.pk, name=attachment.original_name, size=attachment.size,
           sha256=attachment.sha256, sample=is_sample)
    if utility_request is None:
        return attachment
    utility_request = UtilityRequest.objects.select_for_update().get(pk=utility_request.pk)
    if not utility_request.is_pending:
        raise InvalidState(_("This utility request has already been answered."))
    utility_request.fulfilled_at = now
    utility_request.attachment = attachment
    utility_request.save(update_fields=["fulfilled_at", "attachment"])
    event(locked, Kind.UTILITY_ANSWERED, actor=by, at=now, utility=utility_request.utility,
           utility_request=utility_request.pk, attachment=attachment.pk)
    still_waiting = locked.utility_requests.filter(fulfilled_at__isnull=True).exists()
    fields = ["last_customer_reply_at", "updated_at"]
    locked.last_customer_reply_at = now
    old = locked.status
    if old == Status.WAITING_ON_CUSTOMER and not still_waiting:
        locked.status = Status.OPEN
        fields.append("status")
        stop_waiting(locked, fields)
    if locked.status in (Status.NEW, Status.OPEN):
        sla_clock.customer_replied(locked, now, fields,
                                      resumed=old == Status.WAITING_ON_CUSTOMER)
    locked.save(update_fields=fields)
    status_event(locked, old, locked.status, actor=by, at=now)
    return attachment


def download_sample(attachment: Attachment, *, by, http_request=None):
    """The sample inside a ZIP encrypted with `infected`, for staff only; every download
    is audited. Returns an open temporary file."""
    support_request = attachment.request
    require_agent(by, support_request)
    if not attachment.is_sample:
        raise DomainError(_("This file is not a sample."))
    if attachment.purged_at is not None or not attachment.file:
        raise InvalidState(_("This sample was purged after the retention period."))
    workspace = (Workspace(user=by, company=support_request.company)
                 if support_request.company_id else Workspace(user=support_request.home_user))
    with transaction.atomic():
        audit.record("helpdesk.sample_downloaded", actor=by, obj=attachment,
                     workspace=workspace, request=http_request,
                     reference=support_request.reference, sha256=attachment.sha256,
                     name=attachment.original_name)
        event(support_request, Kind.SAMPLE_DOWNLOADED, actor=by, internal=True,
               attachment=attachment.pk, sha256=attachment.sha256)
    return files.encrypted_sample_zip(attachment)


def file_response(attachment: Attachment, *, by, http_request) -> FileResponse:
    """The file as a download (never inline, never sniffed); a sample only for staff, as
    an encrypted ZIP, audited."""
    if attachment.is_sample:
        archive = download_sample(attachment, by=by, http_request=http_request)
        response = FileResponse(archive, as_attachment=True,
                                filename=f"{attachment.original_name}.zip",
                                content_type="application/zip")
    else:
        response = FileResponse(files.open_stored(attachment.file.name), as_attachment=True,
                                filename=attachment.original_name,
                                content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
