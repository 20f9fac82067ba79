"""Field tables for the rest of core/v1: Namespace, ConfigMap, Secret, Service, ServiceAccount,
Pod, Node, Binding, Endpoints, PVC, LimitRange, ResourceQuota, PodTemplate, RC, Event.

Field numbers, JSON names and pointer-ness follow the Go struct tags of k8s.io/api and
k8s.io/apimachinery v0.32 (`protobuf:"..."`, `json:"..."`), which generated.proto mirrors.
Notation: see apiserver/protobuf/schema.py.
"""
from __future__ import annotations

TABLES: dict[str, str] = {
    "core": """
Namespace: 1 metadata meta.ObjectMeta, 2 spec NamespaceSpec, 3 status NamespaceStatus
NamespaceSpec: 1 finalizers []str
NamespaceStatus: 1 phase str, 2 conditions []NamespaceCondition
NamespaceCondition: 1 type! str, 2 status! str, 4 lastTransitionTime Time, 5 reason str,
    6 message str
ConfigMap: 1 metadata meta.ObjectMeta, 2 data {str:str}, 3 binaryData {str:bytes},
    4 immutable? bool
Secret: 1 metadata meta.ObjectMeta, 2 data {str:bytes}, 3 type str, 4 stringData {str:str},
    5 immutable? bool
Service: 1 metadata meta.ObjectMeta, 2 spec ServiceSpec, 3 status ServiceStatus
ServiceSpec: 1 ports []ServicePort, 2 selector {str:str}, 3 clusterIP str, 4 type str,
    5 externalIPs []str, 7 sessionAffinity str, 8 loadBalancerIP str,
    9 loadBalancerSourceRanges []str, 10 externalName str, 11 externalTrafficPolicy str,
    12 healthCheckNodePort int, 13 publishNotReadyAddresses bool,
    14 sessionAffinityConfig? SessionAffinityConfig, 17 ipFamilyPolicy? str, 18 clusterIPs []str,
    19 ipFamilies []str, 20 allocateLoadBalancerNodePorts? bool, 21 loadBalancerClass? str,
    22 internalTrafficPolicy? str, 23 trafficDistribution? str
ServicePort: 1 name str, 2 protocol str, 3 port! int, 4 targetPort IntOrString, 5 nodePort int,
    6 appProtocol? str
SessionAffinityConfig: 1 clientIP? ClientIPConfig
ClientIPConfig: 1 timeoutSeconds? int
ServiceStatus: 1 loadBalancer LoadBalancerStatus, 2 conditions []meta.Condition
LoadBalancerStatus: 1 ingress []LoadBalancerIngress
LoadBalancerIngress: 1 ip str, 2 hostname str, 3 ipMode? str, 4 ports []PortStatus
PortStatus: 1 port! int, 2 protocol! str, 3 error? str
ServiceAccount: 1 metadata meta.ObjectMeta, 2 secrets []ObjectReference,
    3 imagePullSecrets []LocalObjectReference, 4 automountServiceAccountToken? bool
ObjectReference: 1 kind str, 2 namespace str, 3 name str, 4 uid str, 5 apiVersion str,
    6 resourceVersion str, 7 fieldPath str
Pod: 1 metadata meta.ObjectMeta, 2 spec PodSpec, 3 status PodStatus
Node: 1 metadata meta.ObjectMeta, 2 spec NodeSpec, 3 status NodeStatus
NodeSpec: 1 podCIDR str, 2 externalID str, 3 providerID str, 4 unschedulable bool,
    5 taints []Taint, 6 configSource? NodeConfigSource, 7 podCIDRs []str
Taint: 1 key! str, 2 value str, 3 effect! str, 4 timeAdded? Time
NodeConfigSource: 2 configMap? ConfigMapNodeConfigSource
ConfigMapNodeConfigSource: 1 namespace! str, 2 name! str, 3 uid str, 4 resourceVersion str,
    5 kubeletConfigKey! str
NodeStatus: 1 capacity {str:Quantity}, 2 allocatable {str:Quantity}, 3 phase str,
    4 conditions []NodeCondition, 5 addresses []NodeAddress,
    6 daemonEndpoints NodeDaemonEndpoints, 7 nodeInfo NodeSystemInfo, 8 images []ContainerImage,
    9 volumesInUse []str, 10 volumesAttached []AttachedVolume, 11 config? NodeConfigStatus,
    12 runtimeHandlers []NodeRuntimeHandler, 13 features? NodeFeatures
NodeCondition: 1 type! str, 2 status! str, 3 lastHeartbeatTime Time, 4 lastTransitionTime Time,
    5 reason str, 6 message str
NodeAddress: 1 type! str, 2 address! str
NodeDaemonEndpoints: 1 kubeletEndpoint DaemonEndpoint
DaemonEndpoint: 1 Port! int
NodeSystemInfo: 1 machineID! str, 2 systemUUID! str, 3 bootID! str, 4 kernelVersion! str,
    5 osImage! str, 6 containerRuntimeVersion! str, 7 kubeletVersion! str,
    8 kubeProxyVersion! str, 9 operatingSystem! str, 10 architecture! str
ContainerImage: 1 names []str, 2 sizeBytes int
AttachedVolume: 1 name! str, 2 devicePath! str
NodeConfigStatus: 1 assigned? NodeConfigSource, 2 active? NodeConfigSource,
    3 lastKnownGood? NodeConfigSource, 4 error str
NodeRuntimeHandler: 1 name! str, 2 features? NodeRuntimeHandlerFeatures
NodeRuntimeHandlerFeatures: 1 recursiveReadOnlyMounts? bool, 2 userNamespaces? bool
NodeFeatures: 1 supplementalGroupsPolicy? bool
Binding: 1 metadata meta.ObjectMeta, 2 target ObjectReference
Endpoints: 1 metadata meta.ObjectMeta, 2 subsets []EndpointSubset
EndpointSubset: 1 addresses []EndpointAddress, 2 notReadyAddresses []EndpointAddress,
    3 ports []EndpointPort
EndpointAddress: 1 ip! str, 2 targetRef? ObjectReference, 3 hostname str, 4 nodeName? str
EndpointPort: 1 name str, 2 port! int, 3 protocol str, 4 appProtocol? str
PersistentVolumeClaim: 1 metadata meta.ObjectMeta, 2 spec PersistentVolumeClaimSpec,
    3 status PersistentVolumeClaimStatus
PersistentVolumeClaimStatus: 1 phase str, 2 accessModes []str, 3 capacity {str:Quantity},
    4 conditions []PersistentVolumeClaimCondition, 5 allocatedResources {str:Quantity},
    7 allocatedResourceStatuses {str:str}, 8 currentVolumeAttributesClassName? str,
    9 modifyVolumeStatus? ModifyVolumeStatus
PersistentVolumeClaimCondition: 1 type! str, 2 status! str, 3 lastProbeTime Time,
    4 lastTransitionTime Time, 5 reason str, 6 message str
ModifyVolumeStatus: 1 targetVolumeAttributesClassName str, 2 status! str
LimitRange: 1 metadata meta.ObjectMeta, 2 spec LimitRangeSpec
LimitRangeSpec: 1 limits []LimitRangeItem
LimitRangeItem: 1 type! str, 2 max {str:Quantity}, 3 min {str:Quantity},
    4 default {str:Quantity}, 5 defaultRequest {str:Quantity},
    6 maxLimitRequestRatio {str:Quantity}
ResourceQuota: 1 metadata meta.ObjectMeta, 2 spec ResourceQuotaSpec,
    3 status ResourceQuotaStatus
ResourceQuotaSpec: 1 hard {str:Quantity}, 2 scopes []str, 3 scopeSelector? ScopeSelector
ScopeSelector: 1 matchExpressions []ScopedResourceSelectorRequirement
ScopedResourceSelectorRequirement: 1 scopeName! str, 2 operator! str, 3 values []str
ResourceQuotaStatus: 1 hard {str:Quantity}, 2 used {str:Quantity}
PodTemplate: 1 metadata meta.ObjectMeta, 2 template PodTemplateSpec
ReplicationController: 1 metadata meta.ObjectMeta, 2 spec ReplicationControllerSpec,
    3 status ReplicationControllerStatus
ReplicationControllerSpec: 1 replicas? int, 2 selector {str:str}, 3 template? PodTemplateSpec,
    4 minReadySeconds int
ReplicationControllerStatus: 1 replicas! int, 2 fullyLabeledReplicas int,
    3 observedGeneration int, 4 readyReplicas int, 5 availableReplicas int,
    6 conditions []ReplicationControllerCondition
ReplicationControllerCondition: 1 type! str, 2 status! str, 3 lastTransitionTime Time,
    4 reason str, 5 message str
Event: 1 metadata meta.ObjectMeta, 2 involvedObject ObjectReference, 3 reason str, 4 message str,
    5 source EventSource, 6 firstTimestamp Time, 7 lastTimestamp Time, 8 count int, 9 type str,
    10 eventTime MicroTime, 11 series? EventSeries, 12 action str, 13 related? ObjectReference,
    14 reportingComponent! str, 15 reportingInstance! str
EventSource: 1 component str, 2 host str
EventSeries: 1 count int, 2 lastObservedTime MicroTime
""",
}
