"""deploy/kubeconfig.py: merging the cluster's admin kubeconfig into the user's, as kind does."""
from __future__ import annotations

import importlib.util
import os
import stat
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

_SPEC = importlib.util.spec_from_file_location(
    "deploy_kubeconfig", Path(__file__).resolve().parents[2] / "deploy" / "kubeconfig.py")
kubeconfig = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(kubeconfig)


def config(name: str, server: str, token: str) -> dict:
    return {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server}}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    }


def test_merge_keeps_other_entries_and_switches_context():
    existing = config("prod", "https://prod:443", "p")
    merged = kubeconfig.merge(existing, config("tinykube", "https://127.0.0.1:6443", "t"))
    assert [c["name"] for c in merged["clusters"]] == ["prod", "tinykube"]
    assert [u["name"] for u in merged["users"]] == ["prod", "tinykube"]
    assert merged["current-context"] == "tinykube"
    assert existing["current-context"] == "prod"  # the input is not modified


def test_merge_replaces_same_named_entries():
    old = config("tinykube", "https://127.0.0.1:6443", "old-token")
    merged = kubeconfig.merge(old, config("tinykube", "https://127.0.0.1:6443", "new-token"))
    assert merged["users"] == [{"name": "tinykube", "user": {"token": "new-token"}}]
    assert len(merged["clusters"]) == 1 and len(merged["contexts"]) == 1


def test_merge_into_empty_config():
    merged = kubeconfig.merge({}, config("tinykube", "https://127.0.0.1:6443", "t"))
    assert merged["kind"] == "Config" and merged["current-context"] == "tinykube"
    assert merged["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443"


def test_default_path_prefers_first_kubeconfig_entry(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    env = {"KUBECONFIG": f"{os.pathsep}{first}{os.pathsep}{second}"}
    assert kubeconfig.default_path(env) == first
    assert kubeconfig.default_path({}) == Path.home() / ".kube" / "config"


def test_install_writes_private_file_and_keeps_others(tmp_path):
    source, target = tmp_path / "admin.kubeconfig", tmp_path / "kube" / "config"
    source.write_text(yaml.safe_dump(config("tinykube", "https://127.0.0.1:6443", "t")))
    target.parent.mkdir()
    target.write_text(yaml.safe_dump(config("prod", "https://prod:443", "p")))

    assert kubeconfig.main(["install", str(source), "--kubeconfig", str(target)]) == 0

    written = yaml.safe_load(target.read_text())
    assert {c["name"] for c in written["contexts"]} == {"prod", "tinykube"}
    assert written["current-context"] == "tinykube"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_install_creates_missing_target(tmp_path):
    source, target = tmp_path / "admin.kubeconfig", tmp_path / "new" / "config"
    source.write_text(yaml.safe_dump(config("tinykube", "https://127.0.0.1:6443", "t")))
    assert kubeconfig.main(["install", str(source), "--kubeconfig", str(target)]) == 0
    assert yaml.safe_load(target.read_text())["users"][0]["user"]["token"] == "t"


def test_install_rejects_a_source_without_context(tmp_path, capsys):
    source = tmp_path / "bad"
    source.write_text("kind: Config\n")
    assert kubeconfig.main(["install", str(source), "--kubeconfig", str(tmp_path / "c")]) == 1
    assert "current-context" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()
