"""batch/v1: Jobs (with generated selectors) and CronJobs."""
from __future__ import annotations

import copy
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .cron import parse_schedule
from .fielderr import GoRepr, immutable, invalid, not_supported, required
from .labels import selector_go_repr, selector_matches_labels, validate_label_selector
from .meta import validate_template_meta
from .pod_defaults import default_template
from .pod_spec import validate_pod_template
from .strategy import Strategy
from .typed import Errs, ensure, get_bool, get_map, get_str, set_default, sub
from .workload import check_template_matches, validate_nonnegative

CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID = "controller-uid"
LEGACY_JOB_NAME = "job-name"
COMPLETION_MODES = ("NonIndexed", "Indexed")
JOB_RESTART_POLICIES = ("OnFailure", "Never")
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
_SCHEDULING_DIRECTIVES = ("nodeSelector", "tolerations", "affinity", "schedulingGates")


def default_job_spec_fields(obj: dict) -> None:
    """SetDefaults_Job: counts, back-off, modes, and the Job's labels from its template."""
    spec = ensure(obj, "spec")
    if spec is None:
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    set_default(spec, "parallelism", 1)
    set_default(spec, "backoffLimit",
                2**31 - 1 if spec.get("backoffLimitPerIndex") is not None else 6)
    labels = (sub(sub(spec, "template"), "metadata") or {}).get("labels")
    meta = ensure(obj, "metadata")
    if isinstance(labels, dict) and meta is not None and not meta.get("labels"):
        meta["labels"] = dict(labels)
    set_default(spec, "completionMode", "NonIndexed")
    set_default(spec, "suspend", False)
    set_default(spec, "podReplacementPolicy",
                "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed")
    set_default(spec, "manualSelector", False)
    for rule in (sub(spec, "podFailurePolicy") or {}).get("rules") or []:
        for pattern in (rule.get("onPodConditions") or []) if isinstance(rule, dict) else []:
            if isinstance(pattern, dict):
                pattern.setdefault("status", "True")


class JobStrategy(Strategy):
    has_generation = True
    reset_status_on_create = True

    def prepare_create(self, obj: dict) -> None:
        super().prepare_create(obj)
        spec = ensure(obj, "spec")
        if spec is not None and spec.get("manualSelector") is not True:
            self._generate_selector(obj, spec)

    @staticmethod
    def _generate_selector(obj: dict, spec: dict) -> None:
        """Label the template with the Job's uid and name and select on the uid."""
        meta = sub(obj, "metadata") or {}
        uid, name = str(meta.get("uid") or ""), str(meta.get("name") or "")
        template = ensure(spec, "template")
        tmeta = ensure(template, "metadata")
        labels = ensure(tmeta, "labels")
        if labels is None:
            return
        labels.setdefault(LEGACY_JOB_NAME, name)
        labels.setdefault(JOB_NAME, name)
        selector = ensure(spec, "selector")
        match = ensure(selector, "matchLabels")
        if match is not None:
            match.setdefault(CONTROLLER_UID, uid)
        labels.setdefault(LEGACY_CONTROLLER_UID, uid)
        labels.setdefault(CONTROLLER_UID, uid)

    def default_object(self, obj: dict) -> None:
        default_job_spec_fields(obj)
        spec = sub(obj, "spec")
        if spec is not None:
            ensure(spec, "template")
            default_template(sub(spec, "template"))

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        if spec.get("manualSelector") is not True:
            errs.extend(_validate_generated_selector(obj, spec))
        if spec.get("selector") is None:
            errs.append(required("spec.selector"))
        else:
            errs.extend(validate_label_selector(spec["selector"], "spec.selector"))
        check_template_matches(errs, spec, "spec")
        validate_job_spec(errs, spec, "spec")
        if old is not None:
            errs.extend(_validate_job_update(spec, sub(old, "spec") or {}, old))
        return errs


