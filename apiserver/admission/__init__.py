"""Admission: the plugins that may change (mutating) or refuse (validating) a write after
authentication and authorization, as upstream's admission chain.

The write pipeline calls, for every create, update (PUT, PATCH, subresources) and delete:

    await chain.admit(request)      # mutating plugins, in order; may change request.obj
    ... defaulting and validation of the object ...
    await chain.validate(request)   # validating plugins, in order; raise ApiError to refuse

A plugin is any object with optional `async admit(request)` / `async validate(request)` methods
and a `handles(request) -> bool`. Plugins raise `machinery.api.errors` types (Forbidden for
policy refusals, as upstream) to refuse.
"""
from apiserver.admission.chain import AdmissionChain, AdmissionRequest, Plugin

__all__ = ["AdmissionChain", "AdmissionRequest", "Plugin"]
