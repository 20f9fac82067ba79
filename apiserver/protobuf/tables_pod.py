"""Field tables for the pod template of core/v1: PodTemplateSpec, PodSpec, PodStatus and
everything they reach (containers, volumes, probes, security contexts, affinity, ...).

Field numbers, JSON names and pointer-ness follow the Go struct tags of k8s.io/api and
k8s.io/apimachinery v0.32 (`protobuf:"..."`, `json:"..."`), which generated.proto mirrors.
Notation: see apiserver/protobuf/schema.py.
"""
from __future__ import annotations

TABLES: dict[str, str] = {
    "core": """
LocalObjectReference: 1 name str
PodSpec: 1 volumes []Volume, 2 containers []Container, 3 restartPolicy str,
    4 terminationGracePeriodSeconds? int, 5 activeDeadlineSeconds? int, 6 dnsPolicy str,
    7 nodeSelector {str:str}, 8 serviceAccountName str, 9 serviceAccount str, 10 nodeName str,
    11 hostNetwork bool, 12 hostPID bool, 13 hostIPC bool,
    14 securityContext? PodSecurityContext, 15 imagePullSecrets []LocalObjectReference,
    16 hostname str, 17 subdomain str, 18 affinity? Affinity, 19 schedulerName str,
    20 initContainers []Container, 21 automountServiceAccountToken? bool,
    22 tolerations []Toleration, 23 hostAliases []HostAlias, 24 priorityClassName str,
    25 priority? int, 26 dnsConfig? PodDNSConfig, 27 shareProcessNamespace? bool,
    28 readinessGates []PodReadinessGate, 29 runtimeClassName? str, 30 enableServiceLinks? bool,
    31 preemptionPolicy? str, 32 overhead {str:Quantity},
    33 topologySpreadConstraints []TopologySpreadConstraint,
    34 ephemeralContainers []EphemeralContainer, 35 setHostnameAsFQDN? bool, 36 os? PodOS,
    37 hostUsers? bool, 38 schedulingGates []PodSchedulingGate,
    39 resourceClaims []PodResourceClaim, 40 resources? ResourceRequirements
Volume: 1 name! str, 2 volumeSource^ VolumeSource
VolumeSource: 1 hostPath? HostPathVolumeSource, 2 emptyDir? EmptyDirVolumeSource,
    3 gcePersistentDisk? GCEPersistentDiskVolumeSource,
    4 awsElasticBlockStore? AWSElasticBlockStoreVolumeSource, 5 gitRepo? GitRepoVolumeSource,
    6 secret? SecretVolumeSource, 7 nfs? NFSVolumeSource, 8 iscsi? ISCSIVolumeSource,
    9 glusterfs? GlusterfsVolumeSource,
    10 persistentVolumeClaim? PersistentVolumeClaimVolumeSource, 11 rbd? RBDVolumeSource,
    12 flexVolume? FlexVolumeSource, 13 cinder? CinderVolumeSource,
    14 cephfs? CephFSVolumeSource, 15 flocker? FlockerVolumeSource,
    16 downwardAPI? DownwardAPIVolumeSource, 17 fc? FCVolumeSource,
    18 azureFile? AzureFileVolumeSource, 19 configMap? ConfigMapVolumeSource,
    20 vsphereVolume? VsphereVirtualDiskVolumeSource, 21 quobyte? QuobyteVolumeSource,
    22 azureDisk? AzureDiskVolumeSource,
    23 photonPersistentDisk? PhotonPersistentDiskVolumeSource,
    24 portworxVolume? PortworxVolumeSource, 25 scaleIO? ScaleIOVolumeSource,
    26 projected? ProjectedVolumeSource, 27 storageos? StorageOSVolumeSource,
    28 csi? CSIVolumeSource, 29 ephemeral? EphemeralVolumeSource, 30 image? ImageVolumeSource
HostPathVolumeSource: 1 path! str, 2 type? str
EmptyDirVolumeSource: 1 medium str, 2 sizeLimit? Quantity
GCEPersistentDiskVolumeSource: 1 pdName! str, 2 fsType str, 3 partition int, 4 readOnly bool
AWSElasticBlockStoreVolumeSource: 1 volumeID! str, 2 fsType str, 3 partition int,
    4 readOnly bool
GitRepoVolumeSource: 1 repository! str, 2 revision str, 3 directory str
SecretVolumeSource: 1 secretName str, 2 items []KeyToPath, 3 defaultMode? int, 4 optional? bool
KeyToPath: 1 key! str, 2 path! str, 3 mode? int
NFSVolumeSource: 1 server! str, 2 path! str, 3 readOnly bool
ISCSIVolumeSource: 1 targetPortal! str, 2 iqn! str, 3 lun! int, 4 iscsiInterface str,
    5 fsType str, 6 readOnly bool, 7 portals []str, 8 chapAuthDiscovery bool,
    10 secretRef? LocalObjectReference, 11 chapAuthSession bool, 12 initiatorName? str
GlusterfsVolumeSource: 1 endpoints! str, 2 path! str, 3 readOnly bool
PersistentVolumeClaimVolumeSource: 1 claimName! str, 2 readOnly bool
RBDVolumeSource: 1 monitors []str, 2 image! str, 3 fsType str, 4 pool str, 5 user str,
    6 keyring str, 7 secretRef? LocalObjectReference, 8 readOnly bool
FlexVolumeSource: 1 driver! str, 2 fsType str, 3 secretRef? LocalObjectReference,
    4 readOnly bool, 5 options {str:str}
CinderVolumeSource: 1 volumeID! str, 2 fsType str, 3 readOnly bool,
    4 secretRef? LocalObjectReference
CephFSVolumeSource: 1 monitors []str, 2 path str, 3 user str, 4 secretFile str,
    5 secretRef? LocalObjectReference, 6 readOnly bool
FlockerVolumeSource: 1 datasetName str, 2 datasetUUID str
DownwardAPIVolumeSource: 1 items []DownwardAPIVolumeFile, 2 defaultMode? int
DownwardAPIVolumeFile: 1 path! str, 2 fieldRef? ObjectFieldSelector,
    3 resourceFieldRef? ResourceFieldSelector, 4 mode? int
ObjectFieldSelector: 1 apiVersion str, 2 fieldPath! str
ResourceFieldSelector: 1 containerName str, 2 resource! str, 3 divisor Quantity
FCVolumeSource: 1 targetWWNs []str, 2 lun? int, 3 fsType str, 4 readOnly bool, 5 wwids []str
AzureFileVolumeSource: 1 secretName! str, 2 shareName! str, 3 readOnly bool
ConfigMapVolumeSource: 1 localObjectReference^ LocalObjectReference, 2 items []KeyToPath,
    3 defaultMode? int, 4 optional? bool
VsphereVirtualDiskVolumeSource: 1 volumePath! str, 2 fsType str, 3 storagePolicyName str,
    4 storagePolicyID str
QuobyteVolumeSource: 1 registry! str, 2 volume! str, 3 readOnly bool, 4 user str, 5 group str,
    6 tenant str
AzureDiskVolumeSource: 1 diskName! str, 2 diskURI! str, 3 cachingMode? str, 4 fsType? str,
    5 readOnly? bool, 6 kind? str
PhotonPersistentDiskVolumeSource: 1 pdID! str, 2 fsType str
ProjectedVolumeSource: 1 sources []VolumeProjection, 2 defaultMode? int
VolumeProjection: 1 secret? SecretProjection, 2 downwardAPI? DownwardAPIProjection,
    3 configMap? ConfigMapProjection, 4 serviceAccountToken? ServiceAccountTokenProjection,
    5 clusterTrustBundle? ClusterTrustBundleProjection
SecretProjection: 1 localObjectReference^ LocalObjectReference, 2 items []KeyToPath,
    4 optional? bool
DownwardAPIProjection: 1 items []DownwardAPIVolumeFile
ConfigMapProjection: 1 localObjectReference^ LocalObjectReference, 2 items []KeyToPath,
    4 optional? bool
ServiceAccountTokenProjection: 1 audience str, 2 expirationSeconds? int, 3 path! str
ClusterTrustBundleProjection: 1 name? str, 2 signerName? str,
    3 labelSelector? meta.LabelSelector, 4 path! str, 5 optional? bool
PortworxVolumeSource: 1 volumeID! str, 2 fsType str, 3 readOnly bool
ScaleIOVolumeSource: 1 gateway! str, 2 system! str, 3 secretRef? LocalObjectReference,
    4 sslEnabled bool, 5 protectionDomain str, 6 storagePool str, 7 storageMode str,
    8 volumeName str, 9 fsType str, 10 readOnly bool
StorageOSVolumeSource: 1 volumeName str, 2 volumeNamespace str, 3 fsType str, 4 readOnly bool,
    5 secretRef? LocalObjectReference
CSIVolumeSource: 1 driver! str, 2 readOnly? bool, 3 fsType? str, 4 volumeAttributes {str:str},
    5 nodePublishSecretRef? LocalObjectReference
EphemeralVolumeSource: 1 volumeClaimTemplate? PersistentVolumeClaimTemplate
PersistentVolumeClaimTemplate: 1 metadata meta.ObjectMeta, 2 spec PersistentVolumeClaimSpec
PersistentVolumeClaimSpec: 1 accessModes []str, 2 resources VolumeResourceRequirements,
    3 volumeName str, 4 selector? meta.LabelSelector, 5 storageClassName? str, 6 volumeMode? str,
    7 dataSource? TypedLocalObjectReference, 8 dataSourceRef? TypedObjectReference,
    9 volumeAttributesClassName? str
VolumeResourceRequirements: 1 limits {str:Quantity}, 2 requests {str:Quantity}
TypedLocalObjectReference: 1 apiGroup? str, 2 kind! str, 3 name! str
TypedObjectReference: 1 apiGroup? str, 2 kind! str, 3 name! str, 4 namespace? str
ImageVolumeSource: 1 reference str, 2 pullPolicy str
Container: 1 name! str, 2 image str, 3 command []str, 4 args []str, 5 workingDir str,
    6 ports []ContainerPort, 7 env []EnvVar, 8 resources ResourceRequirements,
    9 volumeMounts []VolumeMount, 10 livenessProbe? Probe, 11 readinessProbe? Probe,
    12 lifecycle? Lifecycle, 13 terminationMessagePath str, 14 imagePullPolicy str,
    15 securityContext? SecurityContext, 16 stdin bool, 17 stdinOnce bool, 18 tty bool,
    19 envFrom []EnvFromSource, 20 terminationMessagePolicy str, 21 volumeDevices []VolumeDevice,
    22 startupProbe? Probe, 23 resizePolicy []ContainerResizePolicy, 24 restartPolicy? str
ContainerPort: 1 name str, 2 hostPort int, 3 containerPort! int, 4 protocol str, 5 hostIP str
EnvFromSource: 1 prefix str, 2 configMapRef? ConfigMapEnvSource, 3 secretRef? SecretEnvSource
ConfigMapEnvSource: 1 localObjectReference^ LocalObjectReference, 2 optional? bool
SecretEnvSource: 1 localObjectReference^ LocalObjectReference, 2 optional? bool
EnvVar: 1 name! str, 2 value str, 3 valueFrom? EnvVarSource
EnvVarSource: 1 fieldRef? ObjectFieldSelector, 2 resourceFieldRef? ResourceFieldSelector,
    3 configMapKeyRef? ConfigMapKeySelector, 4 secretKeyRef? SecretKeySelector
ConfigMapKeySelector: 1 localObjectReference^ LocalObjectReference, 2 key! str, 3 optional? bool
SecretKeySelector: 1 localObjectReference^ LocalObjectReference, 2 key! str, 3 optional? bool
ResourceRequirements: 1 limits {str:Quantity}, 2 requests {str:Quantity},
    3 claims []ResourceClaim
ResourceClaim: 1 name! str, 2 request str
ContainerResizePolicy: 1 resourceName! str, 2 restartPolicy! str
VolumeMount: 1 name! str, 2 readOnly bool, 3 mountPath! str, 4 subPath str,
    5 mountPropagation? str, 6 subPathExpr str, 7 recursiveReadOnly? str
VolumeDevice: 1 name! str, 2 devicePath! str
Probe: 1 handler^ ProbeHandler, 2 initialDelaySeconds int, 3 timeoutSeconds int,
    4 periodSeconds int, 5 successThreshold int, 6 failureThreshold int,
    7 terminationGracePeriodSeconds? int
ProbeHandler: 1 exec? ExecAction, 2 httpGet? HTTPGetAction, 3 tcpSocket? TCPSocketAction,
    4 grpc? GRPCAction
ExecAction: 1 command []str
HTTPGetAction: 1 path str, 2 port IntOrString, 3 host str, 4 scheme str,
    5 httpHeaders []HTTPHeader
HTTPHeader: 1 name! str, 2 value! str
TCPSocketAction: 1 port IntOrString, 2 host str
GRPCAction: 1 port! int, 2 service? str
Lifecycle: 1 postStart? LifecycleHandler, 2 preStop? LifecycleHandler
LifecycleHandler: 1 exec? ExecAction, 2 httpGet? HTTPGetAction, 3 tcpSocket? TCPSocketAction,
    4 sleep? SleepAction
SleepAction: 1 seconds! int
SecurityContext: 1 capabilities? Capabilities, 2 privileged? bool,
    3 seLinuxOptions? SELinuxOptions, 4 runAsUser? int, 5 runAsNonRoot? bool,
    6 readOnlyRootFilesystem? bool, 7 allowPrivilegeEscalation? bool, 8 runAsGroup? int,
    9 procMount? str, 10 windowsOptions? WindowsSecurityContextOptions,
    11 seccompProfile? SeccompProfile, 12 appArmorProfile? AppArmorProfile
Capabilities: 1 add []str, 2 drop []str
SELinuxOptions: 1 user str, 2 role str, 3 type str, 4 level str
WindowsSecurityContextOptions: 1 gmsaCredentialSpecName? str, 2 gmsaCredentialSpec? str,
    3 runAsUserName? str, 4 hostProcess? bool
SeccompProfile: 1 type! str, 2 localhostProfile? str
AppArmorProfile: 1 type! str, 2 localhostProfile? str
EphemeralContainer: 1 ephemeralContainerCommon^ EphemeralContainerCommon,
    2 targetContainerName str
EphemeralContainerCommon: 1 name! str, 2 image str, 3 command []str, 4 args []str,
    5 workingDir str, 6 ports []ContainerPort, 7 env []EnvVar, 8 resources ResourceRequirements,
    9 volumeMounts []VolumeMount, 10 livenessProbe? Probe, 11 readinessProbe? Probe,
    12 lifecycle? Lifecycle, 13 terminationMessagePath str, 14 imagePullPolicy str,
    15 securityContext? SecurityContext, 16 stdin bool, 17 stdinOnce bool, 18 tty bool,
    19 envFrom []EnvFromSource, 20 terminationMessagePolicy str, 21 volumeDevices []VolumeDevice,
    22 startupProbe? Probe, 23 resizePolicy []ContainerResizePolicy, 24 restartPolicy? str
PodSecurityContext: 1 seLinuxOptions? SELinuxOptions, 2 runAsUser? int, 3 runAsNonRoot? bool,
    4 supplementalGroups []int, 5 fsGroup? int, 6 runAsGroup? int, 7 sysctls []Sysctl,
    8 windowsOptions? WindowsSecurityContextOptions, 9 fsGroupChangePolicy? str,
    10 seccompProfile? SeccompProfile, 11 appArmorProfile? AppArmorProfile,
    12 supplementalGroupsPolicy? str, 13 seLinuxChangePolicy? str
Sysctl: 1 name! str, 2 value! str
Affinity: 1 nodeAffinity? NodeAffinity, 2 podAffinity? PodAffinity,
    3 podAntiAffinity? PodAntiAffinity
NodeAffinity: 1 requiredDuringSchedulingIgnoredDuringExecution? NodeSelector,
    2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm
NodeSelector: 1 nodeSelectorTerms []NodeSelectorTerm
NodeSelectorTerm: 1 matchExpressions []NodeSelectorRequirement,
    2 matchFields []NodeSelectorRequirement
NodeSelectorRequirement: 1 key! str, 2 operator! str, 3 values []str
PreferredSchedulingTerm: 1 weight! int, 2 preference NodeSelectorTerm
PodAffinity: 1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm,
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm
PodAffinityTerm: 1 labelSelector? meta.LabelSelector, 2 namespaces []str, 3 topologyKey! str,
    4 namespaceSelector? meta.LabelSelector, 5 matchLabelKeys []str, 6 mismatchLabelKeys []str
WeightedPodAffinityTerm: 1 weight! int, 2 podAffinityTerm PodAffinityTerm
PodAntiAffinity: 1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm,
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm
Toleration: 1 key str, 2 operator str, 3 value str, 4 effect str, 5 tolerationSeconds? int
HostAlias: 1 ip! str, 2 hostnames []str
PodDNSConfig: 1 nameservers []str, 2 searches []str, 3 options []PodDNSConfigOption
PodDNSConfigOption: 1 name str, 2 value? str
PodReadinessGate: 1 conditionType! str
TopologySpreadConstraint: 1 maxSkew! int, 2 topologyKey! str, 3 whenUnsatisfiable! str,
    4 labelSelector? meta.LabelSelector, 5 minDomains? int, 6 nodeAffinityPolicy? str,
    7 nodeTaintsPolicy? str, 8 matchLabelKeys []str
PodOS: 1 name! str
PodSchedulingGate: 1 name! str
PodResourceClaim: 1 name! str, 3 resourceClaimName? str, 4 resourceClaimTemplateName? str
PodStatus: 1 phase str, 2 conditions []PodCondition, 3 message str, 4 reason str, 5 hostIP str,
    6 podIP str, 7 startTime? Time, 8 containerStatuses []ContainerStatus, 9 qosClass str,
    10 initContainerStatuses []ContainerStatus, 11 nominatedNodeName str, 12 podIPs []PodIP,
    13 ephemeralContainerStatuses []ContainerStatus, 14 resize str,
    15 resourceClaimStatuses []PodResourceClaimStatus, 16 hostIPs []HostIP
PodCondition: 1 type! str, 2 status! str, 3 lastProbeTime Time, 4 lastTransitionTime Time,
    5 reason str, 6 message str
HostIP: 1 ip! str
PodIP: 1 ip! str
ContainerStatus: 1 name! str, 2 state ContainerState, 3 lastState ContainerState, 4 ready! bool,
    5 restartCount! int, 6 image! str, 7 imageID! str, 8 containerID str, 9 started? bool,
    10 allocatedResources {str:Quantity}, 11 resources? ResourceRequirements,
    12 volumeMounts []VolumeMountStatus, 13 user? ContainerUser,
    14 allocatedResourcesStatus []ResourceStatus
ContainerState: 1 waiting? ContainerStateWaiting, 2 running? ContainerStateRunning,
    3 terminated? ContainerStateTerminated
ContainerStateWaiting: 1 reason str, 2 message str
ContainerStateRunning: 1 startedAt Time
ContainerStateTerminated: 1 exitCode! int, 2 signal int, 3 reason str, 4 message str,
    5 startedAt Time, 6 finishedAt Time, 7 containerID str
VolumeMountStatus: 1 name! str, 2 mountPath! str, 3 readOnly bool, 4 recursiveReadOnly? str
ContainerUser: 1 linux? LinuxContainerUser
LinuxContainerUser: 1 uid! int, 2 gid! int, 3 supplementalGroups []int
ResourceStatus: 1 name! str, 2 resources []ResourceHealth
ResourceHealth: 1 resourceID! str, 2 health str
PodResourceClaimStatus: 1 name! str, 2 resourceClaimName? str
PodTemplateSpec: 1 metadata meta.ObjectMeta, 2 spec PodSpec
""",
}
