"""ReplicationControllers (core/v1): the map-selector ancestor of ReplicaSets."""
from __future__ import annotations

from .fielderr import forbidden, invalid, not_supported, required
from .labels import selector_matches_labels, validate_labels
from .pod_defaults import default_template
from .pod_spec import validate_pod_template
from .strategy import Strategy
from .typed import Errs, ensure, get_map, set_default, sub
from .workload import MISMATCH, template_labels, validate_nonnegative


class ReplicationControllerStrategy(Strategy):
    has_generation = True
    reset_status_on_create = True

    def initial_status(self, obj: dict) -> dict:
        return {"replicas": 0}

    def default_object(self, obj: dict) -> None:
        spec = ensure(obj, "spec")
        if spec is None:
            return
        template = sub(spec, "template")
        labels = (sub(template, "metadata") or {}).get("labels")
        if isinstance(labels, dict) and labels:
            if not spec.get("selector"):
                spec["selector"] = dict(labels)
            meta = ensure(obj, "metadata")
            if meta is not None and not meta.get("labels"):
                meta["labels"] = dict(labels)
        set_default(spec, "replicas", 1)
        default_template(template)

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        selector = spec.get("selector")
        if not selector:
            errs.append(required("spec.selector"))
        errs.extend(validate_labels(selector, "spec.selector"))
        validate_nonnegative(errs, spec, "replicas", "spec.replicas")
        validate_nonnegative(errs, spec, "minReadySeconds", "spec.minReadySeconds")
        template = spec.get("template")
        if template is None:
            errs.append(required("spec.template"))
            return errs
        labels = template_labels(spec)
        if isinstance(selector, dict) and selector and \
                not selector_matches_labels({"matchLabels": selector}, labels):
            errs.append(invalid("spec.template.metadata.labels", labels or {}, MISMATCH))
        validate_pod_template(errs, template, "spec.template")
        tspec = sub(template, "spec") or {}
        policy = tspec.get("restartPolicy")
        if isinstance(policy, str) and policy and policy != "Always":
            errs.append(not_supported("spec.template.spec.restartPolicy", policy, ("Always",)))
        if tspec.get("activeDeadlineSeconds") is not None:
            errs.append(forbidden("spec.template.spec.activeDeadlineSeconds",
                                  "activeDeadlineSeconds in ReplicationController is not "
                                  "Supported"))
        return errs
