"""core/v1 PodSpec: the desired state of a pod, and the pod-level settings it is made of."""
from __future__ import annotations

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_common import LocalObjectReference, ResourceList, ResourceRequirements
from machinery.api.core_v1_container import (
    AppArmorProfile, Container, EphemeralContainer, SeccompProfile, SELinuxOptions,
    WindowsSecurityContextOptions,
)
from machinery.api.core_v1_scheduling import Affinity, Toleration, TopologySpreadConstraint
from machinery.api.core_v1_volume import Volume
from machinery.api.meta_v1 import ATOMIC_LIST, list_map


class Sysctl(KubeModel):
    """A kernel parameter to set."""
    name: str | None = Field(None, description="Name of the property to set.")
    value: str | None = Field(None, description="Value of the property to set.")


class PodSecurityContext(KubeModel):
    """Pod-level security attributes and defaults for every container's securityContext."""
    se_linux_options: SELinuxOptions | None = Field(
        None, alias="seLinuxOptions", description="SELinux context applied to all containers.")
    windows_options: WindowsSecurityContextOptions | None = Field(
        None, description="Windows-specific settings applied to all containers.")
    run_as_user: int | None = Field(
        None, description="UID to run container entrypoints as; defaults to the image's user.")
    run_as_group: int | None = Field(None, description="GID to run container entrypoints as.")
    run_as_non_root: bool | None = Field(
        None, description="If true, the kubelet refuses to start any container as UID 0.")
    supplemental_groups: list[int] | None = Field(
        None, description="Groups added to the first process of each container, besides its primary GID.",
        json_schema_extra=ATOMIC_LIST)
    supplemental_groups_policy: str | None = Field(
        None, description="How supplemental groups are computed: Merge (default) or Strict.")
    fs_group: int | None = Field(
        None, alias="fsGroup", description="Supplemental group that owns supporting volumes and is added "
        "to every container.")
    sysctls: list[Sysctl] | None = Field(
        None, description="Namespaced sysctls for the pod.", json_schema_extra=ATOMIC_LIST)
    fs_group_change_policy: str | None = Field(
        None, description="When to change volume ownership to fsGroup: OnRootMismatch or Always (default).")
    seccomp_profile: SeccompProfile | None = Field(None, description="Seccomp options for all containers.")
    app_armor_profile: AppArmorProfile | None = Field(
        None, description="AppArmor options for all containers.")
    se_linux_change_policy: str | None = Field(
        None, alias="seLinuxChangePolicy", description="How the SELinux label is applied to volumes: "
        "MountOption or Recursive.")


class PodDNSConfigOption(KubeModel):
    """A DNS resolver option of a pod."""
    name: str | None = Field(None, description="Name of the resolver option. Required.")
    value: str | None = Field(None, description="Value of the resolver option.")


class PodDNSConfig(KubeModel):
    """DNS parameters of a pod, added to those generated from dnsPolicy."""
    nameservers: list[str] | None = Field(
        None, description="DNS name server IP addresses, appended to the generated ones.",
        json_schema_extra=ATOMIC_LIST)
    searches: list[str] | None = Field(
        None, description="DNS search domains, appended to the generated ones.",
        json_schema_extra=ATOMIC_LIST)
    options: list[PodDNSConfigOption] | None = Field(
        None, description="DNS resolver options, merged with the generated ones.",
        json_schema_extra=ATOMIC_LIST)


class HostAlias(KubeModel):
    """An IP-to-hostnames entry injected into the pod's hosts file."""
    ip: str | None = Field(None, description="IP address of the hosts file entry.")
    hostnames: list[str] | None = Field(
        None, description="Hostnames for the IP address.", json_schema_extra=ATOMIC_LIST)


class PodReadinessGate(KubeModel):
    """A reference to a pod condition that must be True for the pod to be ready."""
    condition_type: str | None = Field(
        None, description="Type of a condition in the pod's condition list.")


class PodSchedulingGate(KubeModel):
    """A gate that keeps the pod from being scheduled while it is present."""
    name: str | None = Field(None, description="Name of the scheduling gate, unique in the pod.")


class PodOS(KubeModel):
    """The operating system of a pod's containers."""
    name: str | None = Field(None, description="Name of the operating system: linux or windows.")


class PodResourceClaim(KubeModel):
    """References exactly one ResourceClaim, directly or through a ResourceClaimTemplate."""
    name: str | None = Field(None, description="Name of this claim inside the pod, a DNS_LABEL.")
    resource_claim_name: str | None = Field(
        None, description="Name of a ResourceClaim in the pod's namespace.")
    resource_claim_template_name: str | None = Field(
        None, description="Name of a ResourceClaimTemplate in the pod's namespace; a claim is generated "
        "from it for the pod.")


