"""Pure Deployment logic: template hashes, semantic template equality, revisions, annotations
and the rolling-update arithmetic, as upstream's deployment/util package.

Everything here works on plain dicts and does no I/O, so it is unit-tested directly.
"""
from __future__ import annotations

import copy
import json
import math
from typing import Any, Iterable

Obj = dict[str, Any]

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
ANNOTATIONS_TO_SKIP = frozenset({LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS,
                                 MAX_REPLICAS, ROLLBACK_TO})
REVISION_HISTORY_LIMIT_CHARS = 2000    # upstream's default --deployment-revision-history-limit
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"   # upstream's rand.SafeEncodeString alphabet
RECREATE, ROLLING_UPDATE = "Recreate", "RollingUpdate"


# --- templates: normal form, hash, equality -----------------------------------------------------

def _prune(value: Any) -> Any:
    """Drop what Go's zero values make invisible: None, {} and [] (after pruning inside)."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v is not None and v != {} and v != []}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def normalize_template(template: Obj | None) -> Obj:
    """The template with the hash label and creationTimestamp removed and empties pruned."""
    t = copy.deepcopy(template or {})
    meta = t.get("metadata") or {}
    meta.pop("creationTimestamp", None)
    (meta.get("labels") or {}).pop(HASH_LABEL, None)
    return _prune(t)


def templates_equal(a: Obj | None, b: Obj | None) -> bool:
    """upstream's EqualIgnoreHash: semantic equality ignoring pod-template-hash."""
    return normalize_template(a) == normalize_template(b)


def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """Map each byte to the vowel-free alphabet, so hashes never spell words."""
    return "".join(SAFE_ALPHABET[b % len(SAFE_ALPHABET)] for b in text.encode())


def compute_hash(template: Obj | None, collision_count: int | None = None) -> str:
    """The pod-template-hash: FNV-32a of the normalized template (+ collisionCount) encoded
    with the safe alphabet, as upstream's controller.ComputeHash."""
    canonical = json.dumps(normalize_template(template), sort_keys=True, separators=(",", ":"))
    data = canonical.encode()
    if collision_count is not None:
        data += (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4)
    return safe_encode(str(fnv32a(data)))


# --- replica sets of a deployment ---------------------------------------------------------------

def _created(rs: Obj) -> tuple[str, str]:
    meta = rs.get("metadata") or {}
    return meta.get("creationTimestamp") or "", meta.get("name") or ""


def by_creation(rss: Iterable[Obj]) -> list[Obj]:
    return sorted(rss, key=_created)


def replicas(rs: Obj | None) -> int:
    return 0 if rs is None else (rs.get("spec") or {}).get("replicas", 1)


def find_new_rs(deployment: Obj, rss: list[Obj]) -> Obj | None:
    """The oldest RS whose template equals the deployment's."""
    template = (deployment.get("spec") or {}).get("template")
    for rs in by_creation(rss):
        if templates_equal((rs.get("spec") or {}).get("template"), template):
            return rs
    return None


def find_old_rss(deployment: Obj, rss: list[Obj], new_rs: Obj | None) -> list[Obj]:
    new_uid = ((new_rs or {}).get("metadata") or {}).get("uid")
    return [rs for rs in rss if (rs.get("metadata") or {}).get("uid") != new_uid]


def active(rss: Iterable[Obj | None]) -> list[Obj]:
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


def sum_spec_replicas(rss: Iterable[Obj | None]) -> int:
    return sum(replicas(rs) for rs in rss if rs is not None)


def sum_status(rss: Iterable[Obj | None], field: str) -> int:
    return sum(((rs.get("status") or {}).get(field) or 0) for rs in rss if rs is not None)


# --- revisions and annotations ------------------------------------------------------------------

def revision(obj: Obj | None) -> int:
    value = (((obj or {}).get("metadata") or {}).get("annotations") or {}).get(REVISION)
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def max_revision(rss: Iterable[Obj]) -> int:
    return max((revision(rs) for rs in rss), default=0)


def copy_annotations(deployment_annotations: dict[str, str], rs_annotations: dict[str, str]
                     ) -> bool:
    """Copy the deployment's annotations to the RS, except the skip list; True if changed."""
    changed = False
    for k, v in deployment_annotations.items():
        if k in ANNOTATIONS_TO_SKIP or rs_annotations.get(k) == v:
            continue
        rs_annotations[k] = v
        changed = True
    return changed


def set_replicas_annotations(annotations: dict[str, str], desired: int, max_: int) -> bool:
    changed = False
    for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(max_))):
        if annotations.get(key) != value:
            annotations[key] = value
            changed = True
    return changed


def replicas_annotations_need_update(annotations: dict[str, str] | None, desired: int,
                                     max_: int) -> bool:
    annotations = annotations or {}
    return (annotations.get(DESIRED_REPLICAS) != str(desired)
            or annotations.get(MAX_REPLICAS) != str(max_))


def set_new_rs_annotations(deployment: Obj, annotations: dict[str, str], new_revision: int,
                           exists: bool) -> bool:
    """Upstream's SetNewReplicaSetAnnotations on `annotations` (mutated); True if changed."""
    d_annotations = (deployment.get("metadata") or {}).get("annotations") or {}
    changed = copy_annotations(d_annotations, annotations)
    old_text = annotations.get(REVISION)
    try:
        old = int(old_text) if old_text else 0
    except ValueError:
        return changed
    if old < new_revision:
        annotations[REVISION] = str(new_revision)
        changed = True
        if old_text:     # a known RS gets a new revision: a rollback; keep its old number
            _append_history(annotations, old_text)
    if not exists:
        d_replicas = deployment_replicas(deployment)
        changed |= set_replicas_annotations(annotations, d_replicas,
                                            d_replicas + max_surge(deployment))
    return changed


