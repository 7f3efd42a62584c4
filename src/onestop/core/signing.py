"""The deployment's Ed25519 signing key: signs audit checkpoints and, later, data-exchange messages.

The key comes from ``settings.ONESTOP_SIGNING_KEY`` (base64 of the 32-byte raw seed) or, failing
that, from the PEM file ``settings.ONESTOP_SIGNING_KEY_FILE``. In development a missing file is
generated (mode 0600) on first use so ``make demo`` needs no setup; in production a missing key is a
configuration error, because a key made up on the spot would sign nothing anyone can check later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_lock = threading.Lock()
# Keyed on where the key came from, so a test (or a settings reload) that points elsewhere gets its key.
_cache: dict[tuple[str, str], Ed25519PrivateKey] = {}


def _key_source() -> tuple[str, str]:
    return str(getattr(settings, "ONESTOP_SIGNING_KEY", "") or ""), str(settings.ONESTOP_SIGNING_KEY_FILE)


def _from_seed(value: str) -> Ed25519PrivateKey:
    try:
        seed = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("ONESTOP_SIGNING_KEY is not valid base64") from exc
    if len(seed) != 32:
        raise ImproperlyConfigured(f"ONESTOP_SIGNING_KEY must decode to 32 bytes, got {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _from_file(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{path} does not hold a PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def _generate_file(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting at once must not each write their own key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _from_file(path)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def private_key() -> Ed25519PrivateKey:
    """The deployment's private key (loaded once per key source)."""
    source = _key_source()
    with _lock:
        cached = _cache.get(source)
        if cached is not None:
            return cached
        seed, file_name = source
        path = Path(file_name)
        if seed:
            key = _from_seed(seed)
        elif path.exists():
            key = _from_file(path)
        elif settings.PRODUCTION:
            raise ImproperlyConfigured(
                "No signing key: set ONESTOP_SIGNING_KEY (base64 Ed25519 seed) or ONESTOP_SIGNING_KEY_FILE"
            )
        else:
            key = _generate_file(path)
        _cache[source] = key
        return key


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem() -> str:
    """The public key as SubjectPublicKeyInfo PEM, for export next to anything signed."""
    return (
        public_key()
        .public_bytes(
            encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode("ascii")
    )


def _key_id_of(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def key_id() -> str:
    """Hex SHA-256 of the raw public key, first 16 bytes: names the key in signed records."""
    return _key_id_of(public_key())


def key_id_of_pem(public_key_pem: str) -> str:
    """The :func:`key_id` of another (e.g. exported) public key."""
    return _key_id_of(_load_public_pem(public_key_pem))


def _load_public_pem(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def sign(data: bytes) -> str:
    """Sign ``data`` with the deployment's key; returns the base64 signature (88 characters)."""
    return base64.b64encode(private_key().sign(data)).decode("ascii")


def verify(data: bytes, signature: str, public_key_pem: str | None = None) -> bool:
    """True if ``signature`` (base64) is a valid signature of ``data`` by the given public key, or by
    the deployment's own key when none is given. Malformed input is simply not a valid signature."""
    try:
        key = _load_public_pem(public_key_pem) if public_key_pem is not None else public_key()
        key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
