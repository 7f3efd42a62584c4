"""The Ed25519 keys of the member subsystems this deployment hosts.

A deployment hosts the subsystems of its own agencies (their registries and their back offices).
Their private keys are never stored: each is derived from the deployment's signing key
(``ONESTOP_SIGNING_KEY`` / ``ONESTOP_SIGNING_KEY_FILE``, see core.signing) with HKDF-SHA256 and the
subsystem identifier as context, so one secret in the environment stands for all of them and no
key sits in the database. The directory stores only public keys; a remote member's public key is
entered by the administrator. Providers always verify against the directory, never against a
derived key, so a hosted and a remote member are checked the same way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from onestop.core import signing

_lock = threading.Lock()
_private: dict[tuple[bytes, str], Ed25519PrivateKey] = {}
_public: dict[str, Ed25519PublicKey] = {}


def _root_seed() -> bytes:
    return signing.private_key().private_bytes(
        encoding=serialization.Encoding.Raw,
        format=serialization.PrivateFormat.Raw,
        encryption_algorithm=serialization.NoEncryption(),
    )


def member_private_key(subsystem: str) -> Ed25519PrivateKey:
    """The private key of a hosted subsystem (``INSTANCE/CLASS/CODE/SUBSYSTEM``)."""
    root = _root_seed()
    with _lock:
        key = _private.get((root, subsystem))
        if key is None:
            seed = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=b"onestop-exchange-member/v1",
                info=subsystem.encode("utf-8"),
            ).derive(root)
            key = Ed25519PrivateKey.from_private_bytes(seed)
            _private[(root, subsystem)] = key
        return key


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def member_public_key_pem(subsystem: str) -> str:
    """The public key (PEM) the directory should hold for a hosted subsystem."""
    return public_key_pem(member_private_key(subsystem).public_key())


def key_id(public_pem: str) -> str:
    """A short name of a public key: hex SHA-256 of its raw bytes, first 16 bytes."""
    key = _load_public(public_pem)
    raw = key.public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def _load_public(pem: str) -> Ed25519PublicKey:
    with _lock:
        cached = _public.get(pem)
    if cached is not None:
        return cached
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    with _lock:
        _public[pem] = key
    return key


def sign_as(subsystem: str, data: bytes) -> str:
    """Sign ``data`` as the hosted subsystem; base64 signature."""
    return base64.b64encode(member_private_key(subsystem).sign(data)).decode("ascii")


def verify_with(public_pem: str, data: bytes, signature: str) -> bool:
    """True if ``signature`` (base64) is ``data`` signed by the key ``public_pem``. Malformed keys or
    signatures are simply not valid."""
    if not public_pem or not signature:
        return False
    try:
        _load_public(public_pem).verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
