"""The informer's cache, index and handler bookkeeping for watch events (no network).

The list/watch loop itself runs against the real api-server in
tests/component/test_client_informer.py.
"""
import pytest

from machinery.api.resources import lookup
from machinery.informer import Informer, object_key, split_key

pytestmark = pytest.mark.unit

PODS = lookup("", "v1", "pods")


def pod(name, node=None, rv="1", ns="default"):
    return {"metadata": {"name": name, "namespace": ns, "resourceVersion": rv},
            "spec": {"nodeName": node} if node else {}}


@pytest.fixture
def informer():
    inf = Informer(client=None, info=PODS)
    inf.add_index("node", lambda o: (o.get("spec") or {}).get("nodeName"))
    return inf


def test_keys():
    assert object_key(pod("a")) == "default/a"
    assert object_key({"metadata": {"name": "node-1"}}) == "node-1"
    assert split_key("default/a") == ("default", "a")
    assert split_key("node-1") == (None, "node-1")


def test_events_update_cache_index_and_handlers(informer):
    seen = []
    informer.add_handler(lambda o: seen.append(("add", object_key(o))),
                         lambda old, new: seen.append(("update", old["spec"], new["spec"])),
                         lambda o: seen.append(("delete", object_key(o))))
    informer._apply("ADDED", pod("a", rv="5"))
    informer._apply("ADDED", pod("b", "n1", rv="6"))
    assert [o["metadata"]["name"] for o in informer.by_index("node", "n1")] == ["b"]
    informer._apply("MODIFIED", pod("a", "n1", rv="7"))        # a is bound to n1
    assert sorted(o["metadata"]["name"] for o in informer.by_index("node", "n1")) == ["a", "b"]
    informer._apply("MODIFIED", pod("b", "n2", rv="8"))
    assert [o["metadata"]["name"] for o in informer.by_index("node", "n2")] == ["b"]
    informer._apply("DELETED", pod("a", "n1", rv="9"))
    assert informer.by_index("node", "n1") == []
    assert informer.keys() == ["default/b"]
    assert informer.last_resource_version == "9"
    informer._apply("BOOKMARK", {"metadata": {"resourceVersion": "12"}})
    assert informer.last_resource_version == "12"
    assert seen == [("add", "default/a"), ("add", "default/b"),
                    ("update", {}, {"nodeName": "n1"}),
                    ("update", {"nodeName": "n1"}, {"nodeName": "n2"}),
                    ("delete", "default/a")]


def test_reads_copy_unless_asked_not_to(informer):
    informer._apply("ADDED", pod("a", "n1"))
    informer.get("default/a")["spec"]["nodeName"] = "mutated"
    informer.list()[0]["spec"]["nodeName"] = "mutated"
    informer.by_index("node", "n1")[0]["spec"]["nodeName"] = "mutated"
    assert informer.get("default/a")["spec"]["nodeName"] == "n1"
    assert informer.get("default/a", copy_=False) is informer.get("default/a", copy_=False)


def test_index_added_later_covers_cached_objects(informer):
    informer._apply("ADDED", pod("a", "n1", ns="x"))
    informer.add_index("ns", lambda o: [o["metadata"]["namespace"], "*"])
    assert [object_key(o) for o in informer.by_index("ns", "x")] == ["x/a"]
    assert [object_key(o) for o in informer.by_index("ns", "*")] == ["x/a"]


def test_a_failing_handler_does_not_stop_the_others(informer, caplog):
    seen = []

    def broken(obj):
        raise RuntimeError("bug")

    informer.add_handler(on_add=broken)
    informer.add_handler(on_add=lambda o: seen.append(object_key(o)))
    informer._apply("ADDED", pod("a"))
    assert seen == ["default/a"]
    assert any(r.getMessage() == "informer handler failed" for r in caplog.records)


def test_key_handler_enqueues_keys(informer):
    keys = []
    informer.add_key_handler(keys.append)
    informer._apply("ADDED", pod("a"))
    informer._apply("MODIFIED", pod("a", "n1"))
    informer._apply("DELETED", pod("a"))
    assert keys == ["default/a"] * 3