class PodSpec(KubeModel):
    """The description of a pod."""
    volumes: list[Volume] | None = Field(
        None, description="Volumes that containers of the pod can mount.",
        json_schema_extra=list_map("name", strategy="merge,retainKeys"))
    init_containers: list[Container] | None = Field(
        None, description="Containers run in order before the app containers start; each must succeed. "
        "Those with restartPolicy Always are sidecars that keep running.",
        json_schema_extra=list_map("name"))
    containers: list[Container] | None = Field(
        None, description="Containers of the pod; at least one. Cannot be added or removed.",
        json_schema_extra=list_map("name"))
    ephemeral_containers: list[EphemeralContainer] | None = Field(
        None, description="Ephemeral containers run in this pod for user-initiated actions such as "
        "debugging; added through the ephemeralcontainers subresource.", json_schema_extra=list_map("name"))
    restart_policy: str | None = Field(
        None, description="Restart policy for all containers: Always (default), OnFailure or Never.")
    termination_grace_period_seconds: int | None = Field(
        None, description="Seconds between the termination signal and the kill signal (default 30); "
        "may be decreased by a delete request.")
    active_deadline_seconds: int | None = Field(
        None, description="Seconds the pod may be active on the node, from startTime, before it is failed.")
    dns_policy: str | None = Field(
        None, description="DNS policy: ClusterFirst (default), ClusterFirstWithHostNet, Default or None.")
    node_selector: dict[str, str] | None = Field(
        None, description="Labels a node must have for the pod to fit on it.",
        json_schema_extra={"x-kubernetes-map-type": "atomic"})
    service_account_name: str | None = Field(
        None, description="Name of the ServiceAccount to run this pod as.")
    service_account: str | None = Field(
        None, description="Deprecated alias of serviceAccountName.")
    automount_service_account_token: bool | None = Field(
        None, description="Whether a service account token is mounted automatically.")
    node_name: str | None = Field(
        None, description="Node this pod is bound to; empty means the scheduler has yet to place it.")
    host_network: bool | None = Field(
        None, description="Use the host's network namespace; ports must then be declared (default false).")
    host_pid: bool | None = Field(
        None, alias="hostPID", description="Use the host's PID namespace (default false).")
    host_ipc: bool | None = Field(
        None, alias="hostIPC", description="Use the host's IPC namespace (default false).")
    share_process_namespace: bool | None = Field(
        None, description="Share one process namespace among all containers of the pod (default false).")
    security_context: PodSecurityContext | None = Field(
        None, description="Pod-level security attributes and common container settings.")
    image_pull_secrets: list[LocalObjectReference] | None = Field(
        None, description="Secrets in the pod's namespace used to pull the images.",
        json_schema_extra=list_map("name"))
    hostname: str | None = Field(
        None, description="Hostname of the pod; a system-defined value (the pod name) when unset.")
    subdomain: str | None = Field(
        None, description="If set, the pod's FQDN is "
        "<hostname>.<subdomain>.<namespace>.svc.<cluster domain>.")
    affinity: Affinity | None = Field(None, description="The pod's scheduling constraints.")
    scheduler_name: str | None = Field(
        None, description="Scheduler that dispatches the pod; the default scheduler when unset.")
    tolerations: list[Toleration] | None = Field(
        None, description="The pod's tolerations.", json_schema_extra=ATOMIC_LIST)
    host_aliases: list[HostAlias] | None = Field(
        None, description="Entries added to the pod's hosts file.", json_schema_extra=list_map("ip"))
    priority_class_name: str | None = Field(
        None, description="Priority class of the pod; system-node-critical and system-cluster-critical "
        "are the highest.")
    priority: int | None = Field(
        None, description="Priority value, filled in from priorityClassName by admission; higher is "
        "more important.")
    dns_config: PodDNSConfig | None = Field(
        None, description="DNS parameters merged into the configuration generated from dnsPolicy.")
    readiness_gates: list[PodReadinessGate] | None = Field(
        None, description="Extra conditions that must be True for the pod to be ready.",
        json_schema_extra=ATOMIC_LIST)
    runtime_class_name: str | None = Field(
        None, description="RuntimeClass (node.k8s.io) used to run this pod.")
    enable_service_links: bool | None = Field(
        None, description="Whether service environment variables are injected, as Docker links did "
        "(default true).")
    preemption_policy: str | None = Field(
        None, description="Whether this pod may preempt lower-priority pods: PreemptLowerPriority "
        "(default) or Never.")
    overhead: ResourceList | None = Field(
        None, description="Resource overhead of running the pod on its RuntimeClass, set by admission.")
    topology_spread_constraints: list[TopologySpreadConstraint] | None = Field(
        None, description="How the pod's group spreads across topology domains; all constraints are ANDed.",
        json_schema_extra=list_map("topologyKey", "whenUnsatisfiable"))
    set_hostname_as_fqdn: bool | None = Field(
        None, alias="setHostnameAsFQDN", description="If true, the pod's hostname is its FQDN rather than "
        "the leaf name (default false).")
    os: PodOS | None = Field(None, description="Operating system of the pod's containers.")
    host_users: bool | None = Field(
        None, description="Use the host's user namespace (default true); false gives the pod its own.")
    scheduling_gates: list[PodSchedulingGate] | None = Field(
        None, description="Gates that block scheduling while any remains; can only be removed after "
        "creation.", json_schema_extra=list_map("name"))
    resource_claims: list[PodResourceClaim] | None = Field(
        None, description="ResourceClaims that must be allocated and reserved before the pod starts.",
        json_schema_extra=list_map("name", strategy="merge,retainKeys"))
    resources: ResourceRequirements | None = Field(
        None, description="Total CPU and memory for all containers of the pod (pod-level resources).")
    hostname_override: str | None = Field(
        None, description="Explicit hostname of the pod as seen inside it.")


__all__ = [
    "Sysctl", "PodSecurityContext", "PodDNSConfigOption", "PodDNSConfig", "HostAlias", "PodReadinessGate",
    "PodSchedulingGate", "PodOS", "PodResourceClaim", "PodSpec",
]
