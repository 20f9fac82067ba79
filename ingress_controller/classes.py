"""Which Ingresses are ours: IngressClasses naming our controller, and the default class.

As upstream's IngressClass semantics (and ingress-nginx's): an Ingress is ours when its
`spec.ingressClassName` (or the deprecated `kubernetes.io/ingress.class` annotation) names an
IngressClass whose `spec.controller` is our controller; an Ingress without a class is ours when
one of our IngressClasses is marked default with `ingressclass.kubernetes.io/is-default-class`.
The `--ingress-class` name is accepted even before its IngressClass object exists, so a fresh
cluster does not drop traffic while the class is being created.
"""
from __future__ import annotations

from typing import Any, Iterable

Obj = dict[str, Any]
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"


def our_classes(classes: Iterable[Obj], controller: str, class_name: str) -> tuple[set[str], bool]:
    """(names of the IngressClasses we implement, whether one of them is the default)."""
    names, default = {class_name}, False
    for ic in classes:
        meta = ic.get("metadata") or {}
        if (ic.get("spec") or {}).get("controller") != controller:
            if meta.get("name") == class_name:
                names.discard(class_name)       # that name belongs to another controller
            continue
        names.add(meta.get("name"))
        if (meta.get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true":
            default = True
    return names, default


def ingress_class(ing: Obj) -> str | None:
    spec_class = (ing.get("spec") or {}).get("ingressClassName")
    if spec_class:
        return spec_class
    return ((ing.get("metadata") or {}).get("annotations") or {}).get(LEGACY_CLASS_ANNOTATION)


def is_ours(ing: Obj, names: set[str], default: bool) -> bool:
    cls = ingress_class(ing)
    if cls is None:
        return default
    return cls in names


def served(ingresses: Iterable[Obj], classes: Iterable[Obj], controller: str,
           class_name: str) -> list[Obj]:
    names, default = our_classes(classes, controller, class_name)
    return [ing for ing in ingresses if is_ours(ing, names, default)
            and not (ing.get("metadata") or {}).get("deletionTimestamp")]
