"""core/v1 Container and what it is made of: ports, environment, mounts, probes, lifecycle, security."""
from __future__ import annotations

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_common import (
    ConfigMapKeySelector, IntOrString, ObjectFieldSelector, ResourceFieldSelector, ResourceRequirements,
    SecretKeySelector,
)
from machinery.api.meta_v1 import ATOMIC_LIST, list_map


class ContainerPort(KubeModel):
    """A network port in a single container."""
    name: str | None = Field(
        None, description="IANA_SVC_NAME unique within the pod; services can refer to the port by it.")
    host_port: int | None = Field(
        None, description="Port to expose on the host, 1-65535; must equal containerPort with hostNetwork.")
    container_port: int | None = Field(None, description="Port to expose on the pod's IP address, 1-65535.")
    protocol: str | None = Field(None, description="Protocol for the port: UDP, TCP or SCTP (default TCP).")
    host_ip: str | None = Field(None, alias="hostIP", description="Host IP to bind the external port to.")


class FileKeySelector(KubeModel):
    """Selects a key of an env file in a volume."""
    volume_name: str | None = Field(None, description="Name of the volume mount holding the env file.")
    path: str | None = Field(None, description="Relative path of the env file within the volume.")
    key: str | None = Field(None, description="The key within the env file.")
    optional: bool | None = Field(None, description="Whether the file or its key must exist.")


class EnvVarSource(KubeModel):
    """A source for the value of an EnvVar."""
    field_ref: ObjectFieldSelector | None = Field(
        None, description="A field of the pod: metadata.name, metadata.namespace, metadata.labels['k'], "
        "spec.nodeName, status.podIP, ...")
    resource_field_ref: ResourceFieldSelector | None = Field(
        None, description="A resource limit or request of the container, e.g. limits.cpu.")
    config_map_key_ref: ConfigMapKeySelector | None = Field(None, description="A key of a ConfigMap.")
    secret_key_ref: SecretKeySelector | None = Field(
        None, description="A key of a secret in the pod's namespace.")
    file_key_ref: FileKeySelector | None = Field(None, description="A key of an env file in a volume.")


class EnvVar(KubeModel):
    """An environment variable present in a container."""
    name: str | None = Field(None, description="Name of the environment variable.")
    value: str | None = Field(
        None, description="Value; $(VAR_NAME) references to earlier variables are expanded, $$ escapes. "
        "Defaults to \"\".")
    value_from: EnvVarSource | None = Field(
        None, description="Source for the variable's value; not allowed with a non-empty value.")


class ConfigMapEnvSource(KubeModel):
    """A ConfigMap whose data become environment variables."""
    name: str | None = Field(None, description="Name of the referent.")
    optional: bool | None = Field(None, description="Whether the ConfigMap must be defined.")


class SecretEnvSource(KubeModel):
    """A Secret whose data become environment variables."""
    name: str | None = Field(None, description="Name of the referent.")
    optional: bool | None = Field(None, description="Whether the Secret must be defined.")


class EnvFromSource(KubeModel):
    """A ConfigMap or Secret that populates environment variables."""
    prefix: str | None = Field(None, description="Text prepended to the name of each variable.")
    config_map_ref: ConfigMapEnvSource | None = Field(None, description="The ConfigMap to select from.")
    secret_ref: SecretEnvSource | None = Field(None, description="The Secret to select from.")


class VolumeMount(KubeModel):
    """A mounting of a volume within a container."""
    name: str | None = Field(None, description="Must match the name of a volume of the pod.")
    read_only: bool | None = Field(None, description="Mounted read-only if true (default false).")
    recursive_read_only: str | None = Field(
        None, description="Whether read-only mounts are read-only recursively: Disabled, IfPossible or "
        "Enabled.")
    mount_path: str | None = Field(
        None, description="Path within the container at which to mount the volume.")
    sub_path: str | None = Field(
        None, description="Path within the volume to mount instead of its root (default \"\").")
    mount_propagation: str | None = Field(
        None, description="How mounts propagate between host and container: None, HostToContainer or "
        "Bidirectional.")
    sub_path_expr: str | None = Field(
        None, description="Like subPath, with $(VAR_NAME) expanded from the container's environment.")


