"""Serializer pieces shared by the apps' APIs."""

from __future__ import annotations

from typing import Any, TypeVar

from rest_framework import serializers
from rest_framework.fields import Field

T = TypeVar("T")


class SharedFieldsInput(serializers.Serializer[T]):
    """An input serializer that validates with one set of field objects per class.

    DRF deep-copies a serializer's declared fields for every instance, so that each instance can
    bind them to itself; for a small input on a hot path (a kiosk press) that copy costs more than
    the validation. The fields of a plain input (no nested serializers, no per-request context, not
    partial) keep no state between calls, so they are made and bound once, to an instance that does
    no other work, and reused by every instance and thread. The declared fields still describe the
    API schema, and ``errors`` and ``validated_data`` are as a plain serializer's.

    Only for input: output through ``data`` goes through DRF's own per-instance fields."""

    _shared_fields: dict[str, Field[Any, Any, Any, Any]] | None = None

    @classmethod
    def _fields_once(cls) -> dict[str, Field[Any, Any, Any, Any]]:
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:
            shared = dict(cls().fields)
            for field in shared.values():
                if isinstance(field, serializers.BaseSerializer):
                    raise TypeError(f"{cls.__name__}: a nested serializer keeps state; declare it plainly")
            cls._shared_fields = shared
        return shared

    @property
    def _writable_fields(self) -> list[Field[Any, Any, Any, Any]]:
        if self.partial or self.context:
            return list(super()._writable_fields)
        return [field for field in self._fields_once().values() if not field.read_only]


__all__ = ["SharedFieldsInput"]
