"""Support calendars (clause 2.2), SLA targets of paid plans (3.3), authorised technical
contacts and the notices the sweep sends."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import Company, Segment, validate_time_zone
from licensing.models import SupportPlan

from ..requests.models import Priority


class SupportCalendar(models.Model):
    """Support working hours for a country and segment (clause 2.2): a time zone, weekly
    opening hours and the holidays of the country (and state), adjusted by staff."""

    name = models.CharField(_("name"), max_length=100)
    country = CountryField(_("country"), blank=True,
                           help_text=_("Empty: the default for countries without their own."))
    segment = models.CharField(_("segment"), max_length=32, choices=Segment)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    holiday_country = models.CharField(
        _("public holidays of"), max_length=2, blank=True,
        help_text=_("ISO country code for the public holidays; empty for none."),
    )
    holiday_subdivision = models.CharField(
        _("state or region"), max_length=10, blank=True,
        help_text=_("Where holidays differ by state, e.g. KUL for Kuala Lumpur."),
    )
    # Part of the cache key of the built schedule (helpdesk.calendars): saving the calendar,
    # its hours or its exceptions moves it on.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("support calendar")
        verbose_name_plural = _("support calendars")
        ordering = ["country", "segment"]
        constraints = [
            models.UniqueConstraint(fields=["country", "segment"],
                                    name="calendar_unique_country_segment"),
        ]

    def __str__(self):
        return self.name


def _calendar_changed(calendar_id) -> None:
    """Move the calendar's `updated_at` on, so its cached schedule is built again."""
    SupportCalendar.objects.filter(pk=calendar_id).update(updated_at=timezone.now())


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(SupportCalendar, on_delete=models.CASCADE,
                                 related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight, the end of the day."))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["calendar", "weekday", "opens"]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _calendar_changed(self.calendar_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _calendar_changed(self.calendar_id)
        return result


class CalendarException(models.Model):
    """A day staff close (an extra holiday) or open (a public holiday worked)."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Closed")
        OPEN = "open", _("Open")

    calendar = models.ForeignKey(SupportCalendar, on_delete=models.CASCADE,
                                 related_name="exceptions")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_exception_day"),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _calendar_changed(self.calendar_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _calendar_changed(self.calendar_id)
        return result


class SlaTarget(models.Model):
    """Response and resolution targets of a paid plan for one priority, in business
    minutes of the support calendar (or around the clock). Standard Support has none."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="sla_targets")
    priority = models.CharField(_("priority"), max_length=16, choices=Priority)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    next_response_minutes = models.PositiveIntegerField(_("next response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))
    around_the_clock = models.BooleanField(
        _("around the clock"), default=False,
        help_text=_("Count every hour of every day instead of the support calendar."),
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["plan", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "priority"], name="sla_target_unique"),
        ]

    def __str__(self):
        return f"{self.plan} · {self.get_priority_display()}"


class AuthorisedContact(models.Model):
    """A company member allowed to file premium requests under a paid plan."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE,
                                related_name="authorised_contacts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("authorised technical contact")
        verbose_name_plural = _("authorised technical contacts")
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="authorised_contact_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.company}"


class SlaNotice(models.Model):
    """A reminder or an escalation sent for one target of one request: the unique row makes
    each happen at most once, however sweeps overlap."""

    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        NEXT_RESPONSE = "next_response", _("Next response")
        RESOLUTION = "resolution", _("Resolution")

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation")

    request = models.ForeignKey("SupportRequest", on_delete=models.CASCADE,
                                related_name="sla_notices")
    target = models.CharField(_("target"), max_length=16, choices=Target)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("SLA notice")
        verbose_name_plural = _("SLA notices")
        constraints = [
            models.UniqueConstraint(fields=["request", "target", "kind", "due_at"],
                                    name="sla_notice_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_target_display()} · {self.request_id}"
