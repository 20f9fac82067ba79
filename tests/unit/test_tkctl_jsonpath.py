"""kubectl's JSONPath templates and custom columns, as tkctl evaluates them."""
import pytest

from kubectl.errors import CLIError
from kubectl.printers.custom_columns import CustomColumnsPrinter, parse_spec, relaxed
from kubectl.printers.jsonpath import JSONPath, JSONPathError, go_fmt
from kubectl.printers.tabwriter import TabWriter

pytestmark = pytest.mark.unit


def pod(name, phase, image="nginx", labels=None):
    return {"metadata": {"name": name, "labels": labels or {}},
            "spec": {"containers": [{"name": "c", "image": image, "ports": [{"containerPort": 80}]}]},
            "status": {"phase": phase}}


LIST = {"kind": "List", "items": [pod("a", "Running", labels={"app": "web"}),
                                  pod("b", "Pending", "busybox"), pod("c", "Running")]}


@pytest.mark.parametrize("template, expected", [
    ("{.items[0].metadata.name}", "a"),
    ("{.items[*].metadata.name}", "a b c"),
    ("{.items[-1].metadata.name}", "c"),
    ("{.items[0:2].metadata.name}", "a b"),
    ("{.items[0,2].metadata.name}", "a c"),
    ('{.items[?(@.status.phase=="Running")].metadata.name}', "a c"),
    ('{.items[?(@.status.phase!="Running")].metadata.name}', "b"),
    ("{.items[?(@.metadata.labels.app)].metadata.name}", "a"),
    ("{..image}", "nginx busybox nginx"),
    ('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}',
     "a\tRunning\nb\tPending\nc\tRunning\n"),
    ("names: {.items[*].metadata.name}!", "names: a b c!"),
    ("{.items[0].metadata.labels}", '{"app":"web"}'),
    ("{.items[0].spec.containers[0].ports}", '[{"containerPort":80}]'),
    ("{.items[0].metadata.missing}", ""),
    ("{.items[0].metadata.labels['app']}", "web"),
])
def test_templates(template, expected):
    assert JSONPath(template).render(LIST) == expected


def test_escaped_dots_in_keys():
    obj = {"metadata": {"labels": {"app.kubernetes.io/name": "x"}}}
    assert JSONPath(r"{.metadata.labels.app\.kubernetes\.io/name}").render(obj) == "x"


def test_index_out_of_range_is_an_error():
    with pytest.raises(JSONPathError, match="array index out of bounds"):
        JSONPath("{.items[5]}").render(LIST)


def test_missing_keys_error_when_not_allowed():
    with pytest.raises(JSONPathError, match="missing is not found"):
        JSONPath("{.missing}", allow_missing=False).render({"a": 1})


def test_json_output_escapes_html_like_go():
    assert JSONPath("{.a}").render({"a": {"k": "<&>"}}) == '{"k":"\\u003c\\u0026\\u003e"}'


def test_scalars_print_like_go():
    assert JSONPath("{.a} {.b} {.c}").render({"a": True, "b": 1.5, "c": 3}) == "true 1.5 3"


def test_unclosed_range_is_rejected():
    with pytest.raises(JSONPathError):
        JSONPath("{range .items[*]}{.metadata.name}")


@pytest.mark.parametrize("expr, expected", [
    (".metadata.name", "{.metadata.name}"),
    ("metadata.name", "{.metadata.name}"),
    ("{.metadata.name}", "{.metadata.name}"),
])
def test_relaxed_expressions(expr, expected):
    assert relaxed(expr) == expected


def test_go_fmt_of_maps_and_lists():
    assert go_fmt({"b": 1, "a": [1, "x"]}) == "map[a:[1 x] b:1]"
    assert go_fmt(None) == "<nil>"


def test_custom_columns_print_like_kubectl():
    import io
    out = io.StringIO()
    w = TabWriter(out)
    printer = CustomColumnsPrinter(parse_spec(
        "NAME:.metadata.name,IMAGES:.spec.containers[*].image,APP:.metadata.labels.app"))
    printer.print_obj(LIST, w)
    w.flush()
    assert out.getvalue() == ("NAME   IMAGES    APP\n"
                              "a      nginx     web\n"
                              "b      busybox   <none>\n"
                              "c      nginx     <none>\n")


def test_custom_columns_spec_needs_headers():
    with pytest.raises(CLIError, match="unexpected custom-columns spec"):
        parse_spec("NAME")
