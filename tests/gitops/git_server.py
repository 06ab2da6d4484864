"""A real git smart-HTTP(S) server on 127.0.0.1 for tests: `git http-backend` behind a tiny
`http.server` CGI bridge, recording each request's Authorization header; or a server that
redirects every request elsewhere."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


@dataclass
class Seen:
    """What a server received: (method, path, Authorization header or None) per request."""

    requests: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def authorizations(self) -> set[str | None]:
        return {auth for _, _, auth in self.requests}


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key), made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while size := int(handler.rfile.readline().strip() or b"0", 16):
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
        handler.rfile.readline()
        return b"".join(chunks)
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


def _handler(root: Path | None, redirect: str | None, seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            del format, args

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            seen.requests.append((self.command, self.path, self.headers.get("Authorization")))
            body = _body(self)
            if redirect is not None:
                self.send_response(302)
                self.send_header("Location", redirect + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            assert root is not None
            path, _, query = self.path.partition("?")
            env = {
                "PATH": os.environ["PATH"],
                "GIT_PROJECT_ROOT": str(root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": "127.0.0.1",
            }
            if encoding := self.headers.get("Content-Encoding"):
                env["HTTP_CONTENT_ENCODING"] = encoding
            if protocol := self.headers.get("Git-Protocol"):
                env["GIT_PROTOCOL"] = protocol
            output = subprocess.run(
                ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
            ).stdout
            head, _, content = output.partition(b"\r\n\r\n")  # CGI headers, then the body
            headers = [line.split(b":", 1) for line in head.split(b"\r\n") if b":" in line]
            status = next((v.strip() for k, v in headers if k.lower() == b"status"), b"200")
            self.send_response(int(status.split()[0]))
            for name, value in headers:
                if name.lower() != b"status":
                    self.send_header(name.decode(), value.strip().decode())
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

    return Handler


@contextmanager
def serve(
    *,
    root: Path | None = None,
    redirect: str | None = None,
    tls: tuple[Path, Path] | None = None,
) -> Iterator[tuple[str, Seen]]:
    """(base URL, what it received) of a server for the bare repositories under `root`, or
    one redirecting every request to `redirect`."""
    seen = Seen()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(root, redirect, seen))
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
