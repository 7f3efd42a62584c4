"""The demo's front office as a plan: which queues each centre runs (one per service group) and which
queues each counter serves, decided deterministically from what the centre offers.

Service groups follow the competent agency, as the counters of a real hall are organised: civil
registration and identity documents, property and vehicles, business and taxes, social support and
pensions, certificates. A centre only gets a queue for a group it offers services of.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from onestop.demo.data import tr


@dataclass(frozen=True)
class GroupDef:
    prefix: str
    name: dict[str, str]
    agencies: tuple[str, ...]  # agency codes; "akimat-" matches every local akimat
    share: float  # share of the visitors
    service_minutes: float  # mean time at the counter
    allows_remote: bool
    target_wait_minutes: int = 15


GROUPS: tuple[GroupDef, ...] = (
    GroupDef(
        "A",
        tr(
            "Civil registration & identity documents",
            "Регистрация актов и документы личности",
            "АХАЖ және жеке басын куәландыратын құжаттар",
            "სამოქალაქო რეესტრი და პირადობის დოკუმენტები",
        ),
        ("civil-registry", "migration-service", "min-justice"),
        0.30,
        9.0,
        True,
    ),
    GroupDef(
        "B",
        tr(
            "Property, land & vehicles",
            "Недвижимость, земля и транспорт",
            "Жылжымайтын мүлік, жер және көлік",
            "უძრავი ქონება, მიწა და ტრანსპორტი",
        ),
        ("property-registry", "vehicle-registry", "land-committee", "construction-committee", "akimat-"),
        0.20,
        14.0,
        False,
        20,
    ),
    GroupDef(
        "C",
        tr("Business & taxes", "Бизнес и налоги", "Бизнес және салықтар", "ბიზნესი და გადასახადები"),
        ("business-registry", "state-revenue", "min-industry", "min-finance"),
        0.12,
        16.0,
        False,
        20,
    ),
    GroupDef(
        "D",
        tr(
            "Social support, pensions & health",
            "Социальная поддержка, пенсии и здоровье",
            "Әлеуметтік қолдау, зейнетақы және денсаулық",
            "სოციალური დახმარება, პენსიები და ჯანმრთელობა",
        ),
        (
            "pension-fund",
            "min-labour",
            "medical-social-expertise",
            "health-insurance-fund",
            "min-health",
            "min-education",
        ),
        0.23,
        11.0,
        False,
    ),
    GroupDef(
        "E",
        tr("Certificates", "Справки", "Анықтамалар", "ცნობები"),
        (),  # everything else: certificates from statistics, archives and the like
        0.15,
        5.0,
        True,
        10,
    ),
)
GROUP_BY_PREFIX = {group.prefix: group for group in GROUPS}

# Centres where the live queue runs while the demo is up, and the counter kept free for the human
# demo operator (the simulated operators never sign in to it).
LIVE_CENTRES = ("KOK-HALL", "ALT-HALL")
HUMAN_COUNTER = 1
MAIN_CENTRE = "KOK-HALL"


def group_of(agency_code: str) -> str:
    """The prefix of the service group an agency's services are queued in."""
    for group in GROUPS:
        for code in group.agencies:
            if agency_code == code or (code.endswith("-") and agency_code.startswith(code)):
                return group.prefix
    return "E"


def plan_queues(services: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Queue prefix → service identifiers, for a centre offering ``services`` ((identifier, agency
    code) pairs). Groups with no service are left out; the order is the prefixes' order."""
    queues: dict[str, list[str]] = {group.prefix: [] for group in GROUPS}
    for identifier, agency in services:
        queues[group_of(agency)].append(identifier)
    return {prefix: ids for prefix, ids in queues.items() if ids}


def plan_profiles(counters: int, prefixes: Sequence[str]) -> list[list[str]]:
    """For counters 1..``counters``: the prefixes each serves, in order (1 to 3 queues).

    Counters are dealt out to queues in proportion to their share of visitors, so that the first
    counters of the centre already cover every queue; each counter then helps with the next queue
    or two when its own is empty, as work profiles do in practice.
    """
    if not prefixes:
        return [[] for _n in range(counters)]
    weights = {p: GROUP_BY_PREFIX[p].share * GROUP_BY_PREFIX[p].service_minutes for p in prefixes}
    total = sum(weights.values())
    # Round-robin weighted by need: each next counter goes to the queue with the least coverage.
    assigned: dict[str, int] = {p: 0 for p in prefixes}
    profiles: list[list[str]] = []
    for n in range(counters):
        if n < len(prefixes):
            primary = prefixes[n]
        else:
            primary = min(prefixes, key=lambda p: (assigned[p] / (weights[p] / total), prefixes.index(p)))
        assigned[primary] += 1
        start = prefixes.index(primary)
        extra = 0 if counters >= 3 * len(prefixes) and n % 3 == 0 else 1 if n % 2 == 0 else 2
        # Small centres: every counter takes more queues, or some queue would often go unserved.
        if counters < 2 * len(prefixes):
            extra = 2
        chain = [prefixes[(start + k) % len(prefixes)] for k in range(min(1 + extra, len(prefixes)))]
        profiles.append(chain)
    return profiles


def device_urls(base_url: str, centre_code: str, tokens: Mapping[str, str]) -> dict[str, str]:
    """Kiosk and board URLs carrying their device token (``tokens``: kind → raw token)."""
    return {kind: f"{base_url}/centres/{centre_code}/{kind}?token={token}" for kind, token in tokens.items()}
