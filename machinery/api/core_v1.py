"""core/v1 (the legacy "" group): every wire type of the core API, re-exported from one place.

The types live in topic modules (`core_v1_pod`, `core_v1_service`, ...) to keep each readable;
import them from here: `from machinery.api.core_v1 import Pod, PodSpec, Container`.
"""
from __future__ import annotations

from machinery.api.core_v1_common import *  # noqa: F401,F403
from machinery.api.core_v1_common import __all__ as _common
from machinery.api.core_v1_config import *  # noqa: F401,F403
from machinery.api.core_v1_config import __all__ as _config
from machinery.api.core_v1_container import *  # noqa: F401,F403
from machinery.api.core_v1_container import __all__ as _container
from machinery.api.core_v1_event import *  # noqa: F401,F403
from machinery.api.core_v1_event import __all__ as _event
from machinery.api.core_v1_node import *  # noqa: F401,F403
from machinery.api.core_v1_node import __all__ as _node
from machinery.api.core_v1_pod import *  # noqa: F401,F403
from machinery.api.core_v1_pod import __all__ as _pod
from machinery.api.core_v1_podspec import *  # noqa: F401,F403
from machinery.api.core_v1_podspec import __all__ as _podspec
from machinery.api.core_v1_pv import *  # noqa: F401,F403
from machinery.api.core_v1_pv import __all__ as _pv
from machinery.api.core_v1_pvc import *  # noqa: F401,F403
from machinery.api.core_v1_pvc import __all__ as _pvc
from machinery.api.core_v1_quota import *  # noqa: F401,F403
from machinery.api.core_v1_quota import __all__ as _quota
from machinery.api.core_v1_rc import *  # noqa: F401,F403
from machinery.api.core_v1_rc import __all__ as _rc
from machinery.api.core_v1_scheduling import *  # noqa: F401,F403
from machinery.api.core_v1_scheduling import __all__ as _scheduling
from machinery.api.core_v1_service import *  # noqa: F401,F403
from machinery.api.core_v1_service import __all__ as _service
from machinery.api.core_v1_volume import *  # noqa: F401,F403
from machinery.api.core_v1_volume import __all__ as _volume

__all__ = [
    *_common, *_config, *_container, *_event, *_node, *_pod, *_podspec, *_pv, *_pvc, *_quota, *_rc,
    *_scheduling, *_service, *_volume,
]

# Every top-level kind (and its List) by (group, version, kind), for the OpenAPI generator and clients.
KINDS: dict[tuple[str, str, str], type] = {
    obj.GVK: obj for obj in list(globals().values())
    if isinstance(obj, type) and "GVK" in vars(obj)
}
