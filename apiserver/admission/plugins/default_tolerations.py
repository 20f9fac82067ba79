"""DefaultTolerationSeconds: a new pod tolerates a not-ready or unreachable node for 300 s
(NoExecute), unless it already says how long, so that taint-based eviction moves pods off a
lost node after five minutes, as upstream."""
from __future__ import annotations

from apiserver.admission import AdmissionRequest
from apiserver.admission.plugins.common import Obj, is_pod, well_formed_pod

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
DEFAULT_SECONDS = 300


def _tolerates(tolerations: list[Obj], key: str) -> bool:
    """Whether some toleration already covers `key:NoExecute` (upstream's check)."""
    for t in tolerations:
        if not isinstance(t, dict):
            continue
        key_ok = t.get("key") == key or (not t.get("key") and t.get("operator") == "Exists")
        if key_ok and t.get("effect") in (None, "", "NoExecute"):
            return True
    return False


class DefaultTolerationSeconds:
    name = "DefaultTolerationSeconds"

    def __init__(self, seconds: int = DEFAULT_SECONDS):
        self.seconds = seconds

    def handles(self, request: AdmissionRequest) -> bool:
        return request.operation == "CREATE" and is_pod(request) and request.obj is not None \
            and well_formed_pod(request.obj)

    async def admit(self, request: AdmissionRequest) -> None:
        spec = request.obj.setdefault("spec", {})
        tolerations = spec.get("tolerations") or []
        for key in (NOT_READY, UNREACHABLE):
            if not _tolerates(tolerations, key):
                tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                                    "tolerationSeconds": self.seconds})
        spec["tolerations"] = tolerations
