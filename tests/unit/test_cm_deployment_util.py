"""Deployment logic without I/O: hashes, semantic equality, revisions, rolling arithmetic."""
import pytest

from controller_manager import deployment_util as du

pytestmark = pytest.mark.unit


def template(image="nginx:1.25", **labels):
    return {"metadata": {"labels": {"app": "web", **labels}},
            "spec": {"containers": [{"name": "nginx", "image": image}]}}


def deployment(replicas=3, surge="25%", unavailable="25%", strategy="RollingUpdate", **extra):
    spec = {"replicas": replicas, "template": template(), "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": strategy}}
    if strategy == "RollingUpdate":
        spec["strategy"]["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"metadata": {"name": "web", "namespace": "ns", "uid": "d1", "annotations": {}},
            "spec": spec, "status": extra.get("status", {})}


def rs(name, replicas, available=None, created="2024-01-01T00:00:00Z", annotations=None):
    return {"metadata": {"name": name, "uid": name, "creationTimestamp": created,
                         "annotations": annotations or {}},
            "spec": {"replicas": replicas, "template": template()},
            "status": {"replicas": replicas,
                       "availableReplicas": replicas if available is None else available}}


# --- hash and equality --------------------------------------------------------------------------

def test_hash_is_stable_and_uses_the_safe_alphabet():
    h = du.compute_hash(template())
    assert h == du.compute_hash(template())
    assert set(h) <= set(du.SAFE_ALPHABET)
    assert 6 <= len(h) <= 10


def test_hash_ignores_representation_noise_but_not_content():
    noisy = template()
    noisy["metadata"]["creationTimestamp"] = None
    noisy["spec"]["containers"][0]["resources"] = {}
    noisy["metadata"]["labels"]["pod-template-hash"] = "abc"
    assert du.compute_hash(noisy) == du.compute_hash(template())
    assert du.compute_hash(template("nginx:1.26")) != du.compute_hash(template())


def test_collision_count_changes_the_hash():
    assert du.compute_hash(template(), 1) != du.compute_hash(template(), None)
    assert du.compute_hash(template(), 1) != du.compute_hash(template(), 2)


def test_fnv32a_matches_reference_vectors():
    assert du.fnv32a(b"") == 0x811C9DC5
    assert du.fnv32a(b"a") == 0xE40C292C
    assert du.fnv32a(b"foobar") == 0xBF9CF968


def test_safe_encode_maps_digits_like_upstream():
    assert du.safe_encode("0123456789") == "456789bcdf"


def test_templates_equal_semantically():
    rs_template = template(**{"pod-template-hash": "5d4f8b7c9"})
    rs_template["metadata"]["creationTimestamp"] = None
    rs_template["spec"]["containers"][0]["resources"] = {}
    assert du.templates_equal(rs_template, template())
    assert not du.templates_equal(template("nginx:1.26"), template())
    assert not du.templates_equal(template(tier="x"), template())


def test_find_new_rs_picks_the_oldest_matching():
    d = deployment()
    old = rs("web-old", 1, created="2024-01-01T00:00:00Z")
    old["spec"]["template"] = template("busybox")
    a = rs("web-a", 1, created="2024-01-02T00:00:00Z")
    b = rs("web-b", 1, created="2024-01-03T00:00:00Z")
    assert du.find_new_rs(d, [b, old, a])["metadata"]["name"] == "web-a"
    assert [r["metadata"]["name"] for r in du.find_old_rss(d, [b, old, a], a)] == ["web-b", "web-old"]


# --- revisions and annotations ------------------------------------------------------------------

def test_new_rs_annotations_copy_all_but_the_skip_list():
    d = deployment()
    d["metadata"]["annotations"] = {"team": "a", du.LAST_APPLIED: "{}", du.REVISION: "7",
                                    "kubernetes.io/change-cause": "v2"}
    annotations = {}
    assert du.set_new_rs_annotations(d, annotations, 2, exists=False)
    assert annotations == {"team": "a", "kubernetes.io/change-cause": "v2", du.REVISION: "2",
                           du.DESIRED_REPLICAS: "3", du.MAX_REPLICAS: "4"}


def test_rollback_gives_a_new_revision_and_keeps_history():
    d = deployment()
    annotations = {du.REVISION: "1"}
    assert du.set_new_rs_annotations(d, annotations, 3, exists=True)
    assert annotations[du.REVISION] == "3"
    assert annotations[du.REVISION_HISTORY] == "1"
    du.set_new_rs_annotations(d, annotations, 5, exists=True)
    assert annotations[du.REVISION_HISTORY] == "1,3"


def test_revision_never_goes_down_and_no_op_reports_unchanged():
    d = deployment()
    annotations = {du.REVISION: "4"}
    assert not du.set_new_rs_annotations(d, annotations, 2, exists=True)
    assert annotations == {du.REVISION: "4"}


