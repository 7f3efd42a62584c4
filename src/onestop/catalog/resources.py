"""CSV/XLSX import and export of the catalogue (django-import-export), used by the admin and by
``onestop catalog_import``.

Imports are all or nothing: every row is validated (unknown agency, life event or channel, bad ISO
duration, missing English name, publishing rules for active services) and one bad row rolls back the
whole file. Every imported row leaves an audit event (``service.import``, ``agency.import``,
``life_event.import``) in the import's transaction.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from onestop.catalog.models import Agency, Fee, LifeEvent, Service, ServiceChannel
from onestop.catalog.services import agency_snapshot, service_snapshot
from onestop.core.audit import SystemActor, audit_record
from onestop.core.i18n import content_languages, set_translations
from onestop.core.models import Region

LIST_SEPARATOR = ";"
IMPORT_ACTOR = SystemActor("catalog-import")


def _split(value: Any) -> list[str]:
    return [part.strip() for part in str(value or "").split(LIST_SEPARATOR) if part.strip()]


class CodeWidget(widgets.ForeignKeyWidget):
    """A foreign key given by its code; an unknown code is a row error naming the code, not a crash."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist as exc:
            raise ValueError(
                _("No %(model)s has the code %(code)s.")
                % {"model": self.model._meta.verbose_name, "code": value}
            ) from exc


class CodesWidget(widgets.ManyToManyWidget):
    """Codes separated by ``;``. The stock widget drops unknown codes silently; this one refuses them."""

    def __init__(self, model: type[models.Model], field: str = "code") -> None:
        super().__init__(model, separator=LIST_SEPARATOR, field=field)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        codes = _split(value)
        found = self.model.objects.filter(**{f"{self.field}__in": codes})
        missing = sorted(set(codes) - {getattr(obj, self.field) for obj in found})
        if missing:
            raise ValueError(
                _("Unknown %(model)s code(s): %(codes)s.")
                % {"model": self.model._meta.verbose_name, "codes": ", ".join(missing)}
            )
        return found


def _translated_fields(*names: str) -> list[str]:
    return [f"{name}_{lang}" for name in names for lang in content_languages()]


def _actor(kwargs: dict[str, Any]) -> Any:
    user = kwargs.get("user")
    return user if user is not None and getattr(user, "pk", None) is not None else IMPORT_ACTOR


