"""batch/v1: Job and CronJob.

Mirrors `k8s.io/api/batch/v1/types.go`. Every field is optional so that partial objects round-trip.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1 import ObjectReference, PodTemplateSpec
from machinery.api.meta_v1 import ATOMIC_LIST, SET_LIST, LabelSelector, ListMeta, ObjectMeta, Time

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."
_METADATA = "Standard object's metadata."
_LIST_METADATA = "Standard list metadata."


# --- Job: failure and success policies ---------------------------------------------------------

class PodFailurePolicyOnExitCodesRequirement(KubeModel):
    """Matches a failed pod by the exit codes of its containers (exit code 0 is never checked)."""
    container_name: str | None = Field(
        None, description="Restricts the check to the container with this name; null means all "
        "containers.")
    operator: str | None = Field(
        None, description="Relation between the exit codes and values: In or NotIn.")
    values: list[int] | None = Field(
        None, description="Ordered set of exit codes to check against; 0 is not allowed with In.",
        json_schema_extra=SET_LIST)


class PodFailurePolicyOnPodConditionsPattern(KubeModel):
    """Matches a failed pod by one of its conditions."""
    type: str | None = Field(None, description="The pod condition type to match.")
    status: str | None = Field(
        None, description="The pod condition status to match. Defaults to True.")


class PodFailurePolicyRule(KubeModel):
    """How a pod failure is handled when its requirements are met; onExitCodes and
    onPodConditions are mutually exclusive."""
    action: str | None = Field(
        None, description="Action taken on a matching pod failure: FailJob, FailIndex, Ignore or "
        "Count.")
    on_exit_codes: PodFailurePolicyOnExitCodesRequirement | None = Field(
        None, description="Requirement on the container exit codes.")
    on_pod_conditions: list[PodFailurePolicyOnPodConditionsPattern] | None = Field(
        None, description="Requirement on the pod conditions; satisfied when any pattern matches.",
        json_schema_extra=ATOMIC_LIST)


class PodFailurePolicy(KubeModel):
    """How failed pods influence the backoffLimit."""
    rules: list[PodFailurePolicyRule] | None = Field(
        None, description="Rules evaluated in order; the first matching rule decides. When none "
        "matches, the failure counts towards backoffLimit.", json_schema_extra=ATOMIC_LIST)


class SuccessPolicyRule(KubeModel):
    """A rule declaring an Indexed Job succeeded; succeededIndexes and/or succeededCount."""
    succeeded_indexes: str | None = Field(
        None, description="Set of indexes (e.g. \"1,3-5\") that must all succeed.")
    succeeded_count: int | None = Field(
        None, description="Minimum number of succeeded indexes (within succeededIndexes if set).")


class SuccessPolicy(KubeModel):
    """When a Job may be declared succeeded based on its succeeded pods."""
    rules: list[SuccessPolicyRule] | None = Field(
        None, description="Rules evaluated in order; once one is met the Job is marked succeeded.",
        json_schema_extra=ATOMIC_LIST)


# --- Job --------------------------------------------------------------------------------------

class JobSpec(KubeModel):
    """How the job execution will look."""
    parallelism: int | None = Field(
        None, description="Maximum number of pods the job runs at any given time.")
    completions: int | None = Field(
        None, description="Desired number of successfully finished pods; null means any one success "
        "completes the job.")
    active_deadline_seconds: int | None = Field(
        None, description="Seconds, relative to startTime, the job may be active before the system "
        "tries to terminate it.")
    pod_failure_policy: PodFailurePolicy | None = Field(
        None, description="Policy for handling failed pods; cannot be used with restartPolicy "
        "OnFailure.")
    success_policy: SuccessPolicy | None = Field(
        None, description="When the Job can be declared succeeded; only for Indexed Jobs.")
    backoff_limit: int | None = Field(
        None, description="Number of retries before marking this job failed. Defaults to 6.")
    backoff_limit_per_index: int | None = Field(
        None, description="Retries per index before marking that index failed; Indexed Jobs only.")
    max_failed_indexes: int | None = Field(
        None, description="Maximum failed indexes before the whole Job is failed; needs "
        "backoffLimitPerIndex.")
    selector: LabelSelector | None = Field(
        None, description="Label query over pods that should match the pod count; normally set by "
        "the system.")
    manual_selector: bool | None = Field(
        None, description="When true, the user picks the selector and pod labels instead of the "
        "system generating unique ones.")
    template: PodTemplateSpec | None = Field(
        None, description="The pod run by the job; restartPolicy must be Never or OnFailure.")
    ttl_seconds_after_finished: int | None = Field(
        None, alias="ttlSecondsAfterFinished",
        description="Seconds after the Job finishes (Complete or Failed) before it may be deleted "
        "automatically.")
    completion_mode: str | None = Field(
        None, description="How pod completions are tracked: NonIndexed (the default) or Indexed.")
    suspend: bool | None = Field(
        None, description="When true, no pods are created and running pods are terminated. "
        "Defaults to false.")
    pod_replacement_policy: str | None = Field(
        None, description="When replacement pods are created: TerminatingOrFailed or Failed.")
    managed_by: str | None = Field(
        None, description="The controller that manages this Job; empty or kubernetes.io/job-controller "
        "means the built-in one.")


class JobCondition(KubeModel):
    """The current condition of a job."""
    type: str | None = Field(
        None, description="Type of job condition: Complete, Failed, Suspended, FailureTarget, "
        "SuccessCriteriaMet.")
    status: str | None = Field(None, description="Status of the condition: True, False or Unknown.")
    last_probe_time: Time | None = Field(None, description="Last time the condition was checked.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition transitioned from one status to another.")
    reason: str | None = Field(None, description="(brief) reason for the condition's last transition.")
    message: str | None = Field(None, description="Human readable message about the last transition.")


class UncountedTerminatedPods(KubeModel):
    """UIDs of pods that terminated but are not yet counted in the job status counters."""
    succeeded: list[str] | None = Field(
        None, description="UIDs of succeeded pods.", json_schema_extra=SET_LIST)
    failed: list[str] | None = Field(
        None, description="UIDs of failed pods.", json_schema_extra=SET_LIST)


class JobStatus(KubeModel):
    """The current state of a Job."""
    conditions: list[JobCondition] | None = Field(
        None, description="The latest available observations of the job's current state.",
        json_schema_extra={"x-kubernetes-list-type": "atomic", "x-kubernetes-patch-merge-key": "type",
                           "x-kubernetes-patch-strategy": "merge"})
    start_time: Time | None = Field(
        None, description="When the job controller started processing the job (RFC 3339).")
    completion_time: Time | None = Field(
        None, description="When the job completed (RFC 3339); set only on success.")
    active: int | None = Field(None, description="Number of pending and running pods not terminating.")
    succeeded: int | None = Field(None, description="Number of pods that reached phase Succeeded.")
    failed: int | None = Field(None, description="Number of pods that reached phase Failed.")
    terminating: int | None = Field(
        None, description="Number of pods that are terminating (have a deletionTimestamp).")
    completed_indexes: str | None = Field(
        None, description="Completed indexes of an Indexed Job, as a compressed list like \"1,3-5\".")
    failed_indexes: str | None = Field(
        None, description="Failed indexes when backoffLimitPerIndex is set, compressed like "
        "completedIndexes.")
    uncounted_terminated_pods: UncountedTerminatedPods | None = Field(
        None, description="UIDs of terminated pods the controller has not yet counted.")
    ready: int | None = Field(None, description="Number of active pods with a Ready condition.")


class Job(KubeModel):
    """The configuration of a single job."""
    GVK: ClassVar[tuple[str, str, str]] = ("batch", "v1", "Job")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_METADATA)
    spec: JobSpec | None = Field(None, description="Specification of the desired behaviour of a job.")
    status: JobStatus | None = Field(None, description="Current status of a job.")


class JobList(KubeModel):
    """A collection of jobs."""
    GVK: ClassVar[tuple[str, str, str]] = ("batch", "v1", "JobList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description=_LIST_METADATA)
    items: list[Job] | None = Field(None, description="The list of Jobs.")


# --- CronJob ----------------------------------------------------------------------------------

class JobTemplateSpec(KubeModel):
    """The data a Job should have when created from a template."""
    metadata: ObjectMeta | None = Field(
        None, description="Standard metadata of the jobs created from this template.")
    spec: JobSpec | None = Field(None, description="Specification of the desired behaviour of the job.")


class CronJobSpec(KubeModel):
    """How the job execution will look, and when it will run."""
    schedule: str | None = Field(None, description="The schedule in Cron format.")
    time_zone: str | None = Field(
        None, description="Time zone name for the schedule; defaults to the controller's local zone.")
    starting_deadline_seconds: int | None = Field(
        None, description="Deadline in seconds for starting a job that missed its scheduled time.")
    concurrency_policy: str | None = Field(
        None, description="How to treat concurrent executions: Allow (the default), Forbid or Replace.")
    suspend: bool | None = Field(
        None, description="When true, subsequent executions are suspended. Defaults to false.")
    job_template: JobTemplateSpec | None = Field(
        None, description="The job that will be created when executing a CronJob.")
    successful_jobs_history_limit: int | None = Field(
        None, description="Number of successful finished jobs to retain. Defaults to 3.")
    failed_jobs_history_limit: int | None = Field(
        None, description="Number of failed finished jobs to retain. Defaults to 1.")


class CronJobStatus(KubeModel):
    """The current state of a cron job."""
    active: list[ObjectReference] | None = Field(
        None, description="Pointers to currently running jobs.", json_schema_extra=ATOMIC_LIST)
    last_schedule_time: Time | None = Field(
        None, description="Last time the job was successfully scheduled.")
    last_successful_time: Time | None = Field(
        None, description="Last time the job successfully completed.")


class CronJob(KubeModel):
    """The configuration of a single cron job."""
    GVK: ClassVar[tuple[str, str, str]] = ("batch", "v1", "CronJob")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_METADATA)
    spec: CronJobSpec | None = Field(
        None, description="Specification of the desired behaviour of a cron job, including the "
        "schedule.")
    status: CronJobStatus | None = Field(None, description="Current status of a cron job.")


class CronJobList(KubeModel):
    """A collection of cron jobs."""
    GVK: ClassVar[tuple[str, str, str]] = ("batch", "v1", "CronJobList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description=_LIST_METADATA)
    items: list[CronJob] | None = Field(None, description="The list of CronJobs.")
