"""Encryption at rest: upstream's EncryptionConfiguration, applied to values on their way to
and from etcd.

For each configured resource the first provider encrypts new writes; reads pick the provider
by the value's prefix (`k8s:enc:aescbc:v1:<key name>:`, as upstream writes it), so old values
stay readable after a key rotation, and `identity` reads values stored before encryption was
on. Providers: `aescbc` (AES-256-CBC, PKCS#7, a random IV per value), `aesgcm` (the etcd key as
additional data) and `identity`. Keys and plaintexts are never logged.
"""
from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from apiserver.storage.errors import StorageError
from machinery.api.resources import RESOURCES, storage_key_prefix

ENC_PREFIX = b"k8s:enc:"
CONFIG_NAME = "encryption-config.yaml"


class TransformError(StorageError):
    """A value that no configured provider can read (wrong key, or no identity fallback)."""


@dataclass(frozen=True)
class AesCbc:
    name: str
    key: bytes

    @property
    def prefix(self) -> bytes:
        return f"k8s:enc:aescbc:v1:{self.name}:".encode()

    def seal(self, plain: bytes, _key: bytes) -> bytes:
        iv = secrets.token_bytes(16)
        padder = padding.PKCS7(128).padder()
        enc = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
        body = enc.update(padder.update(plain) + padder.finalize()) + enc.finalize()
        return self.prefix + iv + body

    def open(self, sealed: bytes, _key: bytes) -> bytes:
        data = sealed[len(self.prefix):]
        if len(data) < 32 or len(data) % 16:
            raise TransformError("invalid aescbc ciphertext length")
        dec = Cipher(algorithms.AES(self.key), modes.CBC(data[:16])).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            return unpadder.update(dec.update(data[16:]) + dec.finalize()) + unpadder.finalize()
        except ValueError:
            raise TransformError("aescbc: bad padding (wrong key?)") from None


@dataclass(frozen=True)
class AesGcm:
    name: str
    key: bytes

    @property
    def prefix(self) -> bytes:
        return f"k8s:enc:aesgcm:v1:{self.name}:".encode()

    def seal(self, plain: bytes, key: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return self.prefix + nonce + AESGCM(self.key).encrypt(nonce, plain, key)

    def open(self, sealed: bytes, key: bytes) -> bytes:
        data = sealed[len(self.prefix):]
        try:
            return AESGCM(self.key).decrypt(data[:12], data[12:], key)
        except Exception:
            raise TransformError("aesgcm: authentication failed (wrong key?)") from None


class Identity:
    prefix = b""

    def seal(self, plain: bytes, _key: bytes) -> bytes:
        return plain

    def open(self, sealed: bytes, _key: bytes) -> bytes:
        return sealed


class ValueTransformer:
    """etcd key prefix -> providers (the first one writes)."""

    def __init__(self, providers_by_prefix: dict[str, list]):
        self.by_prefix = providers_by_prefix

    def _providers(self, key: str) -> list | None:
        for prefix, providers in self.by_prefix.items():
            if key.startswith(prefix):
                return providers
        return None

    def seal(self, key: str, plain: bytes) -> bytes:
        providers = self._providers(key)
        return providers[0].seal(plain, key.encode()) if providers else plain

    def open(self, key: str, stored: bytes) -> bytes:
        providers = self._providers(key)
        if providers is None:
            return stored
        for p in providers:
            if p.prefix and stored.startswith(p.prefix):
                return p.open(stored, key.encode())
        if not stored.startswith(ENC_PREFIX) and any(isinstance(p, Identity) for p in providers):
            return stored
        raise TransformError(f"no provider can read the value stored at {key}")


# --- the configuration file ----------------------------------------------------------------------

def _provider(entry: dict):
    (kind, body), = entry.items()
    if kind == "identity":
        return [Identity()]
    keys = (body or {}).get("keys") or []
    cls = {"aescbc": AesCbc, "aesgcm": AesGcm}.get(kind)
    if cls is None:
        raise ValueError(f"unsupported encryption provider {kind!r} (aescbc, aesgcm, identity)")
    out = []
    for k in keys:
        secret = base64.b64decode(k["secret"])
        if len(secret) not in (16, 24, 32):
            raise ValueError(f"{kind} key {k.get('name')!r} must be 16, 24 or 32 bytes")
        out.append(cls(k["name"], secret))
    return out


def _prefixes(resource: str) -> list[str]:
    plural, _, group = resource.partition(".")
    return sorted({storage_key_prefix(r) for r in RESOURCES
                   if r.plural == plural and r.group == group})


def load_config(path: Path) -> ValueTransformer:
    doc = yaml.safe_load(path.read_text()) or {}
    if doc.get("kind") != "EncryptionConfiguration":
        raise ValueError(f"{path}: not an EncryptionConfiguration")
    by_prefix: dict[str, list] = {}
    for group in doc.get("resources") or []:
        providers = [p for entry in group.get("providers") or [] for p in _provider(entry)]
        if not providers:
            raise ValueError(f"{path}: a resource group needs at least one provider")
        for resource in group.get("resources") or []:
            for prefix in _prefixes(resource):
                by_prefix.setdefault(prefix, providers)
    return ValueTransformer(by_prefix)


def write_default_config(path: Path) -> None:
    """A fresh config: secrets under a random AES-256 key, plaintext still readable."""
    doc = {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
           "resources": [{"resources": ["secrets"], "providers": [
               {"aescbc": {"keys": [{"name": "key1", "secret": base64.b64encode(
                   secrets.token_bytes(32)).decode()}]}},
               {"identity": {}}]}]}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)


def transformer_for(config: str, cert_dir: str) -> ValueTransformer | None:
    """`--encryption-provider-config`: a path, "" for `<cert-dir>/encryption-config.yaml`
    (created on first start), or "none" for no encryption."""
    if config == "none":
        return None
    path = Path(config) if config else Path(cert_dir) / CONFIG_NAME
    if not config and not path.exists():
        try:
            write_default_config(path)
        except FileExistsError:
            pass
    return load_config(path)
