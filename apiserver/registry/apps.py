"""apps/v1: Deployments, ReplicaSets, StatefulSets, DaemonSets, ControllerRevisions."""
from __future__ import annotations

from .core_storage import default_pvc_spec
from .fielderr import forbidden, immutable, invalid, not_supported, required
from .labels import selector_go_repr
from .meta import validate_template_meta
from .pod_defaults import default_template
from .strategy import Strategy
from .typed import Errs, dicts, ensure, get_map, get_str, set_default, set_default_str, sub
from .workload import (check_template_matches, get_spec, int_or_percent_value,
                       validate_int_or_percent, validate_nonnegative,
                       validate_replica_set_template, validate_selector)

TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"


class _Workload(Strategy):
    has_generation = True
    reset_status_on_create = True

    def spec_and_template(self, obj: dict) -> dict | None:
        spec = ensure(obj, "spec")
        if spec is not None:
            ensure(spec, "template")
            default_template(sub(spec, "template"))
        return spec

    def validate_selector_update(self, obj: dict, old: dict) -> Errs:
        sel = (sub(obj, "spec") or {}).get("selector")
        if sel != (sub(old, "spec") or {}).get("selector"):
            return [immutable("spec.selector", selector_go_repr(sel))]
        return []


class DeploymentStrategy(_Workload):
    def default_object(self, obj: dict) -> None:
        spec = self.spec_and_template(obj)
        if spec is None:
            return
        set_default(spec, "replicas", 1)
        strategy = ensure(spec, "strategy")
        if strategy is not None:
            set_default_str(strategy, "type", "RollingUpdate")
            if strategy["type"] == "RollingUpdate":
                rolling = ensure(strategy, "rollingUpdate")
                set_default(rolling, "maxUnavailable", "25%")
                set_default(rolling, "maxSurge", "25%")
        set_default(spec, "revisionHistoryLimit", 10)
        set_default(spec, "progressDeadlineSeconds", 600)

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_spec(errs, obj)
        validate_nonnegative(errs, spec, "replicas", "spec.replicas")
        validate_selector(errs, spec, "spec", "deployment")
        validate_replica_set_template(errs, spec, "spec", "ReplicaSet")
        _validate_deployment_strategy(errs, get_map(errs, spec, "strategy", "spec.strategy"))
        min_ready = validate_nonnegative(errs, spec, "minReadySeconds", "spec.minReadySeconds")
        validate_nonnegative(errs, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit")
        deadline = validate_nonnegative(errs, spec, "progressDeadlineSeconds",
                                        "spec.progressDeadlineSeconds")
        if deadline is not None and deadline <= (min_ready or 0):
            errs.append(invalid("spec.progressDeadlineSeconds", deadline,
                                "must be greater than minReadySeconds"))
        if old is not None:
            errs.extend(self.validate_selector_update(obj, old))
        return errs


def _validate_deployment_strategy(errs: Errs, strategy: dict) -> None:
    kind = get_str(errs, strategy, "type", "spec.strategy.type")
    path = "spec.strategy.rollingUpdate"
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            errs.append(forbidden(path, "may not be specified when strategy `type` is "
                                        "'Recreate'"))
    elif kind == "RollingUpdate":
        if strategy.get("rollingUpdate") is None:
            errs.append(required(path, "this should be defaulted and never be nil"))
            return
        rolling = get_map(errs, strategy, "rollingUpdate", path)
        validate_int_or_percent(errs, rolling, "maxUnavailable", f"{path}.maxUnavailable")
        validate_int_or_percent(errs, rolling, "maxSurge", f"{path}.maxSurge", max_100=False)
        if int_or_percent_value(rolling.get("maxUnavailable")) == 0 and \
                int_or_percent_value(rolling.get("maxSurge")) == 0:
            errs.append(invalid(f"{path}.maxUnavailable", rolling.get("maxUnavailable"),
                                "may not be 0 when `maxSurge` is 0"))
    else:
        errs.append(not_supported("spec.strategy.type", kind, ("Recreate", "RollingUpdate")))


class ReplicaSetStrategy(_Workload):
    def initial_status(self, obj: dict) -> dict:
        return {"replicas": 0}

    def default_object(self, obj: dict) -> None:
        spec = self.spec_and_template(obj)
        set_default(spec, "replicas", 1)

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_spec(errs, obj)
        validate_nonnegative(errs, spec, "replicas", "spec.replicas")
        validate_nonnegative(errs, spec, "minReadySeconds", "spec.minReadySeconds")
        validate_selector(errs, spec, "spec", "deployment")   # sic: upstream's wording
        validate_replica_set_template(errs, spec, "spec", "ReplicaSet")
        if old is not None:
            errs.extend(self.validate_selector_update(obj, old))
        return errs


class StatefulSetStrategy(_Workload):
    name_validation = "label"

    def initial_status(self, obj: dict) -> dict:
        return {"replicas": 0, "availableReplicas": 0}

    def default_object(self, obj: dict) -> None:
        spec = self.spec_and_template(obj)
        if spec is None:
            return
        set_default_str(spec, "podManagementPolicy", "OrderedReady")
        strategy = ensure(spec, "updateStrategy")
        if strategy is not None:
            if strategy.get("type") in (None, ""):
                strategy["type"] = "RollingUpdate"
                ensure(strategy, "rollingUpdate")
            if strategy["type"] == "RollingUpdate":
                set_default(sub(strategy, "rollingUpdate"), "partition", 0)
        set_default(spec, "replicas", 1)
        set_default(spec, "revisionHistoryLimit", 10)
        retention = ensure(spec, "persistentVolumeClaimRetentionPolicy")
        set_default_str(retention, "whenDeleted", "Retain")
        set_default_str(retention, "whenScaled", "Retain")
        for claim in dicts(spec, "volumeClaimTemplates"):
            claim.setdefault("apiVersion", "v1")
            claim.setdefault("kind", "PersistentVolumeClaim")
            meta = ensure(claim, "metadata")
            if meta is not None:
                meta.setdefault("creationTimestamp", None)
            default_pvc_spec(ensure(claim, "spec"))
            set_default_str(ensure(claim, "status"), "phase", "Pending")

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_spec(errs, obj)
        _validate_statefulset_spec(errs, spec)
        if old is not None:
            errs.extend(_validate_statefulset_update(spec, sub(old, "spec") or {}))
        return errs


def _validate_statefulset_spec(errs: Errs, spec: dict) -> None:
    policy = get_str(errs, spec, "podManagementPolicy", "spec.podManagementPolicy")
    if not policy:
        errs.append(required("spec.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        errs.append(invalid("spec.podManagementPolicy", policy,
                            "must be 'OrderedReady' or 'Parallel'"))
    strategy = get_map(errs, spec, "updateStrategy", "spec.updateStrategy")
    kind = get_str(errs, strategy, "type", "spec.updateStrategy.type")
    if not kind:
        errs.append(required("spec.updateStrategy"))
    elif kind == "OnDelete" and strategy.get("rollingUpdate") is not None:
        errs.append(invalid("spec.updateStrategy.rollingUpdate", strategy["rollingUpdate"],
                            "only allowed for updateStrategy 'RollingUpdate'"))
    elif kind == "RollingUpdate":
        rolling = get_map(errs, strategy, "rollingUpdate", "spec.updateStrategy.rollingUpdate")
        validate_nonnegative(errs, rolling, "partition",
                             "spec.updateStrategy.rollingUpdate.partition")
    elif kind != "OnDelete":
        errs.append(invalid("spec.updateStrategy", strategy,
                            "must be 'RollingUpdate' or 'OnDelete'"))
    retention = get_map(errs, spec, "persistentVolumeClaimRetentionPolicy",
                        "spec.persistentVolumeClaimRetentionPolicy")
    for key in ("whenDeleted", "whenScaled"):
        value = retention.get(key)
        if retention and value not in ("Retain", "Delete"):
            errs.append(not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{key}",
                                      value if value is not None else "", ("Retain", "Delete")))
    validate_nonnegative(errs, spec, "replicas", "spec.replicas")
    validate_nonnegative(errs, spec, "minReadySeconds", "spec.minReadySeconds")
    validate_selector(errs, spec, "spec", "statefulset")
    check_template_matches(errs, spec, "spec")
    # Upstream checks only the template's labels and annotations here: its volumeMounts may
    # name volumeClaimTemplates, so the pod spec is left to the pods themselves.
    template = get_map(errs, spec, "template", "spec.template")
    errs.extend(validate_template_meta(template.get("metadata"), "spec.template.metadata"))
    tspec = sub(template, "spec") or {}
    if tspec.get("restartPolicy") != "Always":
        errs.append(not_supported("spec.template.spec.restartPolicy",
                                  tspec.get("restartPolicy") or "", ("Always",)))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(forbidden("spec.template.spec.activeDeadlineSeconds",
                              "activeDeadlineSeconds in StatefulSet is not Supported"))


