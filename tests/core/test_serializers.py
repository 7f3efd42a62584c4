"""SharedFieldsInput validates exactly as the plain DRF serializer it replaces, from any thread."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest
from django.http import QueryDict
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

    with pytest.raises(TypeError, match="only plain writable fields"):
        WithNested(data={"child": {"name": "x"}}).is_valid()


def test_form_encoded_input_is_read_as_a_plain_serializer_reads_it():
    form = QueryDict("queue=A&services=s-1&services=s-2&channel=reception")
    shared, plain = IssueTicketInput(data=form), PlainIssueInput(data=form)
    assert _outcome(shared) == _outcome(plain)
    assert shared.validated_data["services"] == ["s-1", "s-2"]


def test_an_input_with_a_context_or_partial_gets_fields_of_its_own():
    shared = IssueTicketInput(data={"queue": "A"}).fields
    assert IssueTicketInput(data={"queue": "A"}).fields is shared
    with_context = IssueTicketInput(data={"queue": "A"}, context={"request": None})
    partial = IssueTicketInput(data={}, partial=True)
    assert with_context.fields is not shared and with_context.fields["queue"].parent is with_context
    assert partial.is_valid() and partial.validated_data == {}


def test_the_fields_are_made_once_not_for_every_input(monkeypatch):
    IssueTicketInput(data={"queue": "A"}).is_valid()  # made on first use
    made = []
    get_fields = serializers.Serializer.get_fields

    def counted(self):
        made.append(1)
        return get_fields(self)

    monkeypatch.setattr(serializers.Serializer, "get_fields", counted)
    for payload in ({"queue": "A"}, {"queue": "TOO"}):
        IssueTicketInput(data=payload).is_valid()
    assert made == []
    PlainIssueInput(data={"queue": "A"}).is_valid()
    assert made == [1]  # the counter does count a plain serializer's copy


def test_the_shared_fields_cannot_be_changed_or_nested():
    fields = IssueTicketInput(data={"queue": "A"}).fields
    with pytest.raises(TypeError):
        fields["extra"] = serializers.CharField()
    with pytest.raises(TypeError):
        del fields["queue"]

    class Outer(serializers.Serializer[dict[str, Any]]):
        ticket = IssueTicketInput()

    with pytest.raises(TypeError, match="cannot be nested"):
        Outer(data={"ticket": {"queue": "A"}}).is_valid()
