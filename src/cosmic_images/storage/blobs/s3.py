"""``s3://bucket/prefix``: image bytes in S3 or any S3-compatible object store (boto3).

Credentials, region and endpoint come from boto3's own environment and files
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``,
``AWS_ENDPOINT_URL_S3``, ``AWS_PROFILE``), never from our settings. Query parameters of the
URL tune the store: ``url_lifetime`` (seconds a presigned GET URL lives, default 3600) and
``addressing_style`` (``auto``, ``path``, ``virtual``).

- A write returns once the PUT completed (S3 acknowledges only what it stored durably), with
  the content type and a long ``Cache-Control`` (an image's bytes never change under its key).
- Image URLs: under ``COSMIC_IMAGES_PUBLIC_BASE_URL`` (a CDN in front of the bucket) when set,
  else presigned GET URLs, minted when a result or gallery is read.
- boto3 1.36 and later send CRC checksums with every request, which several S3-compatible
  servers reject: checksums are computed only when an operation requires them.
- The client is made lazily, once per process: a web server or Celery worker that forks
  after start-up never shares one across ``fork()``.
- A wrong key or secret, a missing bucket or a refusal is a ``ConfigurationError`` (it will
  not cure itself); an unreachable server or a timeout is a transient ``BackendUnavailable``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..._boundary import Translated
from ..._registry import StoreContext
from ...errors import BackendUnavailable, ConfigurationError, CosmicImagesError, NotFound
from . import BlobInfo, check_key

__all__ = ["S3BlobStore", "from_url"]

log = logging.getLogger(__name__)
CACHE_CONTROL = "public, max-age=31536000, immutable"
DEFAULT_URL_LIFETIME = 3600
_REFUSALS = {
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "AccessDenied",
    "InvalidToken",
    "ExpiredToken",
    "NoSuchBucket",
    "AuthorizationHeaderMalformed",
    "InvalidBucketName",
    "PermanentRedirect",
}
_MISSING = {"NoSuchKey", "404", "NotFound"}


def _boto_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def from_url(url: str, context: StoreContext) -> S3BlobStore:
    try:
        import boto3  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(
            "s3:// blob URLs need boto3: pip install 'cosmic-images[s3]'"
        ) from exc
    parts = urlsplit(url)
    if not parts.netloc or parts.fragment or parts.username or parts.password:
        raise ConfigurationError(
            f"COSMIC_IMAGES_BLOB_URL {url!r}: use s3://bucket/prefix (credentials come from "
            "boto3's AWS_* variables, not the URL)"
        )
    query = {k: v[-1] for k, v in parse_qs(parts.query, strict_parsing=False).items()}
    unknown = set(query) - {"url_lifetime", "addressing_style"}
    if unknown:
        raise ConfigurationError(f"COSMIC_IMAGES_BLOB_URL: unknown parameter {sorted(unknown)[0]}")
    try:
        lifetime = int(query.get("url_lifetime", DEFAULT_URL_LIFETIME))
    except ValueError:
        lifetime = 0
    if not 1 <= lifetime <= 7 * 24 * 3600:  # S3's own limit for presigned URLs
        raise ConfigurationError("COSMIC_IMAGES_BLOB_URL: url_lifetime is 1 to 604800 seconds")
    style = query.get("addressing_style", "auto")
    if style not in ("auto", "path", "virtual"):
        raise ConfigurationError(
            "COSMIC_IMAGES_BLOB_URL: addressing_style is auto, path or virtual"
        )
    store = S3BlobStore(
        parts.netloc,
        parts.path.strip("/"),
        public_base_url=context.public_base_url,
        url_lifetime=lifetime,
        addressing_style=style,
    )
    store.check()
    return store


class S3BlobStore(Translated):
    """Objects under ``prefix`` in ``bucket``."""

    backend = "blob store"
    base_exceptions = staticmethod(_boto_errors)

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        public_base_url: str | None = None,
        url_lifetime: int = DEFAULT_URL_LIFETIME,
        addressing_style: str = "auto",
    ) -> None:
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self.url_lifetime = url_lifetime
        self.addressing_style = addressing_style
        self._client: Any = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def _s3(self) -> Any:
        """This process's client (made on first use, and again in a forked child)."""
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                import boto3
                from botocore.config import Config

                config = Config(
                    signature_version="s3v4",
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    retries={"mode": "standard", "max_attempts": 3},
                    connect_timeout=5,
                    read_timeout=30,
                    s3={"addressing_style": self.addressing_style},
                )
                try:
                    self._client = boto3.session.Session().client("s3", config=config)
                except Exception as exc:  # a bad endpoint URL, an unknown profile, a region
                    raise ConfigurationError(
                        f"the object store client cannot be made from boto3's settings "
                        f"(AWS_ENDPOINT_URL_S3, AWS_PROFILE, AWS_DEFAULT_REGION): {exc}"
                    ) from exc
                self._pid = os.getpid()
            return self._client

    def check(self) -> None:
        """At start-up: a wrong key, secret or bucket is a ConfigurationError now, before any
        image is paid for; a server that cannot be reached now is only logged (it may be back
        by the first image, and every write checks again)."""
        try:
            with _s3_errors(self.bucket):
                self._s3().head_bucket(Bucket=self.bucket)
        except BackendUnavailable as exc:
            if not exc.transient:  # a 404: no such bucket
                raise ConfigurationError(
                    f"COSMIC_IMAGES_BLOB_URL: the bucket {self.bucket!r} is not there "
                    f"({exc.message})"
                ) from exc
            log.warning("the object store did not answer at start-up: %s", exc.message)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes, media_type: str) -> str:
        name = self._name(key)
        with _s3_errors(self.bucket):
            self._s3().put_object(
                Bucket=self.bucket,
                Key=name,
                Body=data,
                ContentType=media_type,
                CacheControl=CACHE_CONTROL,
            )
        return self.url_for(key)

    def get(self, key: str) -> bytes:
        name = self._name(key)
        with _s3_errors(self.bucket, missing=f"image bytes {key!r} are missing from the bucket"):
            answer = self._s3().get_object(Bucket=self.bucket, Key=name)
            body = answer["Body"]
            try:
                data: bytes = body.read()
            finally:
                body.close()
        return data

    def exists(self, key: str) -> bool:
        name = self._name(key)
        try:
            with _s3_errors(self.bucket, missing="missing"):
                self._s3().head_object(Bucket=self.bucket, Key=name)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        name = self._name(key)
        with _s3_errors(self.bucket):
            self._s3().delete_object(Bucket=self.bucket, Key=name)

    def url_for(self, key: str) -> str:
        name = self._name(key)
        if self.public_base_url:  # a CDN in front of the bucket: the object's whole key
            return f"{self.public_base_url}/{name}"
        with _s3_errors(self.bucket):
            url: str = self._s3().generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": name},
                ExpiresIn=self.url_lifetime,
            )
        return url

    def list_blobs(self) -> Iterator[BlobInfo]:
        pages = (
            self._s3()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=self.prefix)
        )
        with _s3_errors(self.bucket):
            for page in pages:
                for item in page.get("Contents", []):
                    yield BlobInfo(item["Key"][len(self.prefix) :], item["LastModified"])


