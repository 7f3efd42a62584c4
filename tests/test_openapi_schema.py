import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_is_valid_and_has_no_warnings(tmp_path):
    """Agencies generate clients from /api/v1/schema: it must validate and have no ambiguities."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.1")
    for path in ("/api/v1/services/", "/api/v1/centres/{code}/tickets", "/api/v1/appointments"):
        assert path in schema["paths"], path
