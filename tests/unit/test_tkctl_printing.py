"""Table layout (Go's tabwriter as kubectl sets it up), table decoration, YAML/JSON like Go."""
import io

import pytest

from kubectl.printers.serialize import to_json, to_yaml
from kubectl.printers.sorting import natural_less, sort_key_compare
from kubectl.printers.table import TableOptions, TablePrinter, format_labels
from kubectl.printers.tabwriter import TabWriter, format_cells

pytestmark = pytest.mark.unit


def test_columns_are_widest_cell_plus_three():
    text = "NAME\tSTATUS\tAGE\ndefault\tActive\t5s\nkube-node-lease\tActive\t5s\n"
    assert format_cells(text) == ("NAME              STATUS   AGE\n"
                                  "default           Active   5s\n"
                                  "kube-node-lease   Active   5s\n")


def test_minimum_column_width_is_six():
    assert format_cells("A\tB\nx\ty\n") == "A     B\nx     y\n"


def test_last_cell_is_never_padded():
    assert format_cells("NAME\tDATA\nlong-name\t1\n").splitlines()[1] == "long-name   1"


def test_lines_without_tabs_split_column_blocks():
    text = "Name:\tweb\nContainers:\n  c:\n    Image:\tnginx\n"
    assert format_cells(text, 0, 2) == "Name:  web\nContainers:\n  c:\n    Image:  nginx\n"


def test_remembered_widths_keep_streamed_rows_aligned():
    out = io.StringIO()
    w = TabWriter(out)
    w.write("NAME\tAGE\na-much-longer-name\t1s\n")
    w.flush()
    w.write("b\t2s\n")
    w.flush()
    assert out.getvalue().splitlines()[2] == "b                    2s"


TABLE = {
    "kind": "Table",
    "columnDefinitions": [
        {"name": "Name", "type": "string", "format": "name", "priority": 0},
        {"name": "Ready", "type": "string", "format": "", "priority": 0},
        {"name": "IP", "type": "string", "format": "", "priority": 1}],
    "rows": [{"cells": ["web-1", "1/1", "10.0.0.1"],
              "object": {"metadata": {"name": "web-1", "namespace": "ns1",
                                      "labels": {"app": "web", "tier": "fe"}}}}],
}


def render(options, table=TABLE):
    out = io.StringIO()
    w = TabWriter(out)
    TablePrinter(options).print_table(table, w)
    w.flush()
    return out.getvalue()


def test_headers_upper_case_and_wide_columns_hidden():
    assert render(TableOptions()) == "NAME    READY\nweb-1   1/1\n"


def test_wide_namespace_kind_and_labels():
    text = render(TableOptions(wide=True, with_namespace=True, kind="pod", show_labels=True,
                               label_columns=["app", "x/y"]))
    assert text.splitlines() == [
        "NAMESPACE   NAME        READY   IP         APP   Y     LABELS",
        "ns1         pod/web-1   1/1     10.0.0.1   web         app=web,tier=fe"]


def test_no_rows_prints_nothing():
    assert render(TableOptions(), {**TABLE, "rows": []}) == ""


def test_headers_only_once_for_the_same_columns():
    out = io.StringIO()
    w = TabWriter(out)
    printer = TablePrinter(TableOptions())
    printer.print_table(TABLE, w)
    printer.print_table({"columnDefinitions": None, "rows": TABLE["rows"]}, w, "MODIFIED")
    w.flush()
    assert out.getvalue().count("NAME") == 1


def test_format_labels():
    assert format_labels({"b": "2", "a": "1"}) == "a=1,b=2"
    assert format_labels({}) == "<none>"


def test_yaml_like_go():
    text = to_yaml({"data": {"y": "y", "n": "1", "e": "1e3", "s": "plain", "t": "", "m": "a\nb",
                             "app10": "x", "app9": "x", "_z": "z"}, "list": [{"b": 1, "a": 2}]})
    assert text == ('data:\n  _z: z\n  app9: x\n  app10: x\n  e: "1e3"\n  m: |-\n    a\n    b\n'
                    '  "n": "1"\n  s: plain\n  t: ""\n  "y": "y"\nlist:\n- a: 2\n  b: 1\n')


def test_yaml_never_uses_anchors():
    shared = {"app": "web"}
    assert "&" not in to_yaml({"a": shared, "b": shared})


def test_json_like_go():
    assert to_json({"b": "<x>", "a": []}) == '{\n    "a": [],\n    "b": "\\u003cx\\u003e"\n}'


def test_sorting_is_natural_and_quantity_aware():
    assert natural_less("pod-2", "pod-10")
    assert sort_key_compare("500m", "1") < 0
    assert sort_key_compare(None, "a") < 0
