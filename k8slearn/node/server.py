"""The kubelet's read-only port over real HTTP, on 127.0.0.1 only (for a ``curl`` demo).

Notes
-----
Bodies as the kubelet writes them (``pkg/kubelet/server/server.go``): ``/healthz`` is
``ok``; ``/pods`` is one compact JSON line and a newline (``encodePods``); ``/spec/`` is
go-restful's ``WriteEntity`` with one-space indentation. The port is read-only and
unauthenticated, which is why current clusters disable it (``readOnlyPort: 0``).

This is the only place in k8slearn that uses a thread (the HTTP server's); it only
reads the simulated kubelet, never advances the clock. Nothing in the lessons depends on
it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .kubelet import Kubelet

__all__ = ["ReadOnlyServer", "render"]

LOOPBACK = "127.0.0.1"


def render(path: str, body: Any) -> tuple[int, str, bytes]:
    """HTTP status, content type and bytes for ``kubelet.get(path)``'s answer."""
    clean = path.split("?", 1)[0]
    if isinstance(body, str):
        status = 404 if body == "404 page not found" else 200
        return status, "text/plain; charset=utf-8", body.encode() + (b"\n" if status == 404 else b"")
    if clean.startswith("/pods"):
        return 200, "application/json", json.dumps(body, separators=(",", ":")).encode() + b"\n"
    return 200, "application/json", json.dumps(body, indent=1).encode()


class ReadOnlyServer:
    """A background HTTP server answering GETs with :meth:`Kubelet.get`."""

    def __init__(self, kubelet: Kubelet, port: int = 0) -> None:
        owner = kubelet

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                try:
                    status, ctype, data = render(self.path, owner.get(self.path))
                except ConnectionRefusedError:
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
                return

        self.httpd = ThreadingHTTPServer((LOOPBACK, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name=f"kubelet-{kubelet.node_name}-10255",
                                       daemon=True)  # fmt: skip
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
