"""The deployment's Ed25519 key: where it comes from, and what it signs."""

from __future__ import annotations

import base64
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from onestop.core import signing


@pytest.fixture
def key_file(settings, tmp_path):
    settings.ONESTOP_SIGNING_KEY = ""
    settings.ONESTOP_SIGNING_KEY_FILE = tmp_path / "keys" / "signing_key.pem"
    settings.PRODUCTION = False
    return settings.ONESTOP_SIGNING_KEY_FILE


def test_development_generates_a_private_key_file_readable_only_by_its_owner(key_file):
    signature = signing.sign(b"hello")

    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert signing.verify(b"hello", signature)


def test_the_generated_key_is_reused_not_replaced(key_file, settings):
    first_id = signing.key_id()
    pem_before = key_file.read_bytes()
    signing._cache.clear()  # as a fresh process would start

    assert signing.key_id() == first_id
    assert key_file.read_bytes() == pem_before


def test_production_without_a_key_is_a_configuration_error(key_file, settings):
    settings.PRODUCTION = True

    with pytest.raises(ImproperlyConfigured, match="ONESTOP_SIGNING_KEY"):
        signing.sign(b"x")
    assert not key_file.exists()


def test_production_loads_the_configured_key_file(key_file, settings):
    key = Ed25519PrivateKey.generate()
    key_file.parent.mkdir(parents=True)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    settings.PRODUCTION = True

    signature = signing.sign(b"x")

    key.public_key().verify(base64.b64decode(signature), b"x")


def test_key_from_the_environment_seed_wins_and_is_deterministic(key_file, settings):
    seed = bytes(range(32))
    settings.ONESTOP_SIGNING_KEY = base64.b64encode(seed).decode()
    expected = Ed25519PrivateKey.from_private_bytes(seed)

    signature = signing.sign(b"payload")

    expected.public_key().verify(base64.b64decode(signature), b"payload")
    assert not key_file.exists()


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_malformed_seed_is_a_configuration_error(key_file, settings, value):
    settings.ONESTOP_SIGNING_KEY = value

    with pytest.raises(ImproperlyConfigured):
        signing.key_id()


def test_signature_does_not_verify_for_other_data_another_key_or_garbage(key_file):
    signature = signing.sign(b"seq=5")
    other_pem = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    assert signing.verify(b"seq=5", signature, signing.public_key_pem())
    assert not signing.verify(b"seq=6", signature)
    assert not signing.verify(b"seq=5", signature, other_pem)
    assert not signing.verify(b"seq=5", "@@not base64@@")
    assert not signing.verify(b"seq=5", signature, "not a pem")


def test_key_id_names_the_public_key(key_file):
    assert len(signing.key_id()) == 32
    assert signing.key_id_of_pem(signing.public_key_pem()) == signing.key_id()
