"""Rows of the pod owners: Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet,
Job, CronJob, PodTemplate and ControllerRevision.

Replica counts are integer cells (Deployment's Up-to-date and Available too, although upstream
declares those columns as strings); Ready columns that read `2/3` are strings.
"""
from __future__ import annotations

from datetime import datetime

from apiserver.tables.columns import Printer, age_col, col, name_col, template_cols
from apiserver.tables.duration import between, parse_timestamp, since
from apiserver.tables.fields import dicts, get, has, integer, items, opt_bool, opt_int, text
from apiserver.tables.selectors import (InvalidSelector, format_label_selector, format_labels,
                                        selector_string)


def _age(obj: dict, now: datetime) -> str:
    return since(get(obj, "metadata", "creationTimestamp"), now)


def layout_containers(containers: list[dict]) -> tuple[str, str]:
    """Upstream `layoutContainerCells`: comma-joined container names and images."""
    return (",".join(text(c, "name") for c in containers),
            ",".join(text(c, "image") for c in containers))


def _template_cells(obj: dict, *template_path: str) -> list[str]:
    return list(layout_containers(dicts(obj, *template_path, "spec", "containers")))


# --- Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet -------------------

def _deployment_cells(obj: dict, now: datetime) -> list:
    try:
        selector = selector_string(get(obj, "spec", "selector"))
    except InvalidSelector:
        selector = "<invalid>"
    ready = f"{integer(obj, 'status', 'readyReplicas')}/{integer(obj, 'spec', 'replicas')}"
    return [text(obj, "metadata", "name"), ready, integer(obj, "status", "updatedReplicas"),
            integer(obj, "status", "availableReplicas"), _age(obj, now),
            *_template_cells(obj, "spec", "template"), selector]


DEPLOYMENT = Printer(
    (name_col(), col("Ready", "Number of the pod with ready state"),
     col("Up-to-date", "Total number of non-terminated pods targeted by this deployment that "
                       "have the desired template spec."),
     col("Available", "Total number of available pods (ready for at least minReadySeconds) "
                      "targeted by this deployment."),
     age_col(), *template_cols()),
    _deployment_cells)


def _replica_set_cells(obj: dict, now: datetime) -> list:
    return [text(obj, "metadata", "name"), integer(obj, "spec", "replicas"),
            integer(obj, "status", "replicas"), integer(obj, "status", "readyReplicas"),
            _age(obj, now), *_template_cells(obj, "spec", "template"),
            format_label_selector(get(obj, "spec", "selector"))]


def _rc_cells(obj: dict, now: datetime) -> list:
    cells = _replica_set_cells(obj, now)
    cells[-1] = format_labels(get(obj, "spec", "selector"))     # a plain map for RCs
    return cells


_REPLICA_COLUMNS = (
    name_col(), col("Desired", "Replicas is the number of desired replicas.", "integer"),
    col("Current", "Replicas is the most recently observed number of replicas.", "integer"),
    col("Ready", "The number of ready replicas for this replica set.", "integer"),
    age_col(), *template_cols())
REPLICA_SET = Printer(_REPLICA_COLUMNS, _replica_set_cells)
REPLICATION_CONTROLLER = Printer(_REPLICA_COLUMNS, _rc_cells)


def _stateful_set_cells(obj: dict, now: datetime) -> list:
    ready = f"{integer(obj, 'status', 'readyReplicas')}/{integer(obj, 'spec', 'replicas')}"
    return [text(obj, "metadata", "name"), ready, _age(obj, now),
            *_template_cells(obj, "spec", "template")]


STATEFUL_SET = Printer(
    (name_col(), col("Ready", "Number of the pod with ready state"), age_col(),
     *template_cols(selector=False)),
    _stateful_set_cells)


def _daemon_set_cells(obj: dict, now: datetime) -> list:
    status = [integer(obj, "status", key) for key in (
        "desiredNumberScheduled", "currentNumberScheduled", "numberReady",
        "updatedNumberScheduled", "numberAvailable")]
    return [text(obj, "metadata", "name"), *status,
            format_labels(get(obj, "spec", "template", "spec", "nodeSelector")), _age(obj, now),
            *_template_cells(obj, "spec", "template"),
            format_label_selector(get(obj, "spec", "selector"))]


DAEMON_SET = Printer(
    (name_col(),
     col("Desired", "The total number of nodes that should be running the daemon pod.", "integer"),
     col("Current", "The number of nodes running at least one daemon pod that are supposed "
                    "to.", "integer"),
     col("Ready", "The number of nodes that should be running the daemon pod and have one or "
                  "more of the daemon pod running and ready.", "integer"),
     col("Up-to-date", "The total number of nodes that are running updated daemon pod",
         "integer"),
     col("Available", "The number of nodes that should be running the daemon pod and have one "
                      "or more of the daemon pod running and available.", "integer"),
     col("Node Selector", "NodeSelector is a selector which must be true for the pod to fit "
                          "on a node."),
     age_col(), *template_cols()),
    _daemon_set_cells)


