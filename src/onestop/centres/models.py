"""Service centres (front offices), their counters and opening hours."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.catalog.models import Service
from onestop.core.models import Region


class Centre(models.Model):
    class Kind(models.TextChoices):
        HALL = "hall", _("Public service hall")
        CENTRE = "centre", _("Service centre")
        COMMUNITY = "community", _("Community centre")
        MOBILE = "mobile", _("Mobile unit")

    code = models.CharField(
        _("code"),
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9-]{2,16}$", _("Use 2–16 capital letters, digits or hyphens."))],
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CENTRE)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="centres"
    )
    address = models.CharField(_("address"), max_length=300)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    services = models.ManyToManyField(
        Service, verbose_name=_("services offered"), blank=True, related_name="centres"
    )
    is_active = models.BooleanField(_("open to the public"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("centre")
        verbose_name_plural = _("centres")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OpeningHours(models.Model):
    """A weekly opening period. Several per weekday allow a lunch break; none means closed."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")), name="opening_hours_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Counter(models.Model):
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="counters")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    label = models.CharField(_("label"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["centre", "number"]
        constraints = [models.UniqueConstraint(fields=["centre", "number"], name="counter_unique_number")]

    def __str__(self) -> str:
        return f"{self.centre.code} #{self.number}"
