"""SharedFieldsInput validates exactly as the plain DRF serializer it replaces, from any thread."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest
from rest_framework import serializers

from onestop.core.serializers import SharedFieldsInput
from onestop.queueing.api_tickets import IssueTicketInput

#: IssueTicketInput's fields on a plain serializer: the behaviour the shared one must keep.
PlainIssueInput = type(
    "PlainIssueInput", (serializers.Serializer,), copy.deepcopy(dict(IssueTicketInput._declared_fields))
)


PAYLOADS: list[Any] = [
    {"queue": "A"},
    {"queue": "A", "services": ["s-1", "s-1", "s-2"], "channel": "kiosk", "priority_group": "disability"},
    {},
    {"queue": "ABC"},
    {"queue": "A", "services": "not-a-list"},
    {"queue": "A", "services": ["x" * 201]},
    {"queue": "A", "channel": "carrier-pigeon"},
    {"queue": None, "priority_group": "y" * 33},
    {"queue": "A", "services": [None, 3]},
    ["not", "an", "object"],
    "text",
]


def _outcome(serializer: serializers.Serializer[Any]) -> tuple[bool, Any]:
    valid = serializer.is_valid()
    return valid, dict(serializer.validated_data) if valid else serializer.errors


@pytest.mark.parametrize("payload", PAYLOADS)
def test_shared_fields_give_the_same_data_and_the_same_errors_as_a_plain_serializer(payload):
    assert _outcome(IssueTicketInput(data=payload)) == _outcome(PlainIssueInput(data=payload))


def test_defaults_are_fresh_for_every_input():
    first = IssueTicketInput(data={"queue": "A"})
    assert first.is_valid()
    first.validated_data["services"].append("changed")
    second = IssueTicketInput(data={"queue": "A"})
    assert second.is_valid()
    assert second.validated_data["services"] == []


def test_threads_validating_at_once_each_get_their_own_result():
    errors: list[str] = []

    def validate(n: int) -> None:
        for i in range(300):
            payload = {"queue": "AB"[i % 2], "services": [f"s-{n}-{i}"]} if i % 3 else {"queue": "TOO"}
            serializer = IssueTicketInput(data=payload)
            valid = serializer.is_valid()
            if i % 3 == 0:
                if valid or "queue" not in serializer.errors:
                    errors.append(f"{n}/{i}: accepted a bad queue")
            elif not valid or serializer.validated_data["services"] != [f"s-{n}-{i}"]:
                errors.append(f"{n}/{i}: {serializer.errors or serializer.validated_data}")

    threads = [threading.Thread(target=validate, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_nested_serializer_is_refused():
    class Child(serializers.Serializer[dict[str, Any]]):
        name = serializers.CharField()

    class WithNested(SharedFieldsInput[dict[str, Any]]):
        child = Child()

    with pytest.raises(TypeError, match="nested serializer"):
        WithNested(data={"child": {"name": "x"}}).is_valid()
