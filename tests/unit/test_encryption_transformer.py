"""Encryption at rest: providers, prefixes, the config file and the identity fallback."""
from __future__ import annotations

import base64

import pytest
import yaml

from apiserver.storage.etcd import decode, encode
from apiserver.storage.transformer import (AesCbc, AesGcm, Identity, TransformError,
                                           ValueTransformer, load_config, transformer_for)

pytestmark = pytest.mark.unit

SECRET_KEY = "/registry/core/secrets/ns/s"
KEY = bytes(range(32))


def test_aescbc_seals_with_upstreams_prefix_and_round_trips():
    t = ValueTransformer({"/registry/core/secrets/": [AesCbc("key1", KEY), Identity()]})
    sealed = t.seal(SECRET_KEY, b'{"data":{"password":"hunter2"}}')
    assert sealed.startswith(b"k8s:enc:aescbc:v1:key1:")
    assert b"hunter2" not in sealed
    assert t.open(SECRET_KEY, sealed) == b'{"data":{"password":"hunter2"}}'
    assert t.seal(SECRET_KEY, b"x") != t.seal(SECRET_KEY, b"x")          # a fresh IV each time


def test_other_keys_untouched_and_plaintext_read_through_identity():
    t = ValueTransformer({"/registry/core/secrets/": [AesCbc("key1", KEY), Identity()]})
    assert t.seal("/registry/core/configmaps/ns/c", b"plain") == b"plain"
    assert t.open(SECRET_KEY, b'{"old":"value"}') == b'{"old":"value"}'
    strict = ValueTransformer({"/registry/core/secrets/": [AesCbc("key1", KEY)]})
    with pytest.raises(TransformError):
        strict.open(SECRET_KEY, b'{"old":"value"}')


def test_rotation_reads_values_of_the_old_key():
    old = ValueTransformer({"/registry/core/secrets/": [AesCbc("k1", KEY)]})
    new = ValueTransformer({"/registry/core/secrets/": [AesCbc("k2", bytes(32)),
                                                         AesCbc("k1", KEY)]})
    assert new.open(SECRET_KEY, old.seal(SECRET_KEY, b"v")) == b"v"
    wrong = ValueTransformer({"/registry/core/secrets/": [AesCbc("k1", bytes(32))]})
    for _ in range(20):      # CBC has no integrity check: a wrong key gives garbage or bad padding
        try:
            assert wrong.open(SECRET_KEY, old.seal(SECRET_KEY, b"value")) != b"value"
        except TransformError:
            pass


def test_aesgcm_binds_the_value_to_its_key():
    t = ValueTransformer({"/registry/core/secrets/": [AesGcm("g", KEY)]})
    sealed = t.seal(SECRET_KEY, b"v")
    assert sealed.startswith(b"k8s:enc:aesgcm:v1:g:") and t.open(SECRET_KEY, sealed) == b"v"
    with pytest.raises(TransformError):
        t.open("/registry/core/secrets/ns/other", sealed)


def test_store_codec_uses_the_transformer():
    t = ValueTransformer({"/registry/core/secrets/": [AesCbc("key1", KEY), Identity()]})
    obj = {"kind": "Secret", "metadata": {"name": "s", "resourceVersion": "7"},
           "data": {"a": "c2VjcmV0"}}
    value = encode(obj, SECRET_KEY, t)
    assert value.startswith(b"k8s:enc:aescbc:v1:key1:") and b"c2VjcmV0" not in value
    back = decode(value, 9, SECRET_KEY, t)
    assert back["data"] == obj["data"] and back["metadata"]["resourceVersion"] == "9"


def test_generated_config_is_private_and_loadable(tmp_path):
    t = transformer_for("", str(tmp_path))
    path = tmp_path / "encryption-config.yaml"
    assert path.stat().st_mode & 0o777 == 0o600
    doc = yaml.safe_load(path.read_text())
    (provider, identity) = doc["resources"][0]["providers"]
    assert len(base64.b64decode(provider["aescbc"]["keys"][0]["secret"])) == 32
    assert identity == {"identity": {}}
    again = transformer_for("", str(tmp_path))           # the same key on the next start
    assert again.open(SECRET_KEY, t.seal(SECRET_KEY, b"v")) == b"v"
    assert transformer_for("none", str(tmp_path)) is None


def test_config_with_several_resources(tmp_path):
    path = tmp_path / "enc.yaml"
    path.write_text(yaml.safe_dump({
        "apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
        "resources": [{"resources": ["secrets", "configmaps"], "providers": [
            {"aesgcm": {"keys": [{"name": "g", "secret": base64.b64encode(KEY).decode()}]}}]}]}))
    t = load_config(path)
    assert set(t.by_prefix) == {"/registry/core/secrets/", "/registry/core/configmaps/"}
    path.write_text("kind: Something\n")
    with pytest.raises(ValueError):
        load_config(path)
