"""Column definitions and the `Printer` record that pairs them with a cell function.

A column is written on the wire as `metav1.TableColumnDefinition`:
`{"name", "type", "format", "description", "priority"}`. Priority 1 columns are the ones kubectl
shows only with `-o wide`. A cell's JSON type follows what upstream's printer puts in it: most
cells are strings, counts are integers, a few flags are booleans.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

NAME_DOC = (
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name automatically. "
    "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
    "updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATED_DOC = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the "
    "system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
CONTAINERS_DOC = "Names of each container in the template."
IMAGES_DOC = "Images referenced by each container in the template."
SELECTOR_DOC = "A label query over pods that should match the replica count."


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    description: str = ""
    priority: int = 0
    format: str = ""

    def to_wire(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "format": self.format,
                "description": self.description, "priority": self.priority}


CellsFn = Callable[[dict, datetime], list]


@dataclass(frozen=True)
class Printer:
    """The columns of one kind and the function that fills one row of them."""
    columns: tuple[Column, ...]
    cells: CellsFn
    # Row conditions (upstream marks finished pods `Completed`); None for most kinds.
    conditions: Callable[[dict], list[dict]] | None = None


def name_col(priority: int = 0) -> Column:
    return Column("Name", "string", NAME_DOC, priority, "name")


def age_col() -> Column:
    return Column("Age", "string", CREATED_DOC)


def template_cols(selector: bool = True) -> tuple[Column, ...]:
    """The wide Containers, Images (and Selector) columns of every pod-template owner."""
    cols = (Column("Containers", "string", CONTAINERS_DOC, 1),
            Column("Images", "string", IMAGES_DOC, 1))
    return cols + ((Column("Selector", "string", SELECTOR_DOC, 1),) if selector else ())


def col(name: str, description: str = "", type_: str = "string", priority: int = 0) -> Column:
    return Column(name, type_, description, priority)