# --- Job and CronJob ------------------------------------------------------------------------

def _job_condition(obj: dict, kind: str) -> bool:
    for cond in dicts(obj, "status", "conditions"):
        if cond.get("type") == kind:
            return cond.get("status") == "True"
    return False


def _job_status(obj: dict) -> str:
    if _job_condition(obj, "Complete"):
        return "Complete"
    if _job_condition(obj, "Failed"):
        return "Failed"
    if has(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    if _job_condition(obj, "Suspended"):
        return "Suspended"
    if _job_condition(obj, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_completions(obj: dict) -> str:
    succeeded = integer(obj, "status", "succeeded")
    completions = opt_int(obj, "spec", "completions")
    if completions is not None:
        return f"{succeeded}/{completions}"
    parallelism = opt_int(obj, "spec", "parallelism") or 0
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _job_duration(obj: dict, now: datetime) -> str:
    start = parse_timestamp(get(obj, "status", "startTime"))
    if start is None:
        return ""
    end = parse_timestamp(get(obj, "status", "completionTime"))
    return between(start, end if end is not None else now)


def _job_cells(obj: dict, now: datetime) -> list:
    return [text(obj, "metadata", "name"), _job_status(obj), _job_completions(obj),
            _job_duration(obj, now), _age(obj, now), *_template_cells(obj, "spec", "template"),
            format_label_selector(get(obj, "spec", "selector"))]


JOB = Printer(
    (name_col(), col("Status", "Status of the job."),
     col("Completions", "The number of pods which reached phase Succeeded."),
     col("Duration", "Time required to complete the job."), age_col(), *template_cols()),
    _job_cells)


def print_bool_ptr(value: bool | None) -> str:
    if value is None:
        return "<unset>"
    return "True" if value else "False"


def _cron_job_cells(obj: dict, now: datetime) -> list:
    last = "<none>"
    if has(obj, "status", "lastScheduleTime"):
        last = since(get(obj, "status", "lastScheduleTime"), now)
    timezone = get(obj, "spec", "timeZone")
    job_spec = ("spec", "jobTemplate", "spec")
    return [text(obj, "metadata", "name"), text(obj, "spec", "schedule"),
            timezone if isinstance(timezone, str) else "<none>",
            print_bool_ptr(opt_bool(obj, "spec", "suspend")),
            len(items(obj, "status", "active")), last, _age(obj, now),
            *_template_cells(obj, *job_spec, "template"),
            format_label_selector(get(obj, *job_spec, "selector"))]


CRON_JOB = Printer(
    (name_col(), col("Schedule", "The schedule in Cron format."),
     col("Timezone", "The time zone name for the given schedule."),
     col("Suspend", "This flag tells the controller to suspend subsequent executions.",
         "boolean"),
     col("Active", "A list of pointers to currently running jobs.", "integer"),
     col("Last Schedule", "Information when was the last time the job was successfully "
                          "scheduled."),
     age_col(), *template_cols()),
    _cron_job_cells)


# --- PodTemplate and ControllerRevision -----------------------------------------------------

def _pod_template_cells(obj: dict, now: datetime) -> list:
    return [text(obj, "metadata", "name"), *_template_cells(obj, "template"),
            format_labels(get(obj, "template", "metadata", "labels"))]


POD_TEMPLATE = Printer(
    (name_col(), col("Containers", "Names of each container in the template."),
     col("Images", "Images referenced by each container in the template."),
     col("Pod Labels", "The labels for the pod template.")),
    _pod_template_cells)


def controller_of(obj: dict) -> str:
    """`kind.group/name` of the controlling owner, lower-cased; `<none>` without one."""
    owner = next((ref for ref in dicts(obj, "metadata", "ownerReferences")
                  if ref.get("controller") is True), None)
    if owner is None:
        return "<none>"
    api_version = text(owner, "apiVersion")
    if api_version.count("/") > 1:
        return "<invalid>"      # upstream fails the whole request on an unparsable apiVersion
    group = api_version.split("/")[0] if "/" in api_version else ""
    kind = text(owner, "kind")
    if not kind and not group:
        return text(owner, "name")
    qualified = f"{kind}.{group}" if group else kind
    return f"{qualified.lower()}/{text(owner, 'name')}"


def _controller_revision_cells(obj: dict, now: datetime) -> list:
    return [text(obj, "metadata", "name"), controller_of(obj), integer(obj, "revision"),
            _age(obj, now)]


CONTROLLER_REVISION = Printer(
    (name_col(), col("Controller", "Controller of the object"),
     col("Revision", "Revision indicates the revision of the state represented by Data."),
     age_col()),
    _controller_revision_cells)
