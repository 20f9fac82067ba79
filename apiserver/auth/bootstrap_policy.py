"""Upstream's default RBAC policy: the ClusterRoles and ClusterRoleBindings every cluster has.

Created at api-server start and reconciled on every start as upstream does: a default object
annotated `rbac.authorization.kubernetes.io/autoupdate: "true"` gets back any rule or subject it
lost (additively; what an admin added stays); one whose annotation was set to "false" is left
alone. Aggregated roles (admin, edit, view) keep the rules the aggregation controller wrote.
The component identities: users `system:kube-scheduler`, `system:kube-controller-manager`,
`system:kube-proxy`; kubelets `system:node:<name>` in group `system:nodes` (the Node authorizer
grants them `node_rules()`); admins are in `system:masters`.
"""
from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
READ_WRITE = READ + WRITE
LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"
AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-"

CORE, APPS, AUTOSCALING, BATCH, POLICY = "", "apps", "autoscaling", "batch", "policy"
NETWORKING, DISCOVERY = "networking.k8s.io", "discovery.k8s.io"
AUTHN, AUTHZ = "authentication.k8s.io", "authorization.k8s.io"
COORDINATION, STORAGE, EVENTS = "coordination.k8s.io", "storage.k8s.io", "events.k8s.io"
RBAC = "rbac.authorization.k8s.io"


def rule(verbs: list[str], groups: list[str], resources: list[str],
         names: list[str] | None = None) -> Obj:
    r: Obj = {"verbs": list(verbs), "apiGroups": list(groups), "resources": list(resources)}
    if names:
        r["resourceNames"] = list(names)
    return r


def url_rule(verbs: list[str], urls: list[str]) -> Obj:
    return {"verbs": list(verbs), "nonResourceURLs": list(urls)}


def events_rule() -> Obj:
    return rule(["create", "update", "patch"], [CORE, EVENTS], ["events"])


def _role(name: str, rules: list[Obj], labels: dict[str, str] | None = None,
          aggregate_from: str | None = None) -> Obj:
    role: Obj = {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole",
                 "metadata": {"name": name, "labels": {**LABELS, **(labels or {})},
                              "annotations": {AUTOUPDATE: "true"}},
                 "rules": rules}
    if aggregate_from:
        role["aggregationRule"] = {"clusterRoleSelectors": [
            {"matchLabels": {AGGREGATE_TO + aggregate_from: "true"}}]}
    return role


def _binding(name: str, subjects: list[tuple[str, str]], role: str | None = None) -> Obj:
    def subject(kind: str, who: str) -> Obj:
        if kind == "ServiceAccount":
            ns, _, sa = who.partition("/")
            return {"kind": kind, "name": sa, "namespace": ns}
        return {"kind": kind, "apiGroup": RBAC, "name": who}
    return {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": name, "labels": dict(LABELS),
                         "annotations": {AUTOUPDATE: "true"}},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role or name},
            "subjects": [subject(k, w) for k, w in subjects]}


# --- the user-facing aggregated roles ------------------------------------------------------------

