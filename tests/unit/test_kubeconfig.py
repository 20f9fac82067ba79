"""Kubeconfig loading: explicit path, $KUBECONFIG merging, contexts, relative paths, in-cluster."""
import base64
import ssl

import pytest
import yaml

from machinery.client.kubeconfig import ConfigError, in_cluster_config, load_kubeconfig
from machinery.settings import ComponentSettings

pytestmark = pytest.mark.unit


def _write(path, current, clusters=(), users=(), contexts=()):
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": current,
        "clusters": [{"name": n, "cluster": c} for n, c in clusters],
        "users": [{"name": n, "user": u} for n, u in users],
        "contexts": [{"name": n, "context": c} for n, c in contexts]}))
    return path


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_explicit_path_with_inline_data(tmp_path, no_env):
    ca = b"-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n"
    cfg = load_kubeconfig(_write(
        tmp_path / "config", "admin",
        clusters=[("c", {"server": "https://127.0.0.1:6443/",
                         "certificate-authority-data": base64.b64encode(ca).decode()})],
        users=[("u", {"token": "secret", "client-certificate-data": base64.b64encode(b"C").decode(),
                      "client-key-data": base64.b64encode(b"K").decode()})],
        contexts=[("admin", {"cluster": "c", "user": "u", "namespace": "team"})]))
    assert cfg.server == "https://127.0.0.1:6443"
    assert cfg.ca_data == ca and cfg.cert_data == b"C" and cfg.key_data == b"K"
    assert cfg.bearer_token() == "secret"
    assert cfg.namespace == "team"


def test_relative_files_and_context_override(tmp_path, no_env):
    (tmp_path / "pki").mkdir()
    path = _write(tmp_path / "config", "one",
                  clusters=[("c1", {"server": "https://a:1", "certificate-authority": "pki/ca.crt"}),
                            ("c2", {"server": "http://b:2", "insecure-skip-tls-verify": True})],
                  users=[("u", {"client-certificate": "pki/u.crt", "client-key": "/abs/u.key",
                                "tokenFile": "tok"})],
                  contexts=[("one", {"cluster": "c1", "user": "u"}),
                            ("two", {"cluster": "c2", "user": "u"})])
    (tmp_path / "tok").write_text("from-file\n")
    cfg = load_kubeconfig(path)
    assert cfg.ca_file == str(tmp_path / "pki" / "ca.crt")
    assert cfg.cert_file == str(tmp_path / "pki" / "u.crt") and cfg.key_file == "/abs/u.key"
    assert cfg.bearer_token() == "from-file"
    assert cfg.namespace == "default"
    two = load_kubeconfig(path, context="two")
    assert two.server == "http://b:2" and two.insecure_skip_tls_verify
    assert two.ssl_context() is None           # plain http


def test_kubeconfig_env_list_first_definition_wins(tmp_path, no_env, monkeypatch):
    first = _write(tmp_path / "a", "ctx", clusters=[("c", {"server": "https://first:1"})],
                   contexts=[("ctx", {"cluster": "c", "user": "u"})])
    second = _write(tmp_path / "b", "other", clusters=[("c", {"server": "https://second:1"})],
                    users=[("u", {"token": "t2"})],
                    contexts=[("ctx", {"cluster": "nope"})])
    monkeypatch.setenv("KUBECONFIG", f"{first}:{tmp_path / 'missing'}:{second}")
    cfg = load_kubeconfig()
    assert cfg.server == "https://first:1"        # cluster and context from the first file
    assert cfg.token == "t2"                      # user only defined in the second


def test_default_home_config(tmp_path, no_env):
    home = tmp_path / "home" / ".kube"
    home.mkdir(parents=True)
    _write(home / "config", "x", clusters=[("c", {"server": "https://home:1"})],
           contexts=[("x", {"cluster": "c"})])
    assert load_kubeconfig().server == "https://home:1"


@pytest.mark.parametrize("doc,message", [
    ({"current-context": None}, "no current context"),
    ({"current-context": "gone"}, 'context "gone" does not exist'),
    ({"current-context": "x", "contexts": [{"name": "x", "context": {"cluster": "c"}}]},
     'cluster "c" has no server'),
])
def test_bad_kubeconfigs(tmp_path, no_env, doc, message):
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match=message):
        load_kubeconfig(path)


def test_nothing_configured(no_env):
    with pytest.raises(ConfigError, match="no configuration has been provided"):
        load_kubeconfig()
    with pytest.raises(ConfigError, match="no such file"):
        load_kubeconfig("/nonexistent/config")


def test_in_cluster(tmp_path, no_env, monkeypatch):
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("sa-token")
    (sa / "namespace").write_text("kube-system")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    cfg = in_cluster_config(sa)
    assert cfg.server == "https://10.96.0.1:443"
    assert cfg.bearer_token() == "sa-token" and cfg.namespace == "kube-system"
    assert cfg.ca_file is None
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "fd00::1")
    assert in_cluster_config(sa).server == "https://[fd00::1]:443"
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST")
    with pytest.raises(ConfigError, match="KUBERNETES_SERVICE_HOST"):
        in_cluster_config(sa)


def test_insecure_ssl_context(tmp_path, no_env):
    path = _write(tmp_path / "config", "x",
                  clusters=[("c", {"server": "https://h:1", "insecure-skip-tls-verify": True})],
                  contexts=[("x", {"cluster": "c"})])
    ctx = load_kubeconfig(path).ssl_context()
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname


# --- component settings ---------------------------------------------------------------------

def test_component_settings_flags_env_defaults():
    from dataclasses import dataclass

    @dataclass
    class Demo(ComponentSettings):
        resync_s: float = 30.0
        workers: int = 2
        dry_run: bool = False
        node_name: str = ""

    assert Demo.from_argv([], environ={}) == Demo()
    env = {"TINYKUBE_WORKERS": "5", "TINYKUBE_DRY_RUN": "true", "TINYKUBE_NODE_NAME": "n1"}
    s = Demo.from_argv(["--resync-s", "1.5", "--node-name", "n2"], environ=env)
    assert (s.resync_s, s.workers, s.dry_run, s.node_name) == (1.5, 5, True, "n2")
    assert Demo.from_argv(["--dry-run", "no"], environ=env).dry_run is False
    with pytest.raises(SystemExit):
        Demo.from_argv(["--workers", "many"], environ={})