class _s3_errors:  # noqa: N801  (used as a context manager, like contextlib's)
    """botocore's errors as ours: a missing object NotFound, a refusal ConfigurationError, an
    unreachable server BackendUnavailable (transient); the cause kept."""

    def __init__(self, bucket: str, *, missing: str | None = None) -> None:
        self.bucket = bucket
        self.missing = missing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or isinstance(exc, CosmicImagesError):
            return
        from botocore.exceptions import (
            ClientError,
            ConnectionError,
            EndpointConnectionError,
            NoCredentialsError,
            ParamValidationError,
            ProfileNotFound,
            ReadTimeoutError,
        )

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in _REFUSALS or status in (401, 403):
                raise ConfigurationError(
                    f"the object store refused us ({code}) for bucket {self.bucket!r}: check "
                    "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket"
                ) from exc
            if self.missing is not None and (code in _MISSING or status == 404):
                raise NotFound(self.missing) from exc
            transient = status is None or status >= 500 or status == 429
            raise BackendUnavailable(
                f"blob store error: {code} {error.get('Message', '')}".strip(),
                backend="blob store",
                transient=transient,
            ) from exc
        if isinstance(exc, NoCredentialsError | ProfileNotFound | ParamValidationError):
            raise ConfigurationError(
                f"the object store cannot be used as configured ({type(exc).__name__}): set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile), and check the bucket"
            ) from exc
        if isinstance(exc, EndpointConnectionError | ConnectionError | ReadTimeoutError):
            raise BackendUnavailable(
                f"the object store cannot be reached: {exc}", backend="blob store"
            ) from exc
