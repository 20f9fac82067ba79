"""HTTP echo server for tinykube tests and examples.

Answers every request with JSON naming the pod that served it, so a test can
tell which backend a Service sent it to:
{"pod": ..., "podIP": ..., "hostname": ..., "method": ..., "path": ..., "headers": {...}}

POD_NAME and POD_IP come from the downward API when the manifest sets them;
PORT (default 8080) is the port to listen on.
"""

import json
import os
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def pod_ip() -> str:
    """The pod's IP: from the downward API if given, else what the hostname resolves to."""
    try:
        return os.environ.get("POD_IP") or socket.gethostbyname(socket.gethostname())
    except OSError:
        return ""


class EchoHandler(BaseHTTPRequestHandler):
    server_version = "tinykube-echo/1"

    def _answer(self) -> None:
        body = json.dumps(
            {
                "pod": os.environ.get("POD_NAME", ""),
                "podIP": pod_ip(),
                "hostname": socket.gethostname(),
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers.items()),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        sys.stdout.write(f"{self.address_string()} {format % args}\n")


def main() -> None:
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("", port), EchoHandler)
    server.daemon_threads = True
    # Exit promptly and cleanly on SIGTERM, as a well-behaved pod should.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"echo listening on :{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