class VolumeDevice(KubeModel):
    """A mapping of a raw block device within a container."""
    name: str | None = Field(None, description="Must match the name of a persistentVolumeClaim in the pod.")
    device_path: str | None = Field(None, description="Path inside the container the device is mapped to.")


class ExecAction(KubeModel):
    """A "run in container" action."""
    command: list[str] | None = Field(
        None, description="Command line to run in the container's root directory; not run in a shell. "
        "Exit status 0 is success.", json_schema_extra=ATOMIC_LIST)


class HTTPHeader(KubeModel):
    """A custom header for HTTP probes."""
    name: str | None = Field(None, description="The header field name.")
    value: str | None = Field(None, description="The header field value.")


class HTTPGetAction(KubeModel):
    """An action based on an HTTP GET request."""
    path: str | None = Field(None, description="Path to access on the HTTP server.")
    port: IntOrString | None = Field(
        None, description="Name or number of the container port to access.")
    host: str | None = Field(None, description="Host name to connect to; defaults to the pod IP.")
    scheme: str | None = Field(None, description="Scheme to connect with: HTTP (default) or HTTPS.")
    http_headers: list[HTTPHeader] | None = Field(
        None, description="Custom headers to set in the request.", json_schema_extra=ATOMIC_LIST)


class TCPSocketAction(KubeModel):
    """An action based on opening a socket."""
    port: IntOrString | None = Field(None, description="Number or name of the container port to access.")
    host: str | None = Field(None, description="Host name to connect to; defaults to the pod IP.")


class GRPCAction(KubeModel):
    """An action involving a gRPC health check."""
    port: int | None = Field(None, description="Port number of the gRPC service, 1-65535.")
    service: str | None = Field(
        None, description="Service name placed in the gRPC HealthCheckRequest; empty means the default.")


class SleepAction(KubeModel):
    """A "sleep" action."""
    seconds: int | None = Field(None, description="Number of seconds to sleep.")


class Probe(KubeModel):
    """A health check performed against a container to decide whether it is alive or ready."""
    exec: ExecAction | None = Field(None, description="A command to execute in the container.")
    http_get: HTTPGetAction | None = Field(
        None, alias="httpGet", description="An HTTP GET request to perform.")
    tcp_socket: TCPSocketAction | None = Field(
        None, alias="tcpSocket", description="A connection to a TCP port.")
    grpc: GRPCAction | None = Field(None, description="A gRPC HealthCheckRequest.")
    initial_delay_seconds: int | None = Field(
        None, description="Seconds after the container started before probes begin.")
    timeout_seconds: int | None = Field(
        None, description="Seconds after which the probe times out (default 1).")
    period_seconds: int | None = Field(None, description="How often to probe, in seconds (default 10).")
    success_threshold: int | None = Field(
        None, description="Consecutive successes after a failure to count as success (default 1; must "
        "be 1 for liveness and startup).")
    failure_threshold: int | None = Field(
        None, description="Consecutive failures after a success to count as failure (default 3).")
    termination_grace_period_seconds: int | None = Field(
        None, description="Grace period for the pod to terminate after a probe failure; overrides the "
        "pod's value.")


class LifecycleHandler(KubeModel):
    """An action taken in a lifecycle hook; exactly one of the fields is set."""
    exec: ExecAction | None = Field(None, description="A command to execute in the container.")
    http_get: HTTPGetAction | None = Field(
        None, alias="httpGet", description="An HTTP GET request to perform.")
    tcp_socket: TCPSocketAction | None = Field(
        None, alias="tcpSocket", description="Deprecated and not supported as a lifecycle handler.")
    sleep: SleepAction | None = Field(None, description="How long the container should sleep.")


