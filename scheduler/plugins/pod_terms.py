"""Pod affinity terms: which pods a term selects (labels plus namespaces), shared by
InterPodAffinity and PodTopologySpread."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from machinery.api.errors import ApiError
from machinery.labels import LabelSelector
from machinery.selectors import label_selector_from_dict
from scheduler.framework import affinity, labels_of, namespace_of
from scheduler.nodeinfo import Obj

NamespaceLabels = Callable[[str], "dict[str, str] | None"]


def selector(sel: Obj | None) -> LabelSelector:
    """A metav1.LabelSelector; nil or invalid selects nothing, as in affinity terms upstream."""
    try:
        return label_selector_from_dict(sel, none_matches_all=False)
    except ApiError:
        return LabelSelector.nothing()


@dataclass
class Term:
    selector: LabelSelector
    namespaces: frozenset[str]
    namespace_selector: LabelSelector | None
    topology_key: str
    weight: int = 0

    def matches(self, pod: Obj, namespace_labels: NamespaceLabels) -> bool:
        namespace = namespace_of(pod)
        if namespace not in self.namespaces:
            if self.namespace_selector is None:
                return False
            if not self.namespace_selector.matches(namespace_labels(namespace) or {}):
                return False
        return self.selector.matches(labels_of(pod))


def make_term(owner: Obj, term: Obj, weight: int = 0) -> Term:
    """Namespaces default to the owner pod's own when neither list nor selector is given."""
    names = frozenset(term.get("namespaces") or ())
    ns_selector = term.get("namespaceSelector")
    if not names and ns_selector is None:
        names = frozenset([namespace_of(owner)])
    return Term(selector(term.get("labelSelector")), names,
                None if ns_selector is None else selector(ns_selector),
                term.get("topologyKey") or "", weight)


def required_terms(pod: Obj, kind: str) -> list[Term]:
    """kind: podAffinity or podAntiAffinity."""
    raw = affinity(pod, kind).get("requiredDuringSchedulingIgnoredDuringExecution") or []
    return [make_term(pod, t) for t in raw]


def preferred_terms(pod: Obj, kind: str) -> list[Term]:
    raw = affinity(pod, kind).get("preferredDuringSchedulingIgnoredDuringExecution") or []
    return [make_term(pod, w.get("podAffinityTerm") or {}, int(w.get("weight") or 0))
            for w in raw]


def no_labels(_: str) -> Any:
    return None
