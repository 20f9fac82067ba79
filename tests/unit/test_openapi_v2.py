"""/openapi/v2's document: gnostic's protobuf Document, read back with our own wire decoder."""
import pytest

from apiserver.openapi import v2
from apiserver.protobuf.wire import encode_varint, iter_fields, read_varint

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 2**32, 2**63])
def test_varints_round_trip(value):
    assert read_varint(encode_varint(value), 0) == (value, len(encode_varint(value)))


def test_protobuf_document_has_swagger_info_and_empty_paths():
    fields = {number: value for number, _, value in iter_fields(v2.document_protobuf("v1.32.0"))}
    assert fields[1] == b"2.0"
    info = {number: value for number, _, value in iter_fields(fields[2])}
    assert info == {1: b"Kubernetes", 2: b"v1.32.0"}
    assert fields[8] == b""
    assert set(fields) == {1, 2, 8}          # no definitions: kubectl skips its own check


def test_json_document_matches():
    assert v2.document_json("v1.32.0") == {"swagger": "2.0", "paths": {},
                                           "info": {"title": "Kubernetes", "version": "v1.32.0"}}


def test_kubectl_asks_for_protobuf():
    assert v2.wants_protobuf("application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
    assert not v2.wants_protobuf("application/json")
    assert not v2.wants_protobuf(None)