def _aggregate_to_view() -> list[Obj]:
    return [
        rule(READ, [CORE], ["pods", "replicationcontrollers", "replicationcontrollers/scale",
                            "serviceaccounts", "services", "services/status", "endpoints",
                            "persistentvolumeclaims", "persistentvolumeclaims/status",
                            "configmaps"]),
        rule(READ, [CORE], ["limitranges", "resourcequotas", "bindings", "events", "pods/status",
                            "resourcequotas/status", "namespaces/status",
                            "replicationcontrollers/status", "pods/log"]),
        rule(READ, [CORE], ["namespaces"]),
        rule(READ, [DISCOVERY], ["endpointslices"]),
        rule(READ, [APPS], ["controllerrevisions", "daemonsets", "daemonsets/status",
                            "deployments", "deployments/scale", "deployments/status",
                            "replicasets", "replicasets/scale", "replicasets/status",
                            "statefulsets", "statefulsets/scale", "statefulsets/status"]),
        rule(READ, [AUTOSCALING], ["horizontalpodautoscalers",
                                   "horizontalpodautoscalers/status"]),
        rule(READ, [BATCH], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
        rule(READ, [POLICY], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
        rule(READ, [NETWORKING], ["ingresses", "ingresses/status", "networkpolicies"]),
    ]


def _aggregate_to_edit() -> list[Obj]:
    return [
        rule(["impersonate"], [CORE], ["serviceaccounts"]),
        rule(WRITE, [CORE], ["pods", "pods/attach", "pods/proxy", "pods/exec",
                             "pods/portforward"]),
        rule(["create"], [CORE], ["pods/eviction"]),
        rule(WRITE, [CORE], ["replicationcontrollers", "replicationcontrollers/scale",
                             "serviceaccounts", "services", "services/proxy",
                             "persistentvolumeclaims", "configmaps", "secrets", "events"]),
        rule(["create"], [CORE], ["serviceaccounts/token"]),
        rule(WRITE, [APPS], ["daemonsets", "deployments", "deployments/rollback",
                             "deployments/scale", "replicasets", "replicasets/scale",
                             "statefulsets", "statefulsets/scale"]),
        rule(WRITE, [AUTOSCALING], ["horizontalpodautoscalers"]),
        rule(WRITE, [BATCH], ["cronjobs", "jobs"]),
        rule(WRITE, [NETWORKING], ["ingresses", "networkpolicies"]),
        rule(WRITE, [POLICY], ["poddisruptionbudgets"]),
        rule(READ, [CORE], ["secrets", "pods/attach", "pods/exec", "pods/portforward",
                            "pods/proxy", "services/proxy"]),
    ]


def _aggregate_to_admin() -> list[Obj]:
    return [rule(["create"], [AUTHZ], ["localsubjectaccessreviews"]),
            rule(READ_WRITE, [RBAC], ["rolebindings", "roles"])]


# --- component and discovery roles ---------------------------------------------------------------

def node_rules() -> list[Obj]:
    """What a kubelet may do, further narrowed by the Node authorizer (secrets, configmaps,
    volumes, tokens) and NodeRestriction (its own Node, pods and Lease)."""
    return [
        rule(["create"], [AUTHN], ["tokenreviews"]),
        rule(["create"], [AUTHZ], ["subjectaccessreviews", "localsubjectaccessreviews"]),
        rule(READ, [CORE], ["services"]),
        rule(["create", "get", "list", "watch"], [CORE], ["nodes"]),
        rule(["update", "patch"], [CORE], ["nodes/status"]),
        rule(["update", "patch"], [CORE], ["nodes"]),
        rule(["create", "update", "patch"], [CORE, EVENTS], ["events"]),
        rule(READ, [CORE], ["pods"]),
        rule(["create", "delete"], [CORE], ["pods"]),
        rule(["update", "patch"], [CORE], ["pods/status"]),
        rule(["create"], [CORE], ["pods/eviction"]),
        rule(READ, [CORE], ["secrets", "configmaps"]),
        rule(["get"], [CORE], ["persistentvolumeclaims", "persistentvolumes"]),
        rule(["get"], [CORE], ["endpoints"]),
        rule(["get", "create", "update", "patch", "delete"], [COORDINATION], ["leases"]),
        rule(["get"], [STORAGE], ["volumeattachments", "csidrivers"]),
        rule(["create"], [CORE], ["serviceaccounts/token"]),
        rule(["get", "update", "patch"], [CORE], ["persistentvolumeclaims/status"]),
    ]


def _scheduler_rules() -> list[Obj]:
    return [
        events_rule(),
        rule(["create"], [COORDINATION], ["leases"]),
        rule(["get", "update"], [COORDINATION], ["leases"], ["kube-scheduler"]),
        rule(["create"], [CORE], ["endpoints"]),
        rule(["get", "update"], [CORE], ["endpoints"], ["kube-scheduler"]),
        rule(READ, [CORE], ["nodes"]),
        rule(READ + ["delete"], [CORE], ["pods"]),
        rule(["create"], [CORE], ["bindings", "pods/binding"]),
        rule(["patch", "update"], [CORE], ["pods/status"]),
        rule(READ, [CORE], ["replicationcontrollers", "services"]),
        rule(READ, [APPS], ["replicasets", "statefulsets"]),
        rule(READ, [POLICY], ["poddisruptionbudgets"]),
        rule(READ, [CORE], ["persistentvolumeclaims", "persistentvolumes"]),
        rule(["create"], [AUTHN], ["tokenreviews"]),
        rule(["create"], [AUTHZ], ["subjectaccessreviews"]),
        rule(READ, [STORAGE], ["csinodes"]),
        rule(READ, [CORE], ["namespaces"]),
        rule(READ, [STORAGE], ["csidrivers", "csistoragecapacities"]),
    ]


def _controller_manager_rules() -> list[Obj]:
    """Upstream runs each controller as its own service account; tinykube's controller-manager
    runs them all as one user, so its role is the union: everything but escalation verbs."""
    return [
        rule(READ_WRITE, ["*"], ["*"]),
        rule(["escalate"], [RBAC], ["clusterroles"]),      # the aggregation controller's
        rule(["create"], [AUTHN], ["tokenreviews"]),
        rule(["create"], [AUTHZ], ["subjectaccessreviews"]),
    ]


def _node_proxier_rules() -> list[Obj]:
    return [
        rule(["list", "watch"], [CORE], ["services", "endpoints"]),
        rule(READ, [CORE], ["nodes"]),
        events_rule(),
        rule(["list", "watch"], [DISCOVERY], ["endpointslices"]),
    ]


DISCOVERY_URLS = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                  "/openapi/*", "/readyz", "/version", "/version/"]
PUBLIC_INFO_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"]
MONITORING_URLS = ["/healthz", "/healthz/*", "/livez", "/livez/*", "/readyz", "/readyz/*",
                   "/metrics", "/metrics/slis"]


def cluster_roles() -> list[Obj]:
    return [
        _role("cluster-admin", [rule(["*"], ["*"], ["*"]), url_rule(["*"], ["*"])]),
        _role("system:discovery", [url_rule(["get"], DISCOVERY_URLS)]),
        _role("system:monitoring", [url_rule(["get"], MONITORING_URLS)]),
        _role("system:basic-user", [
            rule(["create"], [AUTHN], ["selfsubjectreviews"]),
            rule(["create"], [AUTHZ], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"])]),
        _role("system:public-info-viewer", [url_rule(["get"], PUBLIC_INFO_URLS)]),
        _role("admin", [], aggregate_from="admin"),
        _role("edit", [], {AGGREGATE_TO + "admin": "true"}, aggregate_from="edit"),
        _role("view", [], {AGGREGATE_TO + "edit": "true"}, aggregate_from="view"),
        _role("system:aggregate-to-admin", _aggregate_to_admin(), {AGGREGATE_TO + "admin": "true"}),
        _role("system:aggregate-to-edit", _aggregate_to_edit(), {AGGREGATE_TO + "edit": "true"}),
        _role("system:aggregate-to-view", _aggregate_to_view(), {AGGREGATE_TO + "view": "true"}),
        _role("system:node", node_rules()),
        _role("system:node-proxier", _node_proxier_rules()),
        _role("system:kube-scheduler", _scheduler_rules()),
        _role("system:volume-scheduler", [
            rule(READ + ["patch", "update"], [CORE], ["persistentvolumes"]),
            rule(READ, [STORAGE], ["storageclasses"]),
            rule(READ + ["patch", "update"], [CORE], ["persistentvolumeclaims"])]),
        _role("system:kube-controller-manager", _controller_manager_rules()),
        _role("system:kube-dns", [rule(["list", "watch"], [CORE], ["endpoints", "services"])]),
        _role("system:service-account-issuer-discovery", [
            url_rule(["get"], ["/.well-known/openid-configuration", "/openid/v1/jwks"])]),
        # tinykube's kube-proxy also plays the cloud's load balancer (cloud-provider-kind does
        # this upstream): it writes the addresses of LoadBalancer Services into their status.
        _role("system:tinykube:load-balancer", [
            rule(["get", "patch", "update"], [CORE], ["services/status"])]),
    ]


def cluster_role_bindings() -> list[Obj]:
    return [
        _binding("cluster-admin", [("Group", "system:masters")]),
        _binding("system:monitoring", [("Group", "system:monitoring")]),
        _binding("system:discovery", [("Group", "system:authenticated")]),
        _binding("system:basic-user", [("Group", "system:authenticated")]),
        _binding("system:public-info-viewer", [("Group", "system:authenticated"),
                                               ("Group", "system:unauthenticated")]),
        _binding("system:node", []),     # upstream keeps it empty: the Node authorizer decides
        _binding("system:node-proxier", [("User", "system:kube-proxy")]),
        _binding("system:kube-controller-manager", [("User", "system:kube-controller-manager")]),
        _binding("system:kube-dns", [("ServiceAccount", "kube-system/kube-dns")]),
        _binding("system:kube-scheduler", [("User", "system:kube-scheduler")]),
        _binding("system:volume-scheduler", [("User", "system:kube-scheduler")]),
        _binding("system:service-account-issuer-discovery",
                 [("Group", "system:serviceaccounts")]),
        _binding("system:tinykube:load-balancer", [("User", "system:kube-proxy")]),
    ]
