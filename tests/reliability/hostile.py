"""A tiny hostile HTTP server: in front of the emulator, it answers chosen requests badly.

Everything else it passes to the emulator (with its own Host header, so that the emulator's
links point back at it), so a real client gets its token and metadata and then meets the
bad answer exactly where a broken proxy or a hostile server would put it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HOP_BY_HOP = {"connection", "transfer-encoding", "content-length", "content-encoding", "server"}
Answer = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Rule:
    method: str
    path_contains: str
    answer: Answer


@dataclass
class Seen:
    method: str
    path: str
    authorization: str


@dataclass
class HostileServer:
    upstream: str | None = None  # the emulator's URL; None: a bare server that only records
    rules: list[Rule] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)

    def start(self) -> HostileServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def handle_one(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.seen.append(
                    Seen(self.command, self.path, self.headers.get("Authorization", ""))
                )
                for rule in server.rules:
                    if rule.method == self.command and rule.path_contains in self.path:
                        return rule.answer(self)
                if server.upstream is None:
                    return text(404, "text/plain", "nothing here")(self)
                return server.forward(self, body)

            do_GET = do_POST = do_PATCH = do_DELETE = handle_one

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        headers["Host"] = self.url.split("//")[1]
        answer = requests.request(
            handler.command, self.upstream + handler.path, headers=headers, data=body, timeout=60
        )
        handler.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in HOP_BY_HOP:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer.content)))
        handler.end_headers()
        handler.wfile.write(answer.content)


# Answers ----------------------------------------------------------------------------------


def text(status: int, content_type: str, body: str | bytes, **headers) -> Answer:
    payload = body.encode() if isinstance(body, str) else body

    def answer(handler):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(payload)

    return answer


def endless(chunk: bytes, total: int, *, declared: int | None = None, pause: float = 0) -> Answer:
    """A 200 JSON answer of ``total`` bytes (or claiming ``declared``), sent as it goes."""

    def answer(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if declared is not None:
            handler.send_header("Content-Length", str(declared))
        handler.end_headers()
        sent = 0
        try:
            while sent < total:
                handler.wfile.write(chunk)
                handler.wfile.flush()
                sent += len(chunk)
                if pause:
                    time.sleep(pause)  # the trickle itself is what is under test
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    return answer


def redirect(location: str) -> Answer:
    return text(302, "text/html", "<a href='elsewhere'>moved</a>", Location=location)
