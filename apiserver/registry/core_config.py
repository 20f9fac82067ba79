"""ConfigMaps, Secrets and ServiceAccounts (core/v1)."""
from __future__ import annotations

import base64
import binascii
import json

from .fielderr import forbidden, immutable, invalid, required, too_long
from .names import validate_config_map_key, validate_dns1123_subdomain
from .strategy import Strategy
from .typed import Errs, get_bool, get_map, get_str, get_str_map, items, sub

MAX_SECRET_SIZE = 1024 * 1024
IMMUTABLE_DETAIL = "field is immutable when `immutable` is set"


def _key_errors(errs: Errs, data: dict, path: str, other: dict, other_name: str) -> None:
    for key in data:
        p = f"{path}[{key}]"
        errs.extend(invalid(p, key, m) for m in validate_config_map_key(key))
        if key in other:
            errs.append(invalid(p, key, f"duplicate of key present in {other_name}"))


def _decoded_size(errs: Errs, data: dict[str, str], path: str) -> int:
    """Total decoded bytes of base64 values; undecodable values are reported."""
    total = 0
    for key, value in data.items():
        try:
            total += len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            errs.append(invalid(f"{path}[{key}]", "<value omitted>",
                                "illegal base64 data"))
    return total


def _immutable_checks(errs: Errs, obj: dict, old: dict, keys: tuple[str, ...]) -> None:
    if old.get("immutable") is not True:
        return
    if obj.get("immutable") is not True:
        errs.append(forbidden("immutable", IMMUTABLE_DETAIL))
    for key in keys:
        if obj.get(key) != old.get(key):
            errs.append(forbidden(key, IMMUTABLE_DETAIL))


class ConfigMapStrategy(Strategy):
    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        data = get_str_map(errs, obj, "data", "data")
        binary = get_str_map(errs, obj, "binaryData", "binaryData")
        get_bool(errs, obj, "immutable", "immutable")
        _key_errors(errs, data, "data", binary, "binaryData")
        _key_errors(errs, binary, "binaryData", data, "data")
        total = sum(len(v.encode()) for v in data.values()) + \
            _decoded_size(errs, binary, "binaryData")
        if total > MAX_SECRET_SIZE:
            errs.append(too_long("[]", MAX_SECRET_SIZE))   # upstream: the root path, printed "[]"
        if old is not None:
            _immutable_checks(errs, obj, old, ("data", "binaryData"))
        return errs


class SecretStrategy(Strategy):
    def default_object(self, obj: dict) -> None:
        if obj.get("type") in (None, ""):
            obj["type"] = "Opaque"
        self._merge_string_data(obj)

    @staticmethod
    def _merge_string_data(obj: dict) -> None:
        """stringData is write-only: upstream's conversion folds it into data (it wins)."""
        string_data = obj.get("stringData")
        if not isinstance(string_data, dict):
            return
        data = obj.get("data")
        if data is None:
            data = obj["data"] = {}
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in string_data.values()):
            return
        for key, value in string_data.items():
            data[key] = base64.b64encode(value.encode()).decode()
        del obj["stringData"]

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        data = get_str_map(errs, obj, "data", "data")
        get_str_map(errs, obj, "stringData", "stringData")
        get_bool(errs, obj, "immutable", "immutable")
        for key in data:
            errs.extend(invalid(f"data[{key}]", key, m) for m in validate_config_map_key(key))
        if _decoded_size(errs, data, "data") > MAX_SECRET_SIZE:
            errs.append(too_long("data", MAX_SECRET_SIZE))
        kind = get_str(errs, obj, "type", "type")
        _validate_secret_type(errs, obj, kind, data)
        if old is not None:
            if kind != (old.get("type") or ""):
                errs.append(immutable("type", kind))
            _immutable_checks(errs, obj, old, ("data",))
        return errs


def _validate_secret_type(errs: Errs, obj: dict, kind: str, data: dict[str, str]) -> None:
    if kind == "kubernetes.io/service-account-token":
        annotations = sub(sub(obj, "metadata"), "annotations") or {}
        if not annotations.get("kubernetes.io/service-account.name"):
            errs.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    elif kind in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson"):
        key = ".dockercfg" if kind.endswith("dockercfg") else ".dockerconfigjson"
        if key not in data:
            errs.append(required(f"data[{key}]"))
            return
        try:
            json.loads(base64.b64decode(data[key], validate=True) or b"x")
        except (binascii.Error, ValueError) as exc:
            errs.append(invalid(f"data[{key}]", "<secret contents redacted>", str(exc)))
    elif kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            errs.append(required("data[username]"))
            errs.append(required("data[password]"))
    elif kind == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            errs.append(required("data[ssh-privatekey]"))
    elif kind == "kubernetes.io/tls":
        for key in ("tls.crt", "tls.key"):
            if key not in data:
                errs.append(required(f"data[{key}]"))


class ServiceAccountStrategy(Strategy):
    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        for key in ("secrets", "imagePullSecrets"):
            for _, p, ref in items(errs, obj, key, key):
                name = get_str(errs, ref, "name", f"{p}.name")
                if name:
                    errs.extend(invalid(f"{p}.name", name, m)
                                for m in validate_dns1123_subdomain(name))
        get_bool(errs, obj, "automountServiceAccountToken", "automountServiceAccountToken")
        get_map(errs, obj, "metadata", "metadata")
        return errs
