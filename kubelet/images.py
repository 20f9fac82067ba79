"""Image pull policy with back-off, as upstream's image manager (ErrImagePull, ImagePullBackOff).

Deviation, because tinykube machines have no registry: with `imagePullPolicy: Always` a failed
pull of an image that IS in the local store uses the local image (upstream would fail). An image
that is not local fails as upstream: ErrImagePull, then ImagePullBackOff while backing off.
"""
from __future__ import annotations

import logging
from typing import Any, Protocol

from kubelet.backoff import Backoff
from kubelet.runtime.base import ImageNotFound, Runtime, RuntimeFailure
from machinery.runtime import kv

log = logging.getLogger("kubelet.images")
Obj = dict[str, Any]


class Recorder(Protocol):
    def event(self, obj: Obj, type_: str, reason: str, message: str) -> None: ...


class ImagePullError(RuntimeFailure):
    """The container waits with `reason` (ErrImagePull, ImagePullBackOff, ErrImageNeverPull)."""


def pull_policy(container: Obj) -> str:
    if policy := container.get("imagePullPolicy"):
        return policy
    image = container.get("image", "")
    name = image.split("@")[0]
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
    return "Always" if tag in ("", "latest") and "@" not in image else "IfNotPresent"


class ImageManager:
    def __init__(self, runtime: Runtime, recorder: Recorder, backoff: Backoff | None = None):
        self.runtime, self.recorder = runtime, recorder
        self.backoff = backoff or Backoff()
        self._failures: dict[str, float] = {}      # key -> when the last pull failed

    async def ensure(self, pod: Obj, container: Obj) -> str:
        """The image id the container will run; raises ImagePullError."""
        image, policy = container.get("image", ""), pull_policy(container)
        present = await self.runtime.image_id(image)
        if policy == "Never":
            if present is None:
                msg = f'Container image "{image}" is not present with pull policy of Never'
                self.recorder.event(pod, "Warning", "ErrImageNeverPull", msg)
                raise ImagePullError(msg, "ErrImageNeverPull")
            return present
        if present is not None and policy == "IfNotPresent":
            self.recorder.event(pod, "Normal", "Pulled",
                                f'Container image "{image}" already present on machine')
            return present
        return await self._pull(pod, image, present)

    async def _pull(self, pod: Obj, image: str, present: str | None) -> str:
        key = f"{pod['metadata']['uid']}/{image}"
        if present is None and self.backoff.in_backoff_since(key, self._last_failure(key)) > 0:
            msg = f'Back-off pulling image "{image}"'
            self.recorder.event(pod, "Normal", "BackOff", msg)
            raise ImagePullError(msg, "ImagePullBackOff")
        if present is None:
            self.recorder.event(pod, "Normal", "Pulling", f'Pulling image "{image}"')
        try:
            image_id = await self.runtime.pull_image(image)
        except ImageNotFound as e:
            if present is not None:
                log.debug("pull failed, using the local image", extra=kv(image=image))
                self.recorder.event(pod, "Normal", "Pulled",
                                    f'Container image "{image}" already present on machine')
                return present
            self.backoff.next(key)
            self._failures[key] = self.backoff.clock()
            msg = f'Failed to pull image "{image}": {e.message}'
            self.recorder.event(pod, "Warning", "Failed", msg)
            self.recorder.event(pod, "Warning", "Failed", "Error: ErrImagePull")
            raise ImagePullError(msg, "ErrImagePull") from e
        self.backoff.forget(key)
        self.recorder.event(pod, "Normal", "Pulled", f'Successfully pulled image "{image}"')
        return image_id

    def _last_failure(self, key: str) -> float:
        return self._failures.get(key, 0.0)

    def forget_pod(self, uid: str) -> None:
        self.backoff.forget_prefix(uid + "/")
        for key in [k for k in self._failures if k.startswith(uid + "/")]:
            del self._failures[key]