def _validate_generated_selector(obj: dict, spec: dict) -> Errs:
    errs: Errs = []
    if spec.get("selector") is None:
        return errs
    meta = sub(obj, "metadata") or {}
    uid, name = meta.get("uid") or "", meta.get("name") or ""
    if not uid:
        errs.append(required("metadata.uid"))
    labels = (sub(sub(spec, "template"), "metadata") or {}).get("labels") or {}
    for key, expected in ((CONTROLLER_UID, uid), (JOB_NAME, name)):
        path = f"spec.template.metadata.labels[{key}]"
        if key not in labels:
            errs.append(required(path, f"must be '{expected}'"))
        elif labels[key] != expected:
            errs.append(invalid(path, labels, f"must be '{expected}'"))
    expected_labels = {CONTROLLER_UID: uid, JOB_NAME: name}
    if not selector_matches_labels(spec.get("selector"), expected_labels):
        errs.append(invalid("spec.selector", selector_go_repr(spec.get("selector")),
                            "`selector` not auto-generated"))
    return errs


def validate_job_spec(errs: Errs, spec: dict, path: str) -> None:
    """validateJobSpec: counts, modes, and a pod template that never restarts Always."""
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
        validate_nonnegative(errs, spec, key, f"{path}.{key}")
    get_bool(errs, spec, "suspend", f"{path}.suspend")
    get_bool(errs, spec, "manualSelector", f"{path}.manualSelector")
    mode = spec.get("completionMode")
    if mode is not None and mode not in COMPLETION_MODES:
        errs.append(not_supported(f"{path}.completionMode", mode, COMPLETION_MODES))
    if mode == "Indexed" and spec.get("completions") is None:
        errs.append(required(f"{path}.completions", "when completion mode is Indexed"))
    if spec.get("backoffLimitPerIndex") is not None and mode != "Indexed":
        errs.append(invalid(f"{path}.backoffLimitPerIndex", spec["backoffLimitPerIndex"],
                            "requires indexed completion mode"))
    replacement = spec.get("podReplacementPolicy")
    if replacement is not None:
        allowed = ("Failed",) if spec.get("podFailurePolicy") is not None \
            else ("Failed", "TerminatingOrFailed")
        if replacement not in allowed:
            errs.append(not_supported(f"{path}.podReplacementPolicy", replacement, allowed))
    validate_pod_template(errs, spec.get("template") or {}, f"{path}.template")
    policy = (sub(sub(spec, "template"), "spec") or {}).get("restartPolicy")
    if isinstance(policy, str) and policy not in JOB_RESTART_POLICIES:
        errs.append(not_supported(f"{path}.template.spec.restartPolicy", policy,
                                  JOB_RESTART_POLICIES))


def _validate_job_update(spec: dict, old_spec: dict, old: dict) -> Errs:
    errs: Errs = []
    if spec.get("selector") != old_spec.get("selector"):
        errs.append(immutable("spec.selector", selector_go_repr(spec.get("selector"))))
    elastic = spec.get("completionMode") == "Indexed" and \
        spec.get("completions") == spec.get("parallelism")
    if spec.get("completions") != old_spec.get("completions") and not elastic:
        errs.append(immutable("spec.completions", spec.get("completions")))
    for key in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy",
                "successPolicy"):
        if spec.get(key) != old_spec.get(key):
            errs.append(immutable(f"spec.{key}", spec.get(key)))
    template, old_template = copy.deepcopy(spec.get("template")), old_spec.get("template")
    never_started = not (sub(old, "status") or {}).get("startTime")
    if old_spec.get("suspend") is True and never_started and isinstance(template, dict) \
            and isinstance(old_template, dict):
        template = _with_old_scheduling(template, old_template)
    if template != old_template:
        errs.append(immutable("spec.template", GoRepr("core.PodTemplateSpec{...}")))
    return errs


def _with_old_scheduling(template: dict, old_template: dict) -> dict:
    """A suspended Job that never ran may change labels, annotations and scheduling."""
    for key in ("labels", "annotations"):
        tmeta = ensure(template, "metadata")
        old_value = (sub(old_template, "metadata") or {}).get(key)
        if tmeta is not None:
            tmeta.pop(key, None)
            if old_value is not None:
                tmeta[key] = old_value
    tspec, old_tspec = sub(template, "spec"), sub(old_template, "spec") or {}
    if tspec is not None:
        for key in _SCHEDULING_DIRECTIVES:
            tspec.pop(key, None)
            if key in old_tspec:
                tspec[key] = old_tspec[key]
    return template


