"""HTTP plumbing: the threaded loopback server, request/response values, routing, the request log.

The server hands every request to one ``dispatch`` callable (the ``Sandbox``) and writes back
whatever ``Response`` it returns, or, for ``DROP``, closes the connection without a word: the
"response lost after write" fault. Routing is a table of (method, path regex, handler).
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit


class BadJsonError(ValueError):
    """The request body is not the JSON the endpoint needs."""


@dataclass(frozen=True)
class Request:
    """One HTTP request as the API modules see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes
    base_url: str
    """``http://host:port`` as the client addressed us, for the links we hand out."""

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def params(self, name: str) -> list[str]:
        """All values of a repeated or comma-separated parameter (``fields=a,b&fields=c``)."""
        return [part for value in self.query.get(name, []) for part in value.split(",") if part]

    def json(self) -> Any:
        if not self.body:
            raise BadJsonError("No content to map due to end-of-input")
        try:
            return json.loads(self.body)
        except ValueError as error:
            raise BadJsonError(str(error)) from error

    @property
    def query_string(self) -> str:
        return "&".join(f"{key}={value}" for key, values in self.query.items() for value in values)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(payload).encode()
        return cls(
            status, body, {"Content-Type": "application/json;charset=UTF-8", **(headers or {})}
        )

    @classmethod
    def text(
        cls, status: int, text: str, content_type: str = "text/plain;charset=UTF-8"
    ) -> Response:
        return cls(status, text.encode(), {"Content-Type": content_type})

    @classmethod
    def empty(cls, status: int = HTTPStatus.NO_CONTENT) -> Response:
        return cls(status)


class _Drop:
    """Marker: close the connection without answering."""


DROP: Final = _Drop()
Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """A table of routes; path parameters are the regex's named groups, passed as keywords."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append(Route(method, re.compile(pattern), handler))

    def find(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | bool:
        """The handler and its path parameters, or whether the path exists for another method."""
        path_known = False
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if route.method == method:
                return route.handler, match.groupdict()
            path_known = True
        return path_known


@dataclass(frozen=True)
class RequestRecord:
    """One logged request: what came in and what status went out (``None`` if dropped)."""

    method: str
    path: str
    query: str
    status: int | None
    body: str
    api: str
    fault: str | None = None


Dispatch = Callable[[Request], "Response | _Drop"]


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    dispatch: Dispatch


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6


class _RequestHandler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"
    # Headers and body in one buffered write, and no Nagle: otherwise every keep-alive
    # request waits out a delayed ACK (~40 ms).
    wbufsize = -1
    disable_nagle_algorithm = True
    server_version = "syncer-sandbox"

    def _handle(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        result = self.server.dispatch(request)
        if isinstance(result, _Drop):
            self.close_connection = True
            return
        self.send_response(result.status)
        for name, value in result.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(result.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(result.body)

    # BaseHTTPRequestHandler looks up do_<METHOD>; the names are the stdlib's.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; the sandbox keeps its own request log."""


class HttpServer:
    """The listening socket and its serving thread."""

    def __init__(self, dispatch: Dispatch, host: str, port: int) -> None:
        server_class = _HttpServer6 if ":" in host else _HttpServer
        self._server = server_class((host, port), _RequestHandler)
        self._server.dispatch = dispatch
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="syncer-sandbox",
            daemon=True,
        )
        self._thread.start()

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()


def link_header(links: Iterable[tuple[str, str]]) -> str:
    """Format a ``Link`` header from (url, rel) pairs."""
    return ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links)
