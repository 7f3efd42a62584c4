"""Serializer pieces shared by the apps' APIs."""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.fields import Field
from rest_framework.utils.serializer_helpers import BindingDict

T = TypeVar("T")


class _SharedBindingDict(BindingDict):
    """The shared fields, read-only once made: a change would reach every request and thread."""

    sealed = False

    def __setitem__(self, key: str, field: Field[Any, Any, Any, Any]) -> None:
        if self.sealed:
            raise TypeError("a SharedFieldsInput's fields are shared; they cannot be changed")
        super().__setitem__(key, field)

    def __delitem__(self, key: str) -> None:
        raise TypeError("a SharedFieldsInput's fields are shared; they cannot be changed")


class SharedFieldsInput(serializers.Serializer[T]):
    """A top-level input serializer that validates with one set of field objects per class.

    DRF deep-copies a serializer's declared fields for every instance (``fields``), so that each
    instance can bind them to itself; for a small input on a hot path (a kiosk press) that copy
    costs more than the validation. The fields of a plain input (no nested serializers, no
    read-only fields, no per-request context, not partial) keep no state between calls, so they are
    made and bound once, to an instance that does no other work, and reused by every instance and
    thread. The declared fields still describe the API schema, and ``errors`` and
    ``validated_data`` are a plain serializer's. An instance given a context or ``partial=True``
    gets fields of its own, as usual. It cannot be nested in another serializer (its fields would
    not see the outer one), and refuses to be."""

    _shared_fields: _SharedBindingDict | None = None

    @classmethod
    def _fields_once(cls) -> BindingDict:
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:
            probe = cls()
            shared = _SharedBindingDict(probe)
            for name, field in probe.get_fields().items():
                if isinstance(field, serializers.BaseSerializer) or field.read_only:
                    raise TypeError(
                        f"{cls.__name__}.{name}: only plain writable fields can be shared; "
                        "use a plain serializer"
                    )
                shared[name] = field  # binds it to the probe, as DRF binds fields to their instance
            shared.sealed = True
            cls._shared_fields = shared
        return shared

    @cached_property
    def fields(self) -> BindingDict:
        if self.partial or self.context:
            own = BindingDict(self)
            for name, field in self.get_fields().items():
                own[name] = field
            return own
        return self._fields_once()

    def bind(self, field_name: str, parent: serializers.BaseSerializer[Any]) -> NoReturn:
        raise TypeError(f"{type(self).__name__} validates a whole request body; it cannot be nested")


__all__ = ["SharedFieldsInput"]
