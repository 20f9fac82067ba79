"""Decoding of `application/vnd.kubernetes.protobuf` request bodies into JSON objects.

kubectl's typed clients (every `kubectl create <generator>`, drain, cordon, rollout) send their
POST/PUT/DELETE bodies as protobuf; the api-server turns them into the same JSON dicts a JSON
body would have produced, then treats them alike.
"""
from apiserver.protobuf.decode import (MAGIC, PROTOBUF_MEDIA_TYPE, decode_body, decode_message,
                                      is_protobuf)

__all__ = ["MAGIC", "PROTOBUF_MEDIA_TYPE", "decode_body", "decode_message", "is_protobuf"]
