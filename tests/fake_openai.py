"""A local HTTP server on 127.0.0.1 that speaks enough of the OpenAI Images API for tests.

Scripted: each POST /v1/images/generations takes the next queued :class:`Reply` (or the
default, a base64 PNG with token usage). Images given as URLs are served from /files/NAME;
an "expired" one answers 403 with an XML body, as Azure blob storage does. Every request is
recorded with its arrival time. Stalls wait on an event, so shutting down ends them at once.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image


def png_bytes(colour: tuple[int, int, int] = (40, 20, 90), size: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, format="PNG")
    return out.getvalue()


USAGE = {
    "input_tokens": 160,
    "input_tokens_details": {"text_tokens": 150, "image_tokens": 10},
    "output_tokens": 4160,
    "output_tokens_details": {"image_tokens": 4160, "text_tokens": 0},
    "total_tokens": 4320,
}


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0
    trickle: float = 0.0  # seconds between the bytes of the body (a server that dribbles)

    @classmethod
    def image(
        cls,
        *,
        usage: dict[str, Any] | None = USAGE,
        revised: str | None = None,
        data: bytes | None = None,
    ) -> Reply:
        item: dict[str, Any] = {"b64_json": base64.b64encode(data or png_bytes()).decode()}
        if revised:
            item["revised_prompt"] = revised
        body: dict[str, Any] = {"created": int(time.time()), "data": [item]}
        if usage is not None:
            body["usage"] = usage
        return cls(body=body)

    @classmethod
    def url(cls, url: str, *, revised: str | None = None) -> Reply:
        item: dict[str, Any] = {"url": url}
        if revised:
            item["revised_prompt"] = revised
        return cls(body={"created": int(time.time()), "data": [item]})

    @classmethod
    def error(
        cls, status: int, code: str | None, message: str, headers: dict[str, str] | None = None
    ) -> Reply:
        error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
        return cls(status=status, body={"error": error}, headers=headers or {})


@dataclass
class Seen:
    at: float
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


def _multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart/form-data body as fields; a file part as its name, type and bytes."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            fields[str(name)] = {
                "filename": filename,
                "content_type": part.get_content_type(),
                "data": data,
            }
        else:
            fields[str(name)] = data.decode()
    return fields


class FakeImagesAPI:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Seen] = []
        self.files: dict[str, bytes] = {}
        self.expired: set[str] = set()
        self.stop = threading.Event()
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(
                self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                name = self.path.removeprefix("/files/")
                if name in api.expired:
                    body = b"<?xml version='1.0'?><Error><Code>AuthenticationFailed</Code></Error>"
                    self._send(403, body, "application/xml")
                elif name in api.files:
                    self._send(200, api.files[name], "image/png")
                else:
                    self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                kind = self.headers.get("Content-Type", "")
                body = (
                    _multipart(kind, raw)
                    if kind.startswith("multipart/")
                    else json.loads(raw or b"{}")
                )
                with api._lock:
                    api.requests.append(
                        Seen(
                            time.monotonic(),
                            self.path,
                            body,
                            {k.lower(): v for k, v in self.headers.items()},
                        )
                    )
                    reply = api.replies.popleft() if api.replies else Reply.image()
                if reply.stall:
                    api.stop.wait(reply.stall)
                if self.path not in ("/v1/images/generations", "/v1/images/edits"):
                    self._send(404, b'{"error": {"message": "no route"}}', "application/json")
                    return
                payload = json.dumps(reply.body or {}).encode()
                try:
                    if reply.trickle:
                        self._dribble(reply, payload)
                    else:
                        self._send(reply.status, payload, "application/json", reply.headers)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (a timeout test)

            def _dribble(self, reply: Reply, payload: bytes) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.flush()
                for i in range(len(payload)):
                    if api.stop.wait(reply.trickle):
                        return
                    self.wfile.write(payload[i : i + 1])
                    self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base}/v1"

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def serve_file(self, name: str, data: bytes, *, expired: bool = False) -> str:
        self.files[name] = data
        if expired:
            self.expired.add(name)
        return f"{self.base}/files/{name}"

    def generations(self) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == "/v1/images/generations"]

    def edits(self) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == "/v1/images/edits"]

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
