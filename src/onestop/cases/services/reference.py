"""The back office's reference data: published reason codes for decisions, and officer profiles
(which services an officer handles, when they are away) that drive automatic assignment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from onestop.cases.models import OfficerProfile, ReasonCode
from onestop.catalog.models import Service
from onestop.core.audit import Actor, audit_record
from onestop.people.models import User


def _translated(prefix: str, values: Mapping[str, str]) -> dict[str, str]:
    # modeltranslation keeps one column per language; the base column mirrors English.
    result = {prefix: values.get("en", "")}
    result.update({f"{prefix}_{language}": text for language, text in values.items()})
    return result


def reason_code_create(
    *,
    actor: Actor,
    code: str,
    outcome: str,
    label: Mapping[str, str],
    legal_ground: Mapping[str, str] | None = None,
) -> ReasonCode:
    """Publish a reason code. ``label`` and ``legal_ground`` map language codes to texts (English
    required). A rejection reason must cite its legal ground; raises ``ValidationError`` otherwise."""
    ground = dict(legal_ground or {})
    problems: dict[str, str] = {}
    if outcome not in ReasonCode.Outcome.values:
        problems["outcome"] = f"unknown outcome {outcome!r}"
    if not label.get("en"):
        problems["label"] = "an English label is required"
    if outcome == ReasonCode.Outcome.REJECTION and not ground.get("en"):
        problems["legal_ground"] = "a rejection reason must cite its legal ground"
    if ReasonCode.objects.filter(code=code).exists():
        problems["code"] = "this code is already used"
    if problems:
        raise ValidationError(problems, code="invalid_reason_code")
    with transaction.atomic():
        reason = ReasonCode.objects.create(
            code=code, outcome=outcome, **_translated("label", label), **_translated("legal_ground", ground)
        )
        audit_record(
            actor=actor,
            action="reason_code.create",
            target=reason,
            after={"code": code, "outcome": outcome, "legal_ground": ground.get("en", "")},
        )
    return reason


def officer_profile_set(
    *,
    actor: Actor,
    officer: User,
    services: Sequence[Service] = (),
    absent_from: date | None = None,
    absent_until: date | None = None,
) -> OfficerProfile:
    """Create or replace ``officer``'s profile: the services they are qualified for (none means every
    service of their agency) and an absence (either end may be open). Raises ``ValidationError``
    when the absence ends before it starts."""
    if absent_from and absent_until and absent_until < absent_from:
        raise ValidationError(
            {"absent_until": "the absence cannot end before it starts"}, code="invalid_absence"
        )
    with transaction.atomic():
        profile, _created = OfficerProfile.objects.select_for_update().get_or_create(officer=officer)
        before = {
            "services": sorted(profile.services.values_list("identifier", flat=True)),
            "absent_from": profile.absent_from.isoformat() if profile.absent_from else None,
            "absent_until": profile.absent_until.isoformat() if profile.absent_until else None,
        }
        profile.absent_from, profile.absent_until = absent_from, absent_until
        profile.save(update_fields=["absent_from", "absent_until"])
        profile.services.set(services)
        audit_record(
            actor=actor,
            action="officer_profile.set",
            target=profile,
            before=before,
            after={
                "services": sorted(s.identifier for s in services),
                "absent_from": absent_from.isoformat() if absent_from else None,
                "absent_until": absent_until.isoformat() if absent_until else None,
            },
        )
    return profile
