"""Output formats: tables (`tabwriter`, `table`), YAML/JSON (`serialize`), names, JSONPath and
custom columns, chosen by `-o` (`select.py`)."""