class AuditedResource(resources.ModelResource):
    """All-or-nothing imports, audited row by row."""

    audit_action = ""

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Any:
        # A file is one change: a single invalid row must not leave the others half-imported.
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    def require_english_name(self, instance: models.Model, errors: dict[str, Any]) -> None:
        if not (getattr(instance, "name_en", "") or "").strip():
            errors["name_en"] = ValidationError(_("An English name is required."), code="required")

    def check_row(self, instance: Any, row: Any, errors: dict[str, Any]) -> None:
        """Add the resource's own row checks to ``errors`` (field → ValidationError)."""

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        # The stock resource skips many-to-many columns here and applies them after saving; check
        # them now so that unknown codes are row errors before anything is written.
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row, **kwargs)
                except ValueError as exc:
                    errors[field.attribute] = ValidationError(str(exc), code="invalid")
        self.require_english_name(instance, errors)
        self.check_row(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def validate_instance(
        self, instance: Any, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as exc:
            errors = exc.error_dict
            # modeltranslation's "name" is name_en here: report the column the file actually has.
            if "name_en" in errors:
                errors.pop("name", None)
            raise ValidationError(errors) from exc

    def snapshot(self, instance: Any) -> dict[str, Any]:
        return {}

    def save_m2m(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().save_m2m(instance, row, **kwargs)
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return
        self.after_relations(instance, row)
        audit_record(
            actor=_actor(kwargs),
            action=self.audit_action,
            target=instance,
            after=self.snapshot(instance),
            extra={"row": kwargs.get("row_number")},
        )

    def after_relations(self, instance: Any, row: Any) -> None:
        """Write what the stock resource cannot (reverse relations), once the row is saved."""


class AgencyResource(AuditedResource):
    audit_action = "agency.import"

    parent = fields.Field(attribute="parent", column_name="parent", widget=CodeWidget(Agency, field="code"))
    region = fields.Field(attribute="region", column_name="region", widget=CodeWidget(Region, field="code"))

    class Meta:
        model = Agency
        import_id_fields = ("code",)
        fields = (
            "code",
            *_translated_fields("name", "description"),
            "level",
            "parent",
            "region",
            "website",
            "email",
            "phone",
            "is_active",
        )
        clean_model_instances = True
        skip_unchanged = False

    def snapshot(self, instance: Any) -> dict[str, Any]:
        return agency_snapshot(instance)


class LifeEventResource(AuditedResource):
    audit_action = "life_event.import"

    class Meta:
        model = LifeEvent
        import_id_fields = ("code",)
        fields = ("code", *_translated_fields("name", "description"), "audience", "position")
        clean_model_instances = True

    def snapshot(self, instance: Any) -> dict[str, Any]:
        return {"code": instance.code, "name_en": instance.name_en, "audience": instance.audience}


class ServiceResource(AuditedResource):
    """One row per service. ``life_events`` and ``channels`` hold codes separated by ``;``;
    ``fee_amount`` is the amount of the service's first fee in the deployment's currency."""

    audit_action = "service.import"

    agency = fields.Field(attribute="agency", column_name="agency", widget=CodeWidget(Agency, field="code"))
    life_events = fields.Field(
        attribute="life_events", column_name="life_events", widget=CodesWidget(LifeEvent)
    )
    channels = fields.Field(column_name="channels")
    fee_amount = fields.Field(column_name="fee_amount")

    class Meta:
        model = Service
        import_id_fields = ("identifier",)
        fields = (
            "identifier",
            *_translated_fields("name", "description"),
            "agency",
            "life_events",
            "channels",
            "statutory_time",
            "statutory_time_unit",
            "target_time",
            "target_time_unit",
            "status",
            "popularity",
            "fee_amount",
        )
        export_order = fields
        clean_model_instances = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Parsed in import_instance, applied once the row is saved; keyed by the row's identifier.
        self._pending: dict[str, tuple[list[str] | None, Decimal | None, bool]] = {}

    # --- export ---
    def get_export_queryset(self, request: Any = None) -> Any:
        return Service.objects.select_related("agency").prefetch_related("life_events", "channels", "fees")

    def dehydrate_channels(self, service: Service) -> str:
        return LIST_SEPARATOR.join(channel.kind for channel in service.channels.all())

    def dehydrate_fee_amount(self, service: Service) -> str:
        fee = next(iter(service.fees.all()), None)
        return str(fee.amount) if fee is not None else ""

    # --- import ---
    def check_row(self, instance: Any, row: Any, errors: dict[str, Any]) -> None:
        kinds: list[str] | None = None
        if "channels" in row:
            kinds = _split(row["channels"])
            unknown = [k for k in kinds if k not in ServiceChannel.Kind.values]
            if unknown:
                errors["channels"] = ValidationError(
                    _("Unknown channel(s): %(kinds)s. Use counter, online, kiosk or mobile.")
                    % {"kinds": ", ".join(unknown)},
                    code="invalid",
                )
        amount: Decimal | None = None
        fee_given = bool(str(row.get("fee_amount") or "").strip())
        if fee_given:
            try:
                amount = Decimal(str(row["fee_amount"]).strip())
            except InvalidOperation:
                errors["fee_amount"] = ValidationError(_("Not an amount: %(v)s.") % {"v": row["fee_amount"]})
            else:
                if not amount.is_finite() or amount < 0:
                    errors["fee_amount"] = ValidationError(_("The amount must be zero or more."))
        if instance.status == Service.Status.ACTIVE and "agency" not in errors:
            # Same rules as service_publish: an active service must be obtainable somewhere.
            has_channels = (
                bool(kinds) if kinds is not None else bool(instance.pk and instance.channels.exists())
            )
            if not has_channels and "channels" not in errors:
                errors["channels"] = ValidationError(_("An active service needs at least one channel."))
            if instance.agency_id and not instance.agency.is_active:
                errors["agency"] = ValidationError(
                    _("The agency is not active; its services cannot be active.")
                )
        self._pending[instance.identifier] = (kinds, amount, fee_given)

    def after_relations(self, instance: Any, row: Any) -> None:
        kinds, amount, fee_given = self._pending.pop(instance.identifier, (None, None, False))
        if kinds is not None:
            instance.channels.exclude(kind__in=kinds).delete()
            existing = set(instance.channels.values_list("kind", flat=True))
            ServiceChannel.objects.bulk_create(
                [ServiceChannel(service=instance, kind=k) for k in kinds if k not in existing]
            )
        if fee_given and amount is not None:
            fee = instance.fees.first()
            if fee is None:
                fee = Fee(service=instance, currency=settings.ONESTOP_CURRENCY)
                set_translations(fee, "label", {"en": "State duty"})
            fee.amount = amount
            fee.full_clean()
            fee.save()

    def snapshot(self, instance: Any) -> dict[str, Any]:
        return service_snapshot(instance)


def import_problems(result: Any) -> list[tuple[int, str, str]]:
    """Every problem of an import result as (row number, column, message); rows count from 1, the
    first row after the header."""
    problems: list[tuple[int, str, str]] = []
    for invalid in result.invalid_rows:
        for column, messages in invalid.error_dict.items():
            problems.extend((invalid.number, column, message) for message in messages)
    for number, errors in result.row_errors():
        problems.extend((number, "", str(error.error)) for error in errors)
    problems.extend((0, "", str(error.error)) for error in result.base_errors)
    return sorted(problems, key=lambda p: (p[0], p[1]))