_STS_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy",
                "persistentVolumeClaimRetentionPolicy", "minReadySeconds")


def _validate_statefulset_update(spec: dict, old_spec: dict) -> Errs:
    def frozen(s: dict) -> dict:
        return {k: v for k, v in s.items() if k not in _STS_MUTABLE}
    if frozen(spec) != frozen(old_spec):
        return [forbidden("spec", "updates to statefulset spec for fields other than 'replicas', "
                                  "'ordinals', 'template', 'updateStrategy', "
                                  "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
                                  "are forbidden")]
    return []


class DaemonSetStrategy(_Workload):
    def initial_status(self, obj: dict) -> dict:
        return {"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                "numberMisscheduled": 0, "numberReady": 0}

    def prepare_create(self, obj: dict) -> None:
        super().prepare_create(obj)
        annotations = ensure(ensure(obj, "metadata"), "annotations")
        if annotations is not None:
            annotations[TEMPLATE_GENERATION] = "1"

    def prepare_update(self, obj: dict, old: dict) -> None:
        """The template generation, kept as an annotation in apps/v1, follows template edits."""
        super().prepare_update(obj, old)
        old_annotations = sub(sub(old, "metadata"), "annotations") or {}
        try:
            generation = int(old_annotations.get(TEMPLATE_GENERATION, "1"))
        except ValueError:
            generation = 1
        if (sub(obj, "spec") or {}).get("template") != (sub(old, "spec") or {}).get("template"):
            generation += 1
        annotations = ensure(ensure(obj, "metadata"), "annotations")
        if annotations is not None:
            annotations[TEMPLATE_GENERATION] = str(generation)

    def default_object(self, obj: dict) -> None:
        spec = self.spec_and_template(obj)
        if spec is None:
            return
        strategy = ensure(spec, "updateStrategy")
        if strategy is not None:
            set_default_str(strategy, "type", "RollingUpdate")
            if strategy["type"] == "RollingUpdate":
                rolling = ensure(strategy, "rollingUpdate")
                set_default(rolling, "maxUnavailable", 1)
                set_default(rolling, "maxSurge", 0)
        set_default(spec, "revisionHistoryLimit", 10)

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_spec(errs, obj)
        validate_selector(errs, spec, "spec", "daemonset")
        validate_replica_set_template(errs, spec, "spec", "DaemonSet")
        validate_nonnegative(errs, spec, "minReadySeconds", "spec.minReadySeconds")
        validate_nonnegative(errs, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit")
        _validate_daemonset_strategy(errs, get_map(errs, spec, "updateStrategy",
                                                   "spec.updateStrategy"))
        if old is not None:
            errs.extend(self.validate_selector_update(obj, old))
        return errs


def _validate_daemonset_strategy(errs: Errs, strategy: dict) -> None:
    kind = strategy.get("type")
    path = "spec.updateStrategy.rollingUpdate"
    if kind == "OnDelete":
        return
    if kind != "RollingUpdate":
        errs.append(not_supported("spec.updateStrategy", kind if isinstance(kind, str) else "",
                                  ("RollingUpdate", "OnDelete")))
        return
    if strategy.get("rollingUpdate") is None:
        errs.append(required(path))
        return
    rolling = get_map(errs, strategy, "rollingUpdate", path)
    validate_int_or_percent(errs, rolling, "maxUnavailable", f"{path}.maxUnavailable")
    validate_int_or_percent(errs, rolling, "maxSurge", f"{path}.maxSurge")
    unavailable = int_or_percent_value(rolling.get("maxUnavailable")) != 0
    surge = int_or_percent_value(rolling.get("maxSurge")) != 0
    if unavailable and surge:
        errs.append(invalid(f"{path}.maxSurge", rolling.get("maxSurge"),
                            "may not be set when maxUnavailable is non-zero"))
    elif not unavailable and not surge:
        errs.append(required(f"{path}.maxUnavailable", "cannot be 0 when maxSurge is 0"))


class ControllerRevisionStrategy(Strategy):
    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        if obj.get("data") is None:
            errs.append(required("data", "data is mandatory"))
        validate_nonnegative(errs, obj, "revision", "revision")
        if old is not None and obj.get("data") != old.get("data"):
            errs.append(immutable("data", obj.get("data")))
        return errs
