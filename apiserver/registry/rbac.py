"""rbac.authorization.k8s.io/v1: Roles, ClusterRoles and their bindings."""
from __future__ import annotations

from .fielderr import invalid, not_supported, required
from .labels import validate_label_selector
from .names import validate_dns1123_subdomain, validate_path_segment_name
from .strategy import Strategy
from .typed import Errs, dicts, ensure, get_map, get_str, get_str_list, items, set_default_str

GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ("ServiceAccount", "User", "Group")


def validate_policy_rule(errs: Errs, rule: dict, namespaced: bool, path: str) -> None:
    if not get_str_list(errs, rule, "verbs", f"{path}.verbs"):
        errs.append(required(f"{path}.verbs", "verbs must contain at least one value"))
    urls = get_str_list(errs, rule, "nonResourceURLs", f"{path}.nonResourceURLs")
    groups = get_str_list(errs, rule, "apiGroups", f"{path}.apiGroups")
    resources = get_str_list(errs, rule, "resources", f"{path}.resources")
    names = get_str_list(errs, rule, "resourceNames", f"{path}.resourceNames")
    if urls:
        if namespaced:
            errs.append(invalid(f"{path}.nonResourceURLs", urls,
                                "namespaced rules cannot apply to non-resource URLs"))
        if groups or resources or names:
            errs.append(invalid(f"{path}.nonResourceURLs", urls, "rules cannot apply to both "
                                "regular resources and non-resource URLs"))
        return
    if not groups:
        errs.append(required(f"{path}.apiGroups",
                             "resource rules must supply at least one api group"))
    if not resources:
        errs.append(required(f"{path}.resources",
                             "resource rules must supply at least one resource"))


class RoleStrategy(Strategy):
    name_validation = "path-segment"

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        for _, p, rule in items(errs, obj, "rules", "rules"):
            validate_policy_rule(errs, rule, self.info.namespaced, p)
        if not self.info.namespaced and obj.get("aggregationRule") is not None:
            rule = get_map(errs, obj, "aggregationRule", "aggregationRule")
            selectors = items(errs, rule, "clusterRoleSelectors",
                              "aggregationRule.clusterRoleSelectors")
            if not selectors:
                errs.append(required("aggregationRule.clusterRoleSelectors",
                                     "at least one clusterRoleSelector required if "
                                     "aggregationRule is non-nil"))
            for _, p, sel in selectors:
                errs.extend(validate_label_selector(sel, p))
        return errs


class RoleBindingStrategy(Strategy):
    name_validation = "path-segment"

    def default_object(self, obj: dict) -> None:
        set_default_str(ensure(obj, "roleRef"), "apiGroup", GROUP)
        for subject in dicts(obj, "subjects"):
            if not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
                subject["apiGroup"] = GROUP

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        ref = get_map(errs, obj, "roleRef", "roleRef")
        group = get_str(errs, ref, "apiGroup", "roleRef.apiGroup")
        if group != GROUP:
            errs.append(not_supported("roleRef.apiGroup", group, (GROUP,)))
        kind = get_str(errs, ref, "kind", "roleRef.kind")
        kinds = ("Role", "ClusterRole") if self.info.namespaced else ("ClusterRole",)
        if kind not in kinds:
            errs.append(not_supported("roleRef.kind", kind, kinds))
        name = get_str(errs, ref, "name", "roleRef.name")
        if not name:
            errs.append(required("roleRef.name"))
        else:
            errs.extend(invalid("roleRef.name", name, m) for m in validate_path_segment_name(name))
        for _, p, subject in items(errs, obj, "subjects", "subjects"):
            _validate_subject(errs, subject, self.info.namespaced, p)
        if old is not None and obj.get("roleRef") != old.get("roleRef"):
            errs.append(invalid("roleRef", obj.get("roleRef"), "cannot change roleRef"))
        return errs


def _validate_subject(errs: Errs, subject: dict, namespaced: bool, path: str) -> None:
    name = get_str(errs, subject, "name", f"{path}.name")
    if not name:
        errs.append(required(f"{path}.name"))
    kind = get_str(errs, subject, "kind", f"{path}.kind")
    group = get_str(errs, subject, "apiGroup", f"{path}.apiGroup")
    if kind == "ServiceAccount":
        if name:
            errs.extend(invalid(f"{path}.name", name, m) for m in validate_dns1123_subdomain(name))
        if group:
            errs.append(not_supported(f"{path}.apiGroup", group, ("",)))
        if not namespaced and not get_str(errs, subject, "namespace", f"{path}.namespace"):
            errs.append(required(f"{path}.namespace"))
    elif kind in ("User", "Group"):
        if group != GROUP:
            errs.append(not_supported(f"{path}.apiGroup", group, (GROUP,)))
    else:
        errs.append(not_supported(f"{path}.kind", kind, SUBJECT_KINDS))
