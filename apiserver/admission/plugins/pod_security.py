"""PodSecurity: the Pod Security Standards, chosen per namespace by its labels
`pod-security.kubernetes.io/enforce|warn|audit` (privileged, baseline or restricted; the
`-version` labels name the policy version shown in messages, default "latest").

A pod that fails the enforce level is refused: `pods "x" is forbidden: violates PodSecurity
"restricted:latest": privileged (container "x" must not set securityContext.privileged=true),
...`. Failing the warn level (or, for workload objects with a pod template, either level) adds
a `would violate PodSecurity ...` warning. Audit has no audit log to go to here, so it is read
and not acted on.
"""
from __future__ import annotations

from apiserver.admission import AdmissionRequest
from apiserver.admission.plugins.common import Obj, forbidden, is_pod, lookup
from apiserver.admission.plugins.pod_security_checks import describe, evaluate
from machinery.api import resources

NAMESPACES = resources.lookup("", "v1", "namespaces")
LABEL = "pod-security.kubernetes.io/"
LEVELS = ("privileged", "baseline", "restricted")
# where a pod template lives in each workload kind
TEMPLATE_PATHS = {("apps", "deployments"): ("spec", "template"),
                  ("apps", "replicasets"): ("spec", "template"),
                  ("apps", "statefulsets"): ("spec", "template"),
                  ("apps", "daemonsets"): ("spec", "template"),
                  ("batch", "jobs"): ("spec", "template"),
                  ("batch", "cronjobs"): ("spec", "jobTemplate", "spec", "template"),
                  ("", "replicationcontrollers"): ("spec", "template"),
                  ("", "podtemplates"): ("template",)}


def policy(labels: dict[str, str], mode: str) -> tuple[str, str]:
    """(level, version) of one mode; an unset or unknown level is privileged."""
    level = labels.get(LABEL + mode, "privileged")
    return (level if level in LEVELS else "restricted",
            labels.get(f"{LABEL}{mode}-version") or "latest")


def _template(request: AdmissionRequest) -> Obj | None:
    path = TEMPLATE_PATHS.get((request.info.group, request.info.plural))
    node = request.obj
    for key in path or ():
        node = node.get(key) if isinstance(node, dict) else None
    return node if path and isinstance(node, dict) else None


class PodSecurity:
    name = "PodSecurity"

    def handles(self, request: AdmissionRequest) -> bool:
        if request.obj is None or request.operation != "CREATE" or request.subresource:
            return False
        return is_pod(request) or (request.info.group, request.info.plural) in TEMPLATE_PATHS

    async def validate(self, request: AdmissionRequest) -> None:
        ns = await lookup(request.context, NAMESPACES, None, request.namespace or "")
        labels = ((ns or {}).get("metadata") or {}).get("labels") or {}
        if not any(k.startswith(LABEL) for k in labels):
            return
        if is_pod(request):
            meta, spec = request.obj.get("metadata") or {}, request.obj.get("spec") or {}
            modes = ("enforce", "warn")
        else:
            template = _template(request)
            if template is None:
                return
            meta, spec = template.get("metadata") or {}, template.get("spec") or {}
            modes = ()                       # workloads are only warned about
        self._check(request, labels, meta, spec, modes)

    def _check(self, request: AdmissionRequest, labels: dict, meta: Obj, spec: Obj,
               modes: tuple[str, ...]) -> None:
        warned = set()
        for mode in ("enforce", "warn"):
            level, version = policy(labels, mode)
            failures = evaluate(level, meta, spec)
            if not failures:
                continue
            text = f'PodSecurity "{level}:{version}": {describe(failures)}'
            if mode == "enforce" and "enforce" in modes:
                raise forbidden(request, f"violates {text}")
            if text not in warned:
                warned.add(text)
                request.warnings.append(f"would violate {text}")
