"""What every controller is built from: the client, the shared informers, event recorders.

A controller module exposes a factory `new_<name>(ctx) -> runnable`: an object with
`async run()` and `stop()`. The factory registers the informers and handlers it needs on
`ctx.informers` while it is built, and takes its event recorder from `ctx.recorder(component)`
(upstream names: "deployment-controller", "replicaset-controller", ...). Whoever runs the
controllers also runs `ctx.informers` and `ctx.recorders` (see controller_manager/app.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from controller_manager.informers import SharedInformerFactory
from controller_manager.settings import ControllerManagerSettings
from machinery.client import ApiClient
from machinery.events import EventRecorder


class Runnable(Protocol):
    name: str

    async def run(self) -> None: ...

    def stop(self) -> Any: ...


@dataclass
class ControllerContext:
    client: ApiClient
    informers: SharedInformerFactory
    settings: ControllerManagerSettings = field(default_factory=ControllerManagerSettings)
    recorders: dict[str, EventRecorder] = field(default_factory=dict)

    def recorder(self, component: str) -> EventRecorder:
        """The event recorder of one controller (events show `From: <component>`)."""
        if component not in self.recorders:
            self.recorders[component] = EventRecorder(self.client, component)
        return self.recorders[component]


ControllerFactory = Callable[[ControllerContext], Runnable]
