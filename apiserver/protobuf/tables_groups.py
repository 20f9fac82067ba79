"""Field tables for the named API groups: apps, batch, policy, networking.k8s.io,
scheduling.k8s.io, rbac.authorization.k8s.io, coordination.k8s.io, autoscaling,
authentication.k8s.io (all v1).

Field numbers, JSON names and pointer-ness follow the Go struct tags of k8s.io/api and
k8s.io/apimachinery v0.32 (`protobuf:"..."`, `json:"..."`), which generated.proto mirrors.
Notation: see apiserver/protobuf/schema.py.
"""
from __future__ import annotations

TABLES: dict[str, str] = {
    "apps": """
Deployment: 1 metadata meta.ObjectMeta, 2 spec DeploymentSpec, 3 status DeploymentStatus
DeploymentSpec: 1 replicas? int, 2 selector? meta.LabelSelector, 3 template core.PodTemplateSpec,
    4 strategy DeploymentStrategy, 5 minReadySeconds int, 6 revisionHistoryLimit? int,
    7 paused bool, 9 progressDeadlineSeconds? int
DeploymentStrategy: 1 type str, 2 rollingUpdate? RollingUpdateDeployment
RollingUpdateDeployment: 1 maxUnavailable? IntOrString, 2 maxSurge? IntOrString
DeploymentStatus: 1 observedGeneration int, 2 replicas int, 3 updatedReplicas int,
    4 availableReplicas int, 5 unavailableReplicas int, 6 conditions []DeploymentCondition,
    7 readyReplicas int, 8 collisionCount? int
DeploymentCondition: 1 type! str, 2 status! str, 4 reason str, 5 message str,
    6 lastUpdateTime Time, 7 lastTransitionTime Time
ReplicaSet: 1 metadata meta.ObjectMeta, 2 spec ReplicaSetSpec, 3 status ReplicaSetStatus
ReplicaSetSpec: 1 replicas? int, 2 selector? meta.LabelSelector, 3 template core.PodTemplateSpec,
    4 minReadySeconds int
ReplicaSetStatus: 1 replicas! int, 2 fullyLabeledReplicas int, 3 observedGeneration int,
    4 readyReplicas int, 5 availableReplicas int, 6 conditions []ReplicaSetCondition
ReplicaSetCondition: 1 type! str, 2 status! str, 3 lastTransitionTime Time, 4 reason str,
    5 message str
StatefulSet: 1 metadata meta.ObjectMeta, 2 spec StatefulSetSpec, 3 status StatefulSetStatus
StatefulSetSpec: 1 replicas? int, 2 selector? meta.LabelSelector,
    3 template core.PodTemplateSpec, 4 volumeClaimTemplates []core.PersistentVolumeClaim,
    5 serviceName! str, 6 podManagementPolicy str, 7 updateStrategy StatefulSetUpdateStrategy,
    8 revisionHistoryLimit? int, 9 minReadySeconds int,
    10 persistentVolumeClaimRetentionPolicy? StatefulSetPersistentVolumeClaimRetentionPolicy,
    11 ordinals? StatefulSetOrdinals
StatefulSetUpdateStrategy: 1 type str, 2 rollingUpdate? RollingUpdateStatefulSetStrategy
RollingUpdateStatefulSetStrategy: 1 partition? int, 2 maxUnavailable? IntOrString
StatefulSetPersistentVolumeClaimRetentionPolicy: 1 whenDeleted str, 2 whenScaled str
StatefulSetOrdinals: 1 start! int
StatefulSetStatus: 1 observedGeneration int, 2 replicas! int, 3 readyReplicas int,
    4 currentReplicas int, 5 updatedReplicas int, 6 currentRevision str, 7 updateRevision str,
    9 collisionCount? int, 10 conditions []StatefulSetCondition, 11 availableReplicas! int
StatefulSetCondition: 1 type! str, 2 status! str, 3 lastTransitionTime Time, 4 reason str,
    5 message str
DaemonSet: 1 metadata meta.ObjectMeta, 2 spec DaemonSetSpec, 3 status DaemonSetStatus
DaemonSetSpec: 1 selector? meta.LabelSelector, 2 template core.PodTemplateSpec,
    3 updateStrategy DaemonSetUpdateStrategy, 4 minReadySeconds int, 6 revisionHistoryLimit? int
DaemonSetUpdateStrategy: 1 type str, 2 rollingUpdate? RollingUpdateDaemonSet
RollingUpdateDaemonSet: 1 maxUnavailable? IntOrString, 2 maxSurge? IntOrString
DaemonSetStatus: 1 currentNumberScheduled! int, 2 numberMisscheduled! int,
    3 desiredNumberScheduled! int, 4 numberReady! int, 5 observedGeneration int,
    6 updatedNumberScheduled int, 7 numberAvailable int, 8 numberUnavailable int,
    9 collisionCount? int, 10 conditions []DaemonSetCondition
DaemonSetCondition: 1 type! str, 2 status! str, 3 lastTransitionTime Time, 4 reason str,
    5 message str
ControllerRevision: 1 metadata meta.ObjectMeta, 2 data RawExtension, 3 revision! int
""",
    "batch": """
Job: 1 metadata meta.ObjectMeta, 2 spec JobSpec, 3 status JobStatus
JobSpec: 1 parallelism? int, 2 completions? int, 3 activeDeadlineSeconds? int,
    4 selector? meta.LabelSelector, 5 manualSelector? bool, 6 template core.PodTemplateSpec,
    7 backoffLimit? int, 8 ttlSecondsAfterFinished? int, 9 completionMode? str, 10 suspend? bool,
    11 podFailurePolicy? PodFailurePolicy, 12 backoffLimitPerIndex? int,
    13 maxFailedIndexes? int, 14 podReplacementPolicy? str, 15 managedBy? str,
    16 successPolicy? SuccessPolicy
PodFailurePolicy: 1 rules []PodFailurePolicyRule
PodFailurePolicyRule: 1 action! str, 2 onExitCodes? PodFailurePolicyOnExitCodesRequirement,
    3 onPodConditions []PodFailurePolicyOnPodConditionsPattern
PodFailurePolicyOnExitCodesRequirement: 1 containerName? str, 2 operator! str, 3 values []int
PodFailurePolicyOnPodConditionsPattern: 1 type! str, 2 status! str
SuccessPolicy: 1 rules []SuccessPolicyRule
SuccessPolicyRule: 1 succeededIndexes? str, 2 succeededCount? int
JobStatus: 1 conditions []JobCondition, 2 startTime? Time, 3 completionTime? Time, 4 active int,
    5 succeeded int, 6 failed int, 7 completedIndexes str,
    8 uncountedTerminatedPods? UncountedTerminatedPods, 9 ready? int, 10 failedIndexes? str,
    11 terminating? int
JobCondition: 1 type! str, 2 status! str, 3 lastProbeTime Time, 4 lastTransitionTime Time,
    5 reason str, 6 message str
UncountedTerminatedPods: 1 succeeded []str, 2 failed []str
CronJob: 1 metadata meta.ObjectMeta, 2 spec CronJobSpec, 3 status CronJobStatus
CronJobSpec: 1 schedule! str, 2 startingDeadlineSeconds? int, 3 concurrencyPolicy str,
    4 suspend? bool, 5 jobTemplate JobTemplateSpec, 6 successfulJobsHistoryLimit? int,
    7 failedJobsHistoryLimit? int, 8 timeZone? str
JobTemplateSpec: 1 metadata meta.ObjectMeta, 2 spec JobSpec
CronJobStatus: 1 active []core.ObjectReference, 4 lastScheduleTime? Time,
    5 lastSuccessfulTime? Time
""",
    "policy": """
Eviction: 1 metadata meta.ObjectMeta, 2 deleteOptions? meta.DeleteOptions
PodDisruptionBudget: 1 metadata meta.ObjectMeta, 2 spec PodDisruptionBudgetSpec,
    3 status PodDisruptionBudgetStatus
PodDisruptionBudgetSpec: 1 minAvailable? IntOrString, 2 selector? meta.LabelSelector,
    3 maxUnavailable? IntOrString, 4 unhealthyPodEvictionPolicy? str
PodDisruptionBudgetStatus: 1 observedGeneration int, 2 disruptedPods {str:Time},
    3 disruptionsAllowed! int, 4 currentHealthy! int, 5 desiredHealthy! int, 6 expectedPods! int,
    7 conditions []meta.Condition
""",
    "networking": """
Ingress: 1 metadata meta.ObjectMeta, 2 spec IngressSpec, 3 status IngressStatus
IngressSpec: 1 defaultBackend? IngressBackend, 2 tls []IngressTLS, 3 rules []IngressRule,
    4 ingressClassName? str
IngressBackend: 3 resource? core.TypedLocalObjectReference, 4 service? IngressServiceBackend
IngressServiceBackend: 1 name! str, 2 port ServiceBackendPort
ServiceBackendPort: 1 name str, 2 number int
IngressTLS: 1 hosts []str, 2 secretName str
IngressRule: 1 host str, 2 ingressRuleValue^ IngressRuleValue
IngressRuleValue: 1 http? HTTPIngressRuleValue
HTTPIngressRuleValue: 1 paths []HTTPIngressPath
HTTPIngressPath: 1 path str, 2 backend IngressBackend, 3 pathType? str
IngressStatus: 1 loadBalancer IngressLoadBalancerStatus
IngressLoadBalancerStatus: 1 ingress []IngressLoadBalancerIngress
IngressLoadBalancerIngress: 1 ip str, 2 hostname str, 4 ports []IngressPortStatus
IngressPortStatus: 1 port! int, 2 protocol! str, 3 error? str
IngressClass: 1 metadata meta.ObjectMeta, 2 spec IngressClassSpec
IngressClassSpec: 1 controller str, 2 parameters? IngressClassParametersReference
IngressClassParametersReference: 1 apiGroup? str, 2 kind! str, 3 name! str, 4 scope? str,
    5 namespace? str
NetworkPolicy: 1 metadata meta.ObjectMeta, 2 spec NetworkPolicySpec
NetworkPolicySpec: 1 podSelector meta.LabelSelector, 2 ingress []NetworkPolicyIngressRule,
    3 egress []NetworkPolicyEgressRule, 4 policyTypes []str
NetworkPolicyIngressRule: 1 ports []NetworkPolicyPort, 2 from []NetworkPolicyPeer
NetworkPolicyPort: 1 protocol? str, 2 port? IntOrString, 3 endPort? int
NetworkPolicyPeer: 1 podSelector? meta.LabelSelector, 2 namespaceSelector? meta.LabelSelector,
    3 ipBlock? IPBlock
IPBlock: 1 cidr! str, 2 except []str
NetworkPolicyEgressRule: 1 ports []NetworkPolicyPort, 2 to []NetworkPolicyPeer
""",
    "scheduling": """
PriorityClass: 1 metadata meta.ObjectMeta, 2 value! int, 3 globalDefault bool, 4 description str,
    5 preemptionPolicy? str
""",
    "rbac": """
Role: 1 metadata meta.ObjectMeta, 2 rules []PolicyRule
PolicyRule: 1 verbs []str, 2 apiGroups []str, 3 resources []str, 4 resourceNames []str,
    5 nonResourceURLs []str
ClusterRole: 1 metadata meta.ObjectMeta, 2 rules []PolicyRule,
    3 aggregationRule? AggregationRule
AggregationRule: 1 clusterRoleSelectors []meta.LabelSelector
RoleBinding: 1 metadata meta.ObjectMeta, 2 subjects []Subject, 3 roleRef RoleRef
Subject: 1 kind! str, 2 apiGroup str, 3 name! str, 4 namespace str
RoleRef: 1 apiGroup! str, 2 kind! str, 3 name! str
ClusterRoleBinding: 1 metadata meta.ObjectMeta, 2 subjects []Subject, 3 roleRef RoleRef
""",
    "coordination": """
Lease: 1 metadata meta.ObjectMeta, 2 spec LeaseSpec
LeaseSpec: 1 holderIdentity? str, 2 leaseDurationSeconds? int, 3 acquireTime? MicroTime,
    4 renewTime? MicroTime, 5 leaseTransitions? int, 6 strategy? str, 7 preferredHolder? str
""",
    "autoscaling": """
Scale: 1 metadata meta.ObjectMeta, 2 spec ScaleSpec, 3 status ScaleStatus
ScaleSpec: 1 replicas int
ScaleStatus: 1 replicas! int, 2 selector str
HorizontalPodAutoscaler: 1 metadata meta.ObjectMeta, 2 spec HorizontalPodAutoscalerSpec,
    3 status HorizontalPodAutoscalerStatus
HorizontalPodAutoscalerSpec: 1 scaleTargetRef CrossVersionObjectReference, 2 minReplicas? int,
    3 maxReplicas! int, 4 targetCPUUtilizationPercentage? int
CrossVersionObjectReference: 1 kind! str, 2 name! str, 3 apiVersion str
HorizontalPodAutoscalerStatus: 1 observedGeneration? int, 2 lastScaleTime? Time,
    3 currentReplicas! int, 4 desiredReplicas! int, 5 currentCPUUtilizationPercentage? int
""",
    "authorization": """
SubjectAccessReview: 1 metadata meta.ObjectMeta, 2 spec SubjectAccessReviewSpec,
    3 status SubjectAccessReviewStatus
LocalSubjectAccessReview: 1 metadata meta.ObjectMeta, 2 spec SubjectAccessReviewSpec,
    3 status SubjectAccessReviewStatus
SelfSubjectAccessReview: 1 metadata meta.ObjectMeta, 2 spec SelfSubjectAccessReviewSpec,
    3 status SubjectAccessReviewStatus
SubjectAccessReviewSpec: 1 resourceAttributes? ResourceAttributes,
    2 nonResourceAttributes? NonResourceAttributes, 3 user str, 4 groups []str, 6 uid str
SelfSubjectAccessReviewSpec: 1 resourceAttributes? ResourceAttributes,
    2 nonResourceAttributes? NonResourceAttributes
ResourceAttributes: 1 namespace str, 2 verb str, 3 group str, 4 version str, 5 resource str,
    6 subresource str, 7 name str, 8 fieldSelector? FieldSelectorAttributes,
    9 labelSelector? LabelSelectorAttributes
FieldSelectorAttributes: 1 rawSelector str
LabelSelectorAttributes: 1 rawSelector str
NonResourceAttributes: 1 path str, 2 verb str
SubjectAccessReviewStatus: 1 allowed! bool, 2 reason str, 3 evaluationError str, 4 denied bool
SelfSubjectRulesReview: 1 metadata meta.ObjectMeta, 2 spec SelfSubjectRulesReviewSpec,
    3 status SubjectRulesReviewStatus
SelfSubjectRulesReviewSpec: 1 namespace str
SubjectRulesReviewStatus: 1 resourceRules []ResourceRule, 2 nonResourceRules []NonResourceRule,
    3 incomplete! bool, 4 evaluationError str
ResourceRule: 1 verbs []str, 2 apiGroups []str, 3 resources []str, 4 resourceNames []str
NonResourceRule: 1 verbs []str, 2 nonResourceURLs []str
""",
    "authentication": """
TokenRequest: 1 metadata meta.ObjectMeta, 2 spec TokenRequestSpec, 3 status TokenRequestStatus
TokenRequestSpec: 1 audiences []str, 3 boundObjectRef? BoundObjectReference,
    4 expirationSeconds? int
BoundObjectReference: 1 kind str, 2 apiVersion str, 3 name str, 4 uid str
TokenRequestStatus: 1 token! str, 2 expirationTimestamp Time
""",
}
