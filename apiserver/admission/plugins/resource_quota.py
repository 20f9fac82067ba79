"""ResourceQuota: a create that would take a namespace past a quota's `hard` limits is refused
(403 `exceeded quota: <name>, requested: pods=1, used: pods=2, limited: pods=2`); one that fits
is charged to the quota's `status.used` before it is written.

The charge is a compare-and-swap on the quota object (the store's guaranteed update), so two
creates racing for the last unit cannot both pass: the loser re-reads the quota and is refused.
The controller-manager's resourcequota controller recounts `status.used` from what exists,
which gives back what deleted objects (and creates that failed after admission) held.
"""
from __future__ import annotations

from decimal import Decimal

from apiserver.admission import AdmissionRequest
from apiserver.admission.plugins.common import Obj, forbidden, in_namespace
from apiserver.rest.context import object_key
from apiserver.storage import KeyNotFound
from machinery import quota as q
from machinery.api import resources

RESOURCE_QUOTAS = resources.lookup("", "v1", "resourcequotas")
COMPUTE = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "cpu", "memory")


def _pretty(values: dict[str, Decimal]) -> str:
    return ",".join(f"{k}={q.format_amount(k, v)}" for k, v in sorted(values.items()))


def missing_compute(hard: Obj, pod: Obj) -> list[str]:
    """Compute resources a quota limits that some container of the pod does not declare."""
    missing = set()
    spec = pod.get("spec") or {}
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        res = c.get("resources") or {}
        for name in COMPUTE:
            which, _, resource = name.rpartition(".")
            if name in hard and resource not in (res.get(which or "requests") or {}):
                missing.add(name)
    return sorted(missing)


def charge(quota: Obj, delta: dict[str, Decimal]) -> Obj:
    """The quota with `delta` added to status.used; Exceeded when a hard limit is passed."""
    hard = (quota.get("spec") or {}).get("hard") or {}
    status = quota.get("status") or {}
    used = {k: q.quantity(v) for k, v in (status.get("used") or {}).items()}
    exceeded = [k for k, v in delta.items()
                if k in hard and used.get(k, Decimal(0)) + v > q.quantity(hard[k])]
    if exceeded:
        raise Exceeded(quota["metadata"]["name"], {k: delta[k] for k in exceeded},
                       {k: used.get(k, Decimal(0)) for k in exceeded},
                       {k: q.quantity(hard[k]) for k in exceeded})
    for k in hard:
        used[k] = used.get(k, Decimal(0)) + delta.get(k, Decimal(0))
    return {**quota, "status": {"hard": dict(hard),
                                "used": {k: q.format_amount(k, v) for k, v in used.items()
                                         if k in hard}}}


class Exceeded(Exception):
    def __init__(self, name: str, requested, used, limited):
        super().__init__(f"exceeded quota: {name}, requested: {_pretty(requested)}, "
                         f"used: {_pretty(used)}, limited: {_pretty(limited)}")


class ResourceQuota:
    name = "ResourceQuota"

    def handles(self, request: AdmissionRequest) -> bool:
        return request.operation == "CREATE" and not request.subresource and \
            request.info.namespaced and request.obj is not None and bool(request.namespace)

    def _quotas(self, request: AdmissionRequest) -> list[Obj]:
        return sorted(in_namespace(request.context, RESOURCE_QUOTAS, request.namespace),
                      key=lambda o: o["metadata"]["name"])

    async def validate(self, request: AdmissionRequest) -> None:
        quotas = self._quotas(request)
        if not quotas:
            return
        info = request.info
        try:
            delta = q.usage(info.plural, info.group, request.obj)
        except (ValueError, TypeError, AttributeError):
            return                          # validation has already refused bad shapes
        plans = []
        for quota in quotas:
            hard = (quota.get("spec") or {}).get("hard") or {}
            if not q.applies(quota, info.plural, info.group, request.obj):
                continue
            if info.plural == "pods" and info.group == "":
                missing = missing_compute(hard, request.obj)
                if missing:
                    raise forbidden(request, f"failed quota: {quota['metadata']['name']}: "
                                             f"must specify {','.join(missing)}")
            charged = q.tracked(hard, delta)
            if charged:
                plans.append((quota, charged))
        for quota, charged in plans:
            await self._charge(request, quota, charged)

    async def _charge(self, request: AdmissionRequest, quota: Obj, delta) -> None:
        key = object_key(RESOURCE_QUOTAS, request.namespace, quota["metadata"]["name"])

        async def mutate(current: Obj) -> Obj | None:
            charged = charge(current, delta)
            return None if request.dry_run else charged
        try:
            await request.context.store.guaranteed_update(key, mutate)
        except Exceeded as e:
            raise forbidden(request, str(e)) from None
        except KeyNotFound:
            return                          # deleted meanwhile: nothing to respect any more
