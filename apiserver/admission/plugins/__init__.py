"""The admission plugins the api-server runs, in upstream's recommended order.

NamespaceLifecycle is built into the write pipeline (apiserver/rest/lifecycle.py) and always on;
`--disable-admission-plugins` leaves any of these out by its upstream name.
"""
from __future__ import annotations

from apiserver.admission import AdmissionChain
from apiserver.admission.plugins.default_ingress_class import DefaultIngressClass
from apiserver.admission.plugins.default_tolerations import DefaultTolerationSeconds
from apiserver.admission.plugins.limit_ranger import LimitRanger
from apiserver.admission.plugins.node_restriction import NodeRestriction
from apiserver.admission.plugins.pod_security import PodSecurity
from apiserver.admission.plugins.rbac_escalation import RBACEscalation
from apiserver.admission.plugins.resource_quota import ResourceQuota
from apiserver.admission.plugins.service_account import ServiceAccount

# RBACEscalation is upstream's RBAC storage check (no one grants what they do not hold), run
# here as a validating step
PLUGINS = (LimitRanger, ServiceAccount, NodeRestriction, PodSecurity, DefaultTolerationSeconds,
           DefaultIngressClass, RBACEscalation, ResourceQuota)
NAMES = tuple(p.name for p in PLUGINS)


def default_chain(disabled: str = "") -> AdmissionChain:
    """Every plugin but those named in `disabled` (comma-separated)."""
    off = {n.strip() for n in disabled.split(",") if n.strip()}
    unknown = off - set(NAMES) - {"NamespaceLifecycle"}
    if unknown:
        raise ValueError(f"unknown admission plugin(s) {sorted(unknown)}; "
                         f"known: {', '.join(NAMES)}")
    return AdmissionChain([p() for p in PLUGINS if p.name not in off])
