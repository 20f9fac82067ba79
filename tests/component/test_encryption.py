"""Secrets at rest: what etcd holds is aescbc ciphertext under upstream's prefix, the API still
serves the plaintext, and values written before encryption was on stay readable."""
from __future__ import annotations

import base64
import json
from urllib.parse import urlparse

import aetcd
import pytest

from machinery.api import resources
from tests.component.auth_harness import namespace
from tests.helpers import async_eventually

pytestmark = pytest.mark.component

SECRETS = resources.lookup("", "v1", "secrets")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")
PLAINTEXT = "correct-horse-battery-staple"


async def _raw(etcd_url: str, key: str, value: bytes | None = None) -> bytes | None:
    url = urlparse(etcd_url)
    async with aetcd.Client(host=url.hostname, port=url.port) as client:
        if value is not None:
            await client.put(key.encode(), value)
            return value
        got = await client.get(key.encode())
        return got.value if got else None


async def test_secrets_are_encrypted_in_etcd(etcd, api_client):
    async with namespace(api_client, "enc") as ns:
        await api_client.create(SECRETS, {"metadata": {"name": "db"},
                                          "stringData": {"password": PLAINTEXT}}, ns)
        await api_client.create(CONFIGMAPS, {"metadata": {"name": "cfg"},
                                             "data": {"v": PLAINTEXT}}, ns)
        raw = await _raw(etcd.url, f"/registry/core/secrets/{ns}/db")
        assert raw.startswith(b"k8s:enc:aescbc:v1:key1:")
        encoded = base64.b64encode(PLAINTEXT.encode())
        assert PLAINTEXT.encode() not in raw and encoded not in raw and b'"db"' not in raw
        secret = await api_client.get(SECRETS, "db", ns)
        assert base64.b64decode(secret["data"]["password"]).decode() == PLAINTEXT
        listed = await api_client.list(SECRETS, ns)
        assert [s["metadata"]["name"] for s in listed["items"]] == ["db"]
        # other resources are stored as they were
        assert PLAINTEXT.encode() in await _raw(etcd.url, f"/registry/core/configmaps/{ns}/cfg")


async def test_plaintext_written_before_encryption_is_still_read(etcd, api_client):
    async with namespace(api_client, "enc-old") as ns:
        old = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
               "metadata": {"name": "legacy", "namespace": ns, "uid": "u-1",
                            "creationTimestamp": "2024-01-01T00:00:00Z"},
               "data": {"k": base64.b64encode(b"old").decode()}}
        await _raw(etcd.url, f"/registry/core/secrets/{ns}/legacy", json.dumps(old).encode())
        secret = await api_client.get(SECRETS, "legacy", ns)
        assert base64.b64decode(secret["data"]["k"]) == b"old"

        async def in_cache() -> bool:     # the watch cache decodes it too (rv=0 lists)
            listed = await api_client.list(SECRETS, ns, resource_version="0")
            return [s["metadata"]["name"] for s in listed["items"]] == ["legacy"]
        await async_eventually(in_cache, timeout=10)
        # the next write encrypts it
        await api_client.patch(SECRETS, "legacy", {"metadata": {"labels": {"a": "b"}}},
                               "merge", ns)
        raw = await _raw(etcd.url, f"/registry/core/secrets/{ns}/legacy")
        assert raw.startswith(b"k8s:enc:aescbc:v1:key1:")