def test_max_revision():
    rss = [rs("a", 0, annotations={du.REVISION: "2"}), rs("b", 0, annotations={du.REVISION: "10"}),
           rs("c", 0)]
    assert du.max_revision(rss) == 10
    assert du.max_revision([]) == 0


# --- rolling update arithmetic ------------------------------------------------------------------

@pytest.mark.parametrize("value,total,up,expected", [
    (1, 10, True, 1), ("25%", 10, True, 3), ("25%", 10, False, 2), ("25%", 3, True, 1),
    ("25%", 3, False, 0), ("100%", 7, False, 7), ("33%", 100, True, 33), ("0%", 5, True, 0),
])
def test_scaled_values_round_like_upstream(value, total, up, expected):
    assert du.scaled_value(value, total, up) == expected


def test_fenceposts_never_both_zero():
    assert du.resolve_fenceposts("25%", "25%", 3) == (1, 0)   # surge rounds up, unavailable down
    assert du.resolve_fenceposts(0, 0, 3) == (0, 1)
    assert du.resolve_fenceposts("0%", "10%", 4) == (0, 1)    # 0.4 rounds down to 0, then 1
    with pytest.raises(ValueError):
        du.scaled_value("3", 10, True)


def test_max_surge_and_unavailable_from_a_deployment():
    d = deployment(10, "25%", "25%")
    assert (du.max_surge(d), du.max_unavailable(d)) == (3, 2)
    assert du.max_unavailable(deployment(2, 0, 5)) == 2        # capped at replicas
    assert du.max_unavailable(deployment(0)) == 0
    assert (du.max_surge(deployment(strategy="Recreate")),
            du.max_unavailable(deployment(strategy="Recreate"))) == (0, 0)


def test_new_rs_never_exceeds_desired_plus_surge():
    d = deployment(3, surge=1, unavailable=0)
    old = rs("old", 3)
    new = rs("new", 0)
    assert du.new_rs_new_replicas(d, [old, new], new) == 1      # 3 + 1 = 4 total
    new = rs("new", 1)
    assert du.new_rs_new_replicas(d, [old, new], new) == 1      # total already 4: wait
    old = rs("old", 2)
    assert du.new_rs_new_replicas(d, [old, new], new) == 2
    assert du.new_rs_new_replicas(deployment(3, strategy="Recreate"), [old, new], new) == 3


def test_new_rs_scale_up_is_capped_at_desired():
    d = deployment(3, surge="100%", unavailable=0)
    new = rs("new", 0)
    assert du.new_rs_new_replicas(d, [rs("old", 3), new], new) == 3


def test_saturation():
    d = deployment(3)
    full = rs("new", 3, annotations={du.DESIRED_REPLICAS: "3"})
    assert du.is_saturated(d, full)
    assert not du.is_saturated(d, rs("new", 3, available=2, annotations={du.DESIRED_REPLICAS: "3"}))
    assert not du.is_saturated(d, rs("new", 3, annotations={du.DESIRED_REPLICAS: "5"}))
    assert not du.is_saturated(d, None)


def test_round_half_away_from_zero():
    assert [du.round_half_away(x) for x in (0.5, 1.5, 2.5, -0.5, -2.5, 2.4)] == [1, 2, 3, -1, -3, 2]


def test_proportional_scale_up_mid_rollout():
    # 10 replicas, surge 3: old 8 + new 5 = 13 (max). Scale to 20 (max 20 + 5 = 25).
    d = deployment(20, surge=3, unavailable=2)
    d["spec"]["strategy"]["rollingUpdate"] = {"maxSurge": 3, "maxUnavailable": 2}
    old = rs("old", 8, created="2024-01-01T00:00:00Z", annotations={du.MAX_REPLICAS: "13"})
    new = rs("new", 5, created="2024-01-02T00:00:00Z", annotations={du.MAX_REPLICAS: "13"})
    sizes = du.proportional_sizes(d, [old, new])
    assert sum(sizes.values()) == 23                           # 20 + 3
    assert sizes == {"old": 14, "new": 9}                       # 8*23/13=14.15, 5*23/13=8.8


def test_proportional_scale_down_never_goes_negative():
    d = deployment(0, surge=1, unavailable=0)
    old = rs("old", 2, annotations={du.MAX_REPLICAS: "4"})
    new = rs("new", 2, created="2024-01-02T00:00:00Z", annotations={du.MAX_REPLICAS: "4"})
    assert du.proportional_sizes(d, [old, new]) == {"old": 0, "new": 0}


def test_proportional_leftover_goes_to_the_largest():
    d = deployment(5, surge=1, unavailable=0)
    a = rs("a", 2, created="2024-01-01T00:00:00Z", annotations={du.MAX_REPLICAS: "4"})
    b = rs("b", 2, created="2024-01-02T00:00:00Z", annotations={du.MAX_REPLICAS: "4"})
    sizes = du.proportional_sizes(d, [a, b])
    assert sum(sizes.values()) == 6
    assert sizes["b"] >= sizes["a"]      # equal sizes: the newer one first when growing
