"""ObjectMeta validation (apimachinery's ValidateObjectMeta and ValidateObjectMetaUpdate)."""
from __future__ import annotations

from typing import Any

from .fielderr import NEGATIVE, forbidden, go_value, immutable, invalid, required, too_long
from .labels import validate_labels
from .names import name_errors, validate_dns1123_label, validate_qualified_name
from .typed import Errs, get_int, get_list, get_map, get_str, items, type_error

ANNOTATIONS_MAX_BYTES = 256 * 1024


def validate_object_meta(obj: dict, namespaced: bool, name_rule: str,
                         path: str = "metadata", check_name: bool = True) -> Errs:
    """Name or generateName, namespace, labels, annotations, finalizers, ownerReferences.

    Updates skip the name (it cannot change, and old objects may predate a stricter rule).
    """
    errs: Errs = []
    meta = get_map(errs, obj, "metadata", path)
    if check_name:
        errs.extend(_validate_name(meta, name_rule, path))
    namespace = get_str(errs, meta, "namespace", f"{path}.namespace")
    if namespaced:
        if not namespace:
            errs.append(required(f"{path}.namespace"))
        else:
            errs.extend(invalid(f"{path}.namespace", namespace, m)
                        for m in validate_dns1123_label(namespace))
    generation = get_int(errs, meta, "generation", f"{path}.generation")
    if generation is not None and generation < 0:
        errs.append(invalid(f"{path}.generation", generation, NEGATIVE))
    errs.extend(validate_labels(meta.get("labels"), f"{path}.labels"))
    errs.extend(validate_annotations(meta.get("annotations"), f"{path}.annotations"))
    errs.extend(_validate_finalizers(meta, f"{path}.finalizers"))
    errs.extend(_validate_owner_references(meta, f"{path}.ownerReferences"))
    return errs


def validate_template_meta(meta: Any, path: str) -> Errs:
    """The metadata of an embedded template: only labels and annotations are checked."""
    if meta is None:
        return []
    if not isinstance(meta, dict):
        return [type_error(path, meta, dict)]
    return validate_labels(meta.get("labels"), f"{path}.labels") + \
        validate_annotations(meta.get("annotations"), f"{path}.annotations")


def _validate_name(meta: dict, rule: str, path: str) -> Errs:
    errs: Errs = []
    name = get_str(errs, meta, "name", f"{path}.name")
    generate = get_str(errs, meta, "generateName", f"{path}.generateName")
    if generate:
        errs.extend(invalid(f"{path}.generateName", generate, m)
                    for m in name_errors(rule, generate, prefix=True))
    if not name:
        errs.append(required(f"{path}.name", "name or generateName is required"))
    else:
        errs.extend(invalid(f"{path}.name", name, m) for m in name_errors(rule, name))
    return errs


def validate_annotations(annotations: Any, path: str) -> Errs:
    errs: Errs = []
    if annotations is None:
        return errs
    if not isinstance(annotations, dict):
        return [type_error(path, annotations, dict)]
    total = 0
    for key, value in annotations.items():
        errs.extend(invalid(path, key, m) for m in validate_qualified_name(key.lower()))
        if not isinstance(value, str):
            errs.append(type_error(f"{path}[{key}]", value, str))
            continue
        total += len(key) + len(value.encode())
    if total > ANNOTATIONS_MAX_BYTES:
        errs.append(too_long(path, ANNOTATIONS_MAX_BYTES))
    return errs


def _validate_finalizers(meta: dict, path: str) -> Errs:
    errs: Errs = []
    for i, name in enumerate(get_list(errs, meta, "finalizers", path)):
        if not isinstance(name, str):
            errs.append(type_error(f"{path}[{i}]", name, str))
            continue
        errs.extend(invalid(f"{path}[{i}]", name, m) for m in validate_qualified_name(name))
    return errs


def _validate_owner_references(meta: dict, path: str) -> Errs:
    errs: Errs = []
    controllers: list[str] = []
    refs = items(errs, meta, "ownerReferences", path)
    for _, p, ref in refs:
        api_version = get_str(errs, ref, "apiVersion", f"{p}.apiVersion")
        if not api_version.rpartition("/")[2]:
            errs.append(invalid(f"{p}.apiVersion", api_version, "version must not be empty"))
        for key in ("kind", "name", "uid"):
            if not get_str(errs, ref, key, f"{p}.{key}"):
                errs.append(invalid(f"{p}.{key}", ref.get(key) or "",
                                    f"{key} must not be empty"))
        if ref.get("controller") is True:
            controllers.append(f"{ref.get('kind')}/{ref.get('name')}")
    if len(controllers) > 1:
        errs.append(invalid(path, [r for _, _, r in refs],
                            "Only one reference can have Controller set to true. Found \"true\" "
                            f"in references for {controllers[0]} and {controllers[1]}"))
    return errs


def validate_object_meta_update(new: dict, old: dict, path: str = "metadata") -> Errs:
    """Immutable identity fields; no new finalizers once deletion started.

    uid and creationTimestamp are compared only when the new object carries them: upstream's
    BeforeUpdate copies them from the stored object first, and so should the caller.
    """
    errs: Errs = []
    meta = get_map(errs, new, "metadata", path)
    old_meta = old.get("metadata") if isinstance(old.get("metadata"), dict) else {}
    for key in ("name", "namespace"):
        if (meta.get(key) or "") != (old_meta.get(key) or ""):
            errs.append(immutable(f"{path}.{key}", meta.get(key) or ""))
    for key in ("uid", "creationTimestamp"):
        if meta.get(key) and old_meta.get(key) and meta[key] != old_meta[key]:
            errs.append(immutable(f"{path}.{key}", meta[key]))
    if old_meta.get("deletionTimestamp"):
        added = [f for f in (meta.get("finalizers") or [])
                 if f not in (old_meta.get("finalizers") or [])]
        if added and isinstance(meta.get("finalizers"), list):
            errs.append(forbidden(f"{path}.finalizers",
                                  "no new finalizers can be added if the object is being deleted, "
                                  f"found new finalizers {go_value(added)}"))
    return errs
