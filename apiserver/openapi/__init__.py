"""OpenAPI v3 for the api-server: the documents kubectl reads, and strict field validation.

`build_documents(RESOURCES)` once at startup; serve `.index()` at `/openapi/v3` and
`.document(path)` at `/openapi/v3/<path>`. `unknown_fields(info, obj)` lists the fields of a body
that its kind's schema does not know (for fieldValidation=Strict/Warn).
"""
from apiserver.openapi.documents import OpenApiDocuments, build_documents
from apiserver.openapi.strict import unknown_fields, unknown_fields_of_kind

__all__ = ["OpenApiDocuments", "build_documents", "unknown_fields", "unknown_fields_of_kind"]
