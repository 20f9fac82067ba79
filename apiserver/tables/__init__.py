"""Server-side printing: the `Table` responses that `kubectl get` renders.

Column sets and cell formatting follow upstream's internal printers
(`pkg/printers/internalversion`) kind by kind; kinds without a printer get the default
convertor's Name / Created At columns.
"""
from apiserver.tables.duration import human_duration
from apiserver.tables.table import INCLUDE_OBJECT, build_table, column_definitions, row_for

__all__ = ["INCLUDE_OBJECT", "build_table", "column_definitions", "human_duration", "row_for"]
