"""Factories for the data exchange's directory and the built-in registries' records.

``MemberFactory()`` is a hosted subsystem (its public key is the one this deployment derives for
it); ``MemberFactory(remote=True)`` has a key of its own, whose private half is on the instance as
``_private_key`` (tests sign with it). ``DataServiceFactory(provider=…, handler="civil-registry.person")``
is a built-in service; ``endpoint_url=…`` makes it remote. ``AccessRightFactory(client=…,
service=…)`` grants ``service-delivery`` unless ``purposes=[…]`` is given.
``RegistryRecordFactory(registry="civil-registry", kind="person", subject=nid, data={…})``.
"""

from __future__ import annotations

import factory
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from factory.django import DjangoModelFactory

from onestop.exchange import keys
from onestop.exchange.models import AccessRight, DataService, Member, Purpose, RegistryRecord


class PurposeFactory(DjangoModelFactory):
    class Meta:
        model = Purpose
        django_get_or_create = ("code",)

    code = "service-delivery"
    name = "Delivering a public service the person applied for"
    name_en = factory.SelfAttribute("name")
    legal_basis = "Law on Public Services, art. 12 (once-only principle)"
    needs_open_matter = True


def _identifier(member: Member) -> str:
    return "/".join((member.instance, member.member_class, member.member_code, member.subsystem_code))


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member
        django_get_or_create = ("identifier",)

    class Params:
        remote = False

    instance = "DEV"
    member_class = "GOV"
    member_code = factory.Sequence(lambda n: f"MEMBER{n}")
    subsystem_code = factory.Sequence(lambda n: f"subsystem-{n}")
    identifier = factory.LazyAttribute(_identifier)
    name = factory.LazyAttribute(lambda m: f"{m.member_code} {m.subsystem_code}")
    agency = None
    hosted = factory.LazyAttribute(lambda m: not m.remote)
    public_key = factory.LazyAttribute(lambda m: "" if m.remote else keys.member_public_key_pem(m.identifier))
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def remote_key(self, create: bool, extracted: object, **kwargs: object) -> None:
        if self.hosted or self.public_key:
            return
        private = Ed25519PrivateKey.generate()
        self.public_key = keys.public_key_pem(private.public_key())
        self._private_key = private  # type: ignore[attr-defined]
        if create:
            self.save(update_fields=["public_key"])


class DataServiceFactory(DjangoModelFactory):
    class Meta:
        model = DataService
        django_get_or_create = ("identifier",)

    provider = factory.SubFactory(MemberFactory)
    service_code = factory.Sequence(lambda n: f"service-{n}-v1")
    identifier = factory.LazyAttribute(lambda s: f"{s.provider.identifier}/{s.service_code}")
    name = factory.LazyAttribute(lambda s: s.service_code)
    name_en = factory.SelfAttribute("name")
    owner = factory.SelfAttribute("provider.agency")
    handler = "civil-registry.person"
    endpoint_url = ""
    timeout_seconds = 2.0
    personal_data = True
    log_bodies = False
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class AccessRightFactory(DjangoModelFactory):
    class Meta:
        model = AccessRight
        django_get_or_create = ("client", "service")

    client = factory.SubFactory(MemberFactory)
    service = factory.SubFactory(DataServiceFactory)
    granted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def purposes(self, create: bool, extracted: list[Purpose] | None, **kwargs: object) -> None:
        if not create:
            return
        self.purposes.set(extracted if extracted is not None else [PurposeFactory()])


class RegistryRecordFactory(DjangoModelFactory):
    class Meta:
        model = RegistryRecord

    registry = "civil-registry"
    kind = "person"
    subject = "900101300017"
    data = factory.LazyFunction(dict)