class Lifecycle(KubeModel):
    """Actions the system takes in response to container lifecycle events."""
    post_start: LifecycleHandler | None = Field(
        None, alias="postStart", description="Called right after the container is created; on failure the "
        "container is killed and restarted per its restart policy.")
    pre_stop: LifecycleHandler | None = Field(
        None, alias="preStop", description="Called right before the container is terminated by an API "
        "request or management event; the grace period covers it.")
    stop_signal: str | None = Field(
        None, description="Signal sent to stop the container; defaults to the runtime's (usually SIGTERM).")


class Capabilities(KubeModel):
    """POSIX capabilities added to and removed from a running container."""
    add: list[str] | None = Field(None, description="Added capabilities.", json_schema_extra=ATOMIC_LIST)
    drop: list[str] | None = Field(None, description="Removed capabilities.", json_schema_extra=ATOMIC_LIST)


class SELinuxOptions(KubeModel):
    """SELinux labels applied to a container."""
    user: str | None = Field(None, description="SELinux user label.")
    role: str | None = Field(None, description="SELinux role label.")
    type: str | None = Field(None, description="SELinux type label.")
    level: str | None = Field(None, description="SELinux level label.")


class SeccompProfile(KubeModel):
    """A pod's or container's seccomp profile; only one profile source may be set."""
    type: str | None = Field(None, description="Kind of profile: Localhost, RuntimeDefault or Unconfined.")
    localhost_profile: str | None = Field(
        None, description="Path of a profile file on the node, relative to the kubelet's seccomp directory; "
        "only with type Localhost.")


class AppArmorProfile(KubeModel):
    """A pod's or container's AppArmor settings."""
    type: str | None = Field(None, description="Kind of profile: Localhost, RuntimeDefault or Unconfined.")
    localhost_profile: str | None = Field(
        None, description="Name of a profile loaded on the node; only with type Localhost.")


class WindowsSecurityContextOptions(KubeModel):
    """Windows-specific options and credentials."""
    gmsa_credential_spec_name: str | None = Field(
        None, description="Name of the GMSA credential spec to use.")
    gmsa_credential_spec: str | None = Field(
        None, description="Contents of the GMSA credential spec, inlined by the GMSA admission webhook.")
    run_as_user_name: str | None = Field(
        None, description="Windows user name to run the container's entrypoint as.")
    host_process: bool | None = Field(None, description="Whether the container runs as a 'Host Process'.")


class SecurityContext(KubeModel):
    """Security configuration of a container; overrides the same fields of the PodSecurityContext."""
    capabilities: Capabilities | None = Field(None, description="Capabilities to add or drop.")
    privileged: bool | None = Field(
        None, description="Run the container privileged, essentially root on the host (default false).")
    se_linux_options: SELinuxOptions | None = Field(
        None, alias="seLinuxOptions", description="SELinux context applied to the container.")
    windows_options: WindowsSecurityContextOptions | None = Field(
        None, description="Windows-specific settings.")
    run_as_user: int | None = Field(
        None, description="UID to run the entrypoint as; defaults to the image's user.")
    run_as_group: int | None = Field(
        None, description="GID to run the entrypoint as; defaults to the runtime's.")
    run_as_non_root: bool | None = Field(
        None, description="If true, the kubelet refuses to start the container as UID 0.")
    read_only_root_filesystem: bool | None = Field(
        None, description="Whether the container has a read-only root filesystem (default false).")
    allow_privilege_escalation: bool | None = Field(
        None, description="Whether a process can gain more privileges than its parent (no_new_privs).")
    proc_mount: str | None = Field(
        None, description="Kind of /proc mount: Default (masked, read-only paths) or Unmasked.")
    seccomp_profile: SeccompProfile | None = Field(
        None, description="Seccomp options; override the pod's.")
    app_armor_profile: AppArmorProfile | None = Field(
        None, description="AppArmor options; override the pod's.")


class ContainerResizePolicy(KubeModel):
    """How a container reacts to an in-place resize of one resource."""
    resource_name: str | None = Field(None, description="Resource the policy applies to: cpu or memory.")
    restart_policy: str | None = Field(
        None, description="What to do on resize: NotRequired (default) or RestartContainer.")


