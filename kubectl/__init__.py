"""tkctl: a pure-Python, kubectl-compatible command line (`kubectl.main:main`).

Layout: main.py (entry, two-phase argument parsing), cli.py (global flags, kubeconfig, client),
client.py (sync REST), resources.py (discovery), builder.py (arguments and manifests),
apply.py (three-way strategic merge), openapi.py, generators.py, streams.py (websockets),
errors.py, printers/ (table, tabwriter, yaml/json, jsonpath, custom columns), commands/ (one
module per command group).
"""
