"""Reading manifests and resource arguments as kubectl's builder does."""
import pytest

from kubectl.builder import read_manifests, split_type_name_args
from kubectl.errors import CLIError

pytestmark = pytest.mark.unit


def test_multi_document_yaml_lists_and_directories(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n"
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: w}}\n---\n"
        "apiVersion: v1\nkind: Secret\nmetadata: {name: z}\n")
    (tmp_path / "b.json").write_text('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}')
    (tmp_path / "ignored.txt").write_text("not a manifest")
    found = [(src.rsplit("/", 1)[-1], obj["metadata"]["name"])
             for src, obj in read_manifests([str(tmp_path)])]
    assert found == [("a.yaml", "x"), ("a.yaml", "w"), ("a.yaml", "z"), ("b.json", "p")]


def test_missing_path():
    with pytest.raises(CLIError, match='the path "nope.yaml" does not exist'):
        read_manifests(["nope.yaml"])


@pytest.mark.parametrize("args, expected", [
    (["pods"], [("pods", None)]),
    (["pods,svc"], [("pods", None), ("svc", None)]),
    (["pod", "a", "b"], [("pod", "a"), ("pod", "b")]),
    (["pod,deploy", "a", "b"], [("pod", "a"), ("pod", "b"), ("deploy", "a"), ("deploy", "b")]),
    (["pod/a", "svc/b"], [("pod", "a"), ("svc", "b")]),
])
def test_type_name_arguments(args, expected):
    assert split_type_name_args(args, "get") == expected


def test_mixed_forms_are_refused():
    with pytest.raises(CLIError, match="no need to specify a resource type"):
        split_type_name_args(["pod", "pod/a"], "get")


def test_yaml_is_read_as_go_reads_it(tmp_path):
    """YAML 1.1 as go-yaml: `y`/`n` are booleans, and map keys become strings."""
    (tmp_path / "c.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                                     "data: {y: \"1\", n: 'x', plain: yes}\n")
    (_, obj), = read_manifests([str(tmp_path / "c.yaml")])
    assert obj["data"] == {"true": "1", "false": "x", "plain": True}