class Container(KubeModel):
    """A single application container to run within a pod."""
    name: str | None = Field(None, description="Name of the container, a DNS_LABEL unique in the pod.")
    image: str | None = Field(None, description="Container image name.")
    command: list[str] | None = Field(
        None, description="Entrypoint array, not run in a shell; the image's ENTRYPOINT when unset. "
        "$(VAR_NAME) references are expanded.", json_schema_extra=ATOMIC_LIST)
    args: list[str] | None = Field(
        None, description="Arguments to the entrypoint; the image's CMD when unset. $(VAR_NAME) "
        "references are expanded.", json_schema_extra=ATOMIC_LIST)
    working_dir: str | None = Field(
        None, description="Container's working directory; the runtime's default when unset.")
    ports: list[ContainerPort] | None = Field(
        None, description="Ports to expose from the container; informational, any port listening on "
        "0.0.0.0 is reachable.", json_schema_extra=list_map("containerPort", "protocol"))
    env_from: list[EnvFromSource] | None = Field(
        None, description="Sources of environment variables; explicit env entries take precedence.",
        json_schema_extra=ATOMIC_LIST)
    env: list[EnvVar] | None = Field(
        None, description="Environment variables to set in the container.",
        json_schema_extra=list_map("name"))
    resources: ResourceRequirements | None = Field(
        None, description="Compute resources required by this container.")
    resize_policy: list[ContainerResizePolicy] | None = Field(
        None, description="Resize policy per resource.", json_schema_extra=ATOMIC_LIST)
    restart_policy: str | None = Field(
        None, description="Restart behaviour of this container, overriding the pod's; only 'Always' for "
        "init containers, which makes them sidecars.")
    volume_mounts: list[VolumeMount] | None = Field(
        None, description="Pod volumes to mount into the container's filesystem.",
        json_schema_extra=list_map("mountPath"))
    volume_devices: list[VolumeDevice] | None = Field(
        None, description="Block devices to be used by the container.",
        json_schema_extra=list_map("devicePath"))
    liveness_probe: Probe | None = Field(
        None, description="Periodic probe of liveness; the container is restarted when it fails.")
    readiness_probe: Probe | None = Field(
        None, description="Periodic probe of readiness; the pod leaves service endpoints when it fails.")
    startup_probe: Probe | None = Field(
        None, description="Probe that must succeed before any other probe runs; the container is "
        "restarted when it fails.")
    lifecycle: Lifecycle | None = Field(None, description="Actions taken on container lifecycle events.")
    termination_message_path: str | None = Field(
        None, description="File whose contents become the termination message (default "
        "/dev/termination-log).")
    termination_message_policy: str | None = Field(
        None, description="How the termination message is filled: File (default) or "
        "FallbackToLogsOnError.")
    image_pull_policy: str | None = Field(
        None, description="Always, Never or IfNotPresent; Always for a :latest tag, IfNotPresent otherwise.")
    security_context: SecurityContext | None = Field(
        None, description="Security options the container runs with.")
    stdin: bool | None = Field(None, description="Whether to allocate a buffer for stdin (default false).")
    stdin_once: bool | None = Field(
        None, description="Close stdin after the first attach session ends (default false).")
    tty: bool | None = Field(None, description="Whether to allocate a TTY; needs stdin (default false).")


class EphemeralContainer(Container):
    """A temporary container added to an existing pod for user-initiated activities such as debugging;
    it has no resources or scheduling guarantees and is never restarted."""
    target_container_name: str | None = Field(
        None, description="Name of a container whose namespaces (IPC, PID, ...) this one targets.")


__all__ = [
    "ContainerPort", "FileKeySelector", "EnvVarSource", "EnvVar", "ConfigMapEnvSource", "SecretEnvSource",
    "EnvFromSource", "VolumeMount", "VolumeDevice", "ExecAction", "HTTPHeader", "HTTPGetAction",
    "TCPSocketAction", "GRPCAction", "SleepAction", "Probe", "LifecycleHandler", "Lifecycle",
    "Capabilities", "SELinuxOptions", "SeccompProfile", "AppArmorProfile", "WindowsSecurityContextOptions",
    "SecurityContext", "ContainerResizePolicy", "Container", "EphemeralContainer",
]