def _append_history(annotations: dict[str, str], old_revision: str) -> None:
    history = annotations.get(REVISION_HISTORY, "")
    if not history:
        annotations[REVISION_HISTORY] = old_revision
        return
    entries = history.split(",")
    total = len(history) + len(old_revision) + 1
    while total > REVISION_HISTORY_LIMIT_CHARS and entries:
        total -= len(entries.pop(0)) + 1
    if total <= REVISION_HISTORY_LIMIT_CHARS:
        annotations[REVISION_HISTORY] = ",".join([*entries, old_revision])


def int_annotation(rs: Obj, key: str) -> int | None:
    value = ((rs.get("metadata") or {}).get("annotations") or {}).get(key)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


# --- rolling update arithmetic ------------------------------------------------------------------

def deployment_replicas(deployment: Obj) -> int:
    return (deployment.get("spec") or {}).get("replicas", 1)


def strategy(deployment: Obj) -> Obj:
    return (deployment.get("spec") or {}).get("strategy") or {"type": ROLLING_UPDATE}


def is_rolling(deployment: Obj) -> bool:
    return (strategy(deployment).get("type") or ROLLING_UPDATE) == ROLLING_UPDATE


def scaled_value(value: int | str | None, total: int, round_up: bool) -> int:
    """An IntOrString: an int as is, or "25%" of total rounded up (surge) or down."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        raise ValueError(f"invalid value for IntOrString: {text!r} is not a percentage")
    percent = int(text[:-1])
    return -(-percent * total // 100) if round_up else percent * total // 100


def resolve_fenceposts(surge: int | str | None, unavailable: int | str | None,
                       desired: int) -> tuple[int, int]:
    """(maxSurge, maxUnavailable); both zero would deadlock, so unavailable becomes 1."""
    max_surge_ = scaled_value(surge, desired, True)
    max_unavailable_ = scaled_value(unavailable, desired, False)
    if max_surge_ == 0 and max_unavailable_ == 0:
        max_unavailable_ = 1
    return max_surge_, max_unavailable_


def _rolling_params(deployment: Obj) -> tuple[int | str, int | str]:
    rolling = strategy(deployment).get("rollingUpdate") or {}
    return rolling.get("maxSurge", "25%"), rolling.get("maxUnavailable", "25%")


def max_surge(deployment: Obj) -> int:
    if not is_rolling(deployment):
        return 0
    return resolve_fenceposts(*_rolling_params(deployment), deployment_replicas(deployment))[0]


def max_unavailable(deployment: Obj) -> int:
    desired = deployment_replicas(deployment)
    if not is_rolling(deployment) or desired == 0:
        return 0
    return min(resolve_fenceposts(*_rolling_params(deployment), desired)[1], desired)


def new_rs_new_replicas(deployment: Obj, all_rss: list[Obj], new_rs: Obj | None) -> int:
    """How big the new RS may be now: up to desired, never above desired + maxSurge in total."""
    desired = deployment_replicas(deployment)
    if not is_rolling(deployment):
        return desired
    current = sum_spec_replicas(all_rss)
    max_total = desired + max_surge(deployment)
    if current >= max_total:
        return replicas(new_rs)
    scale_up = min(max_total - current, desired - replicas(new_rs))
    return replicas(new_rs) + scale_up


def is_saturated(deployment: Obj, rs: Obj | None) -> bool:
    """The RS alone runs the whole deployment: desired, spec and available all equal."""
    if rs is None:
        return False
    desired = deployment_replicas(deployment)
    return (int_annotation(rs, DESIRED_REPLICAS) == desired and replicas(rs) == desired
            and ((rs.get("status") or {}).get("availableReplicas") or 0) == desired)


def round_half_away(x: float) -> int:
    """Go's math.Round (Python's round() rounds half to even)."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def rs_fraction(rs: Obj, deployment: Obj) -> int:
    """How many replicas `rs` gains (or loses) in a proportional scale."""
    desired = deployment_replicas(deployment)
    if desired == 0:
        return -replicas(rs)
    total = desired + max_surge(deployment)
    annotated = int_annotation(rs, MAX_REPLICAS)
    if annotated is None:
        annotated = ((deployment.get("status") or {}).get("replicas") or 0)
    if annotated == 0:
        return 0
    return round_half_away(replicas(rs) * total / annotated) - replicas(rs)


def proportion(rs: Obj | None, deployment: Obj, to_add: int, added: int) -> int:
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = rs_fraction(rs, deployment)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def proportional_sizes(deployment: Obj, active_rss: list[Obj]) -> dict[str, int]:
    """New sizes of several active RSes when a deployment is scaled mid-rollout."""
    desired = deployment_replicas(deployment)
    allowed = desired + max_surge(deployment) if desired > 0 else 0
    to_add = allowed - sum_spec_replicas(active_rss)
    # scaling up: largest (then newest) first; scaling down: largest (then oldest) first
    ordered = sorted(active_rss, key=_created, reverse=to_add > 0)
    ordered = sorted(ordered, key=replicas, reverse=True)
    sizes: dict[str, int] = {}
    added = 0
    for rs in ordered:
        name = rs["metadata"]["name"]
        share = proportion(rs, deployment, to_add, added) if to_add != 0 else 0
        sizes[name] = replicas(rs) + share
        added += share
    if ordered and to_add != 0:
        first = ordered[0]["metadata"]["name"]
        sizes[first] = max(sizes[first] + to_add - added, 0)
    return sizes
