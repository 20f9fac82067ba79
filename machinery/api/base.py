"""The base of every wire model: snake_case in Python, camelCase on the wire.

Acronyms need explicit aliases (`pod_ip` -> `podIP`), since the generator would write `podIp`.
Unknown fields are kept (extra="allow") so that a client never drops what a newer server sent.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class KubeModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow",
                              serialize_by_alias=True)

    def to_dict(self) -> dict[str, Any]:
        """The wire form: camelCase keys, unset fields left out."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        return cls.model_validate(data)
