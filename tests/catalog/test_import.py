"""Catalogue import and export (CSV, XLSX): all or nothing, row-level problems, audited rows."""

from decimal import Decimal

import pytest
import tablib
from django.core.management import call_command

from onestop.catalog.models import Service
from onestop.catalog.resources import AgencyResource, LifeEventResource, ServiceResource, import_problems
from onestop.core.models import AuditEvent
from tests.factories.catalog import AgencyFactory, LifeEventFactory, ServiceFactory

pytestmark = pytest.mark.django_db

HEADERS = [
    "identifier",
    "name_en",
    "name_ru",
    "name_kk",
    "name_ka",
    "description_en",
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
]


def _row(identifier, **overrides):
    values = {
        "identifier": identifier,
        "name_en": f"Service {identifier}",
        "name_ru": "Услуга",
        "name_kk": "Қызмет",
        "name_ka": "",
        "description_en": "",
        "agency": "moj",
        "life_events": "birth;moving",
        "channels": "counter;online",
        "statutory_time": "P10D",
        "statutory_time_unit": "business",
        "target_time": "P5D",
        "target_time_unit": "business",
        "status": "active",
        "popularity": "10",
        "fee_amount": "1476.00",
    }
    values.update(overrides)
    return [values[h] for h in HEADERS]


@pytest.fixture
def reference_data():
    AgencyFactory(code="moj")
    LifeEventFactory(code="birth")
    LifeEventFactory(code="moving")


def _dataset(*rows):
    return tablib.Dataset(*rows, headers=HEADERS)


def test_good_file_imports_every_row_with_relations_and_audit(reference_data):
    result = ServiceResource().import_data(_dataset(_row("a"), _row("b", fee_amount="", channels="kiosk")))
    assert import_problems(result) == []
    a = Service.objects.get(identifier="a")
    assert a.name_kk == "Қызмет"
    assert a.agency.code == "moj"
    assert sorted(a.life_events.values_list("code", flat=True)) == ["birth", "moving"]
    assert sorted(a.channels.values_list("kind", flat=True)) == ["counter", "online"]
    fee = a.fees.get()
    assert (fee.amount, fee.currency) == (Decimal("1476.00"), "KZT")
    b = Service.objects.get(identifier="b")
    assert list(b.channels.values_list("kind", flat=True)) == ["kiosk"]
    assert not b.fees.exists()
    events = AuditEvent.objects.filter(action="service.import")
    assert sorted(events.values_list("target_label", flat=True)) == ["Service a", "Service b"]
    assert events.get(target_id=str(a.pk)).summary["after"]["channels"] == ["counter", "online"]


def test_reimport_updates_existing_service(reference_data):
    ServiceFactory(identifier="a", agency=AgencyFactory(code="moj"), popularity=1)
    ServiceResource().import_data(_dataset(_row("a", popularity="99", channels="mobile")))
    service = Service.objects.get(identifier="a")
    assert service.popularity == 99
    assert list(service.channels.values_list("kind", flat=True)) == ["mobile"]


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"agency": "nobody"}, "agency", "nobody"),
        ({"statutory_time": "10 days"}, "statutory_time", "ISO 8601"),
        ({"channels": "counter;pigeon"}, "channels", "pigeon"),
        ({"life_events": "birth;wedding"}, "life_events", "wedding"),
        ({"name_en": ""}, "name_en", "English"),
        ({"fee_amount": "a lot"}, "fee_amount", "a lot"),
        ({"channels": ""}, "channels", "channel"),
    ],
)
def test_one_bad_row_imports_nothing_and_names_row_and_reason(reference_data, overrides, column, reason):
    result = ServiceResource().import_data(
        _dataset(_row("good"), _row("bad", **overrides), _row("also-good"))
    )
    problems = import_problems(result)
    assert [(number, col) for number, col, _msg in problems] == [(2, column)]
    assert reason in problems[0][2]
    assert not Service.objects.exists()
    assert not AuditEvent.objects.filter(action="service.import").exists()


def test_dry_run_writes_nothing(reference_data):
    result = ServiceResource().import_data(_dataset(_row("a")), dry_run=True)
    assert import_problems(result) == []
    assert not Service.objects.exists()


def test_export_round_trips_through_import(reference_data):
    ServiceResource().import_data(_dataset(_row("a")))
    exported = ServiceResource().export()
    assert exported.headers == [
        "identifier", "name_en", "name_ru", "name_kk", "name_ka",
        "description_en", "description_ru", "description_kk", "description_ka",
        *HEADERS[6:],
    ]  # fmt: skip
    (row,) = exported.dict
    assert row["life_events"] == "birth;moving"
    assert row["channels"] == "counter;online"
    assert row["fee_amount"] == "1476.00"
    Service.objects.all().delete()
    assert import_problems(ServiceResource().import_data(exported)) == []
    assert Service.objects.get(identifier="a").channels.count() == 2


def test_agency_and_life_event_resources_import_and_audit():
    agencies = tablib.Dataset(
        ["moj", "Ministry of Justice", "Министерство юстиции", "national", ""],
        ["moj-almaty", "Justice Department of Almaty", "", "regional", "moj"],
        headers=["code", "name_en", "name_ru", "level", "parent"],
    )
    assert import_problems(AgencyResource().import_data(agencies)) == []
    events = tablib.Dataset(
        ["birth", "Birth of a child", "person", "1"], headers=["code", "name_en", "audience", "position"]
    )
    assert import_problems(LifeEventResource().import_data(events)) == []
    assert AuditEvent.objects.filter(action="agency.import").count() == 2
    assert AuditEvent.objects.filter(action="life_event.import").count() == 1


def test_agency_with_unknown_parent_is_refused():
    agencies = tablib.Dataset(["x", "X", "regional", "ghost"], headers=["code", "name_en", "level", "parent"])
    problems = import_problems(AgencyResource().import_data(agencies))
    assert [(n, c) for n, c, _m in problems] == [(1, "parent")]


def _write_csv(path, *rows):
    path.write_text(_dataset(*rows).export("csv"), encoding="utf-8")
    return path


def test_command_imports_csv(reference_data, tmp_path, capsys):
    call_command("catalog_import", str(_write_csv(tmp_path / "s.csv", _row("a"), _row("b"))))
    assert Service.objects.count() == 2
    assert "2 new" in capsys.readouterr().out


def test_command_imports_xlsx(reference_data, tmp_path):
    path = tmp_path / "services.xlsx"
    path.write_bytes(_dataset(_row("a"), _row("b", name_kk="Туу тіркеу")).export("xlsx"))
    call_command("catalog_import", str(path), "--format", "xlsx")
    assert Service.objects.get(identifier="b").name_kk == "Туу тіркеу"


def test_command_with_a_bad_row_exits_1_and_prints_it(reference_data, tmp_path, capsys):
    path = _write_csv(tmp_path / "s.csv", _row("a"), _row("b", agency="nobody"))
    with pytest.raises(SystemExit) as excinfo:
        call_command("catalog_import", str(path))
    assert excinfo.value.code == 1
    err = capsys.readouterr().err
    assert "row 2, agency: " in err
    assert "nobody" in err
    assert not Service.objects.exists()


def test_command_dry_run_writes_nothing(reference_data, tmp_path, capsys):
    call_command("catalog_import", str(_write_csv(tmp_path / "s.csv", _row("a"))), "--dry-run")
    assert not Service.objects.exists()
    assert "would import 1 row" in capsys.readouterr().out