class CronJobStrategy(Strategy):
    has_generation = True
    reset_status_on_create = True

    def default_object(self, obj: dict) -> None:
        spec = ensure(obj, "spec")
        if spec is None:
            return
        set_default(spec, "concurrencyPolicy", "Allow")
        set_default(spec, "suspend", False)
        set_default(spec, "successfulJobsHistoryLimit", 3)
        set_default(spec, "failedJobsHistoryLimit", 1)
        job_template = ensure(spec, "jobTemplate")
        meta = ensure(job_template, "metadata")
        if meta is not None:
            meta.setdefault("creationTimestamp", None)
        job_spec = ensure(job_template, "spec")
        if job_spec is not None:
            ensure(job_spec, "template")
            default_template(sub(job_spec, "template"))

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        name = (sub(obj, "metadata") or {}).get("name")
        if isinstance(name, str) and len(name) > 52:
            errs.append(invalid("metadata.name", name, "must be no more than 52 characters"))
        spec = get_map(errs, obj, "spec", "spec")
        old_schedule = (sub(old, "spec") or {}).get("schedule") if old else None
        _validate_schedule(errs, spec, allow_tz=isinstance(old_schedule, str)
                           and "TZ" in old_schedule)
        validate_nonnegative(errs, spec, "startingDeadlineSeconds",
                             "spec.startingDeadlineSeconds")
        policy = get_str(errs, spec, "concurrencyPolicy", "spec.concurrencyPolicy")
        if not policy:
            errs.append(required("spec.concurrencyPolicy"))
        elif policy not in CONCURRENCY_POLICIES:
            errs.append(not_supported("spec.concurrencyPolicy", policy, CONCURRENCY_POLICIES))
        for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
            validate_nonnegative(errs, spec, key, f"spec.{key}")
        _validate_job_template(errs, get_map(errs, spec, "jobTemplate", "spec.jobTemplate"))
        return errs


def _validate_schedule(errs: Errs, spec: dict, allow_tz: bool) -> None:
    schedule = get_str(errs, spec, "schedule", "spec.schedule")
    zone = spec.get("timeZone")
    if not schedule:
        errs.append(required("spec.schedule"))
    else:
        problem = parse_schedule(schedule)
        if problem:
            errs.append(invalid("spec.schedule", schedule, problem))
        if zone is not None and "TZ" in schedule:
            errs.append(invalid("spec.schedule", schedule,
                                "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
        elif not allow_tz and "TZ" in schedule:
            errs.append(invalid("spec.schedule", schedule,
                                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    if zone is not None:
        _validate_time_zone(errs, zone)


def _validate_time_zone(errs: Errs, zone: object) -> None:
    path = "spec.timeZone"
    if not isinstance(zone, str) or not zone:
        errs.append(invalid(path, zone, "timeZone must be nil or non-empty string"))
        return
    if zone.lower() == "local":
        errs.append(invalid(path, zone, "timeZone must be an explicit time zone as defined in "
                                        "https://www.iana.org/time-zones"))
        return
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        errs.append(invalid(path, zone, f"unknown time zone {zone}"))


def _validate_job_template(errs: Errs, job_template: dict) -> None:
    path = "spec.jobTemplate"
    errs.extend(validate_template_meta(job_template.get("metadata"), f"{path}.metadata"))
    spec = get_map(errs, job_template, "spec", f"{path}.spec")
    validate_job_spec(errs, spec, f"{path}.spec")
    if spec.get("selector") is not None:
        errs.append(invalid(f"{path}.spec.selector", selector_go_repr(spec["selector"]),
                            "`selector` will be auto-generated"))
    if spec.get("manualSelector") is True:
        errs.append(not_supported(f"{path}.spec.manualSelector", True, ("nil", "false")))
