"""The OpenAI provider, on the official ``openai`` SDK.

What it guarantees:

- **Live models only.** The model is a setting checked against the model table when the
  provider is built: an unknown model, or a retired one against api.openai.com, is a
  :class:`ConfigurationError` naming the model and the setting, before any money is spent.
- **Images are kept.** It asks for base64 where the model allows it; when a URL comes back it
  downloads it at once (timeout, size cap, content type and image check) so that the bytes,
  never the URL (DALL-E URLs expire after an hour), are what gets stored.
- **Exact cost.** Per-image models by model, quality and size; token-priced models from the
  response's ``usage``; ``Decimal`` throughout.
- **Never billed twice by the SDK.** The client is built with ``max_retries=0``: retries are
  the :mod:`~cosmic_images.providers.resilience` wrappers' job, and they do not retry a call
  that timed out after it was sent. Every failure comes out as one of the library's errors with
  the cause kept; no ``openai`` exception escapes.
- **Privacy.** The end user is sent only as an opaque hash (``user`` and
  ``safety_identifier``), never the raw id.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import math
import time
import urllib.error
import urllib.request
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import openai
from openai.types import ImagesResponse
from PIL import Image, UnidentifiedImageError
from PIL.Image import DecompressionBombError

from ..errors import (
    ConfigurationError,
    ContentRejected,
    CosmicImagesError,
    InvalidRequest,
    ProviderUnavailable,
)
from ..ledger.pricing import PriceTable, TokenUsage, load_price_table
from ..prompts.spec import PromptSpec
from .base import GeneratedImage, ProviderConfig
from .models import ModelSpec, load_model_table

__all__ = ["MAX_RETRY_AFTER", "OpenAIProvider", "download_image", "from_config"]

MAX_RETRY_AFTER = 3600.0  # a server's Retry-After beyond an hour is taken as an hour

OFFICIAL_HOSTS = frozenset({"api.openai.com"})
_REJECTION_CODES = frozenset({"content_policy_violation", "moderation_blocked"})
_MODEL_CODES = frozenset({"model_not_found", "invalid_model", "model_not_available"})
_NOT_SENT = frozenset({"ConnectTimeout", "PoolTimeout", "ConnectError"})
_PNG = b"\x89PNG\r\n\x1a\n"
DEFAULT_MAX_DOWNLOAD = 25 * 1024 * 1024


def is_official(base_url: str | None) -> bool:
    return base_url is None or urlsplit(base_url).hostname in OFFICIAL_HOSTS


class OpenAIProvider:
    """Generates through the Images API. Build it with :meth:`create`."""

    name = "openai"

    def __init__(
        self,
        client: openai.OpenAI,
        model: ModelSpec,
        prices: PriceTable,
        *,
        timeout: float | None = None,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD,
    ) -> None:
        self.client = client
        self.spec = model
        self.prices = prices
        self.timeout = timeout  # replaces the model table's deadlines when given
        self.max_download_bytes = max_download_bytes

    def close(self) -> None:
        """Close the SDK's HTTP client and its connection pool."""
        self.client.close()

    def deadline(self, spec: PromptSpec) -> float:
        """Seconds one call for ``spec`` may take in all: the setting, or the model's own."""
        return self.timeout or self.spec.deadline_for(spec.quality)

    @property
    def max_deadline(self) -> float:
        return self.timeout or self.spec.max_deadline

    @classmethod
    def create(
        cls,
        model: ModelSpec,
        prices: PriceTable,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float | None,
        today: dt.date,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD,
    ) -> OpenAIProvider:
        """Check the model and its price, then build a client that never retries on its own."""
        if not api_key:
            raise ConfigurationError("the openai provider needs OPENAI_API_KEY")
        if model.retired(today) and is_official(base_url):
            when = f" on {model.retires_on.isoformat()}" if model.retires_on else ""
            raise ConfigurationError(
                f"the image model {model.name!r} was retired{when}: set "
                "COSMIC_IMAGES_OPENAI_MODEL to a live model such as gpt-image-2"
            )
        if not prices.knows(model.name):
            raise ConfigurationError(
                f"no price for the image model {model.name!r}: add it to a prices file "
                "(COSMIC_IMAGES_PRICES_FILE) so that its cost is recorded, never logged as $0"
            )
        client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=timeout or model.max_deadline,
        )
        return cls(client, model, prices, timeout=timeout, max_download_bytes=max_download_bytes)

    @property
    def model(self) -> str:
        return self.spec.name

    @property
    def edits(self) -> bool:
        """The model takes the Images API's edit call (the GPT image models)."""
        return self.spec.edits

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        if len(spec.prompt) > self.spec.prompt_max_chars:
            raise InvalidRequest(
                f"prompt: {len(spec.prompt)} characters, over {self.model}'s limit of "
                f"{self.spec.prompt_max_chars}",
                field="prompt",
            )
        quality = self.spec.quality_for(spec.quality)
        size = self.spec.size_for(spec.aspect)
        limit = self.deadline(spec)
        params: dict[str, Any] = {
            "model": self.model,
            "prompt": spec.prompt,
            "n": 1,
            "size": size,
            "quality": quality,
        }
        if self.spec.response_format != "none":
            params["response_format"] = self.spec.response_format
        if end_user:
            params["user"] = end_user
            if self.spec.family == "gpt-image":
                params["safety_identifier"] = end_user
        if spec.source is not None:
            if not self.spec.edits:
                raise ConfigurationError(f"{self.model} cannot edit images; use a GPT image model")
            params.pop("response_format", None)
            params.pop("safety_identifier", None)  # not a parameter of the edit call
            # A named PNG upload: a bare file or the wrong type is a common cause of 400s.
            params["image"] = ("image.png", spec.source, "image/png")
        try:
            response = self._request(params, limit, quality, size)
        except openai.OpenAIError as exc:
            raise self._translate(exc, quality, size, limit) from exc
        usage = _usage(response.usage)
        # A token-priced answer without usage (some compatible endpoints) still carries a paid
        # image: keep it, and mark the cost unknown instead of logging a silent $0.
        cost_known = usage is not None or not self.prices.is_token_priced(self.model)
        cost = (
            self.prices.cost(self.model, quality=quality, size=size, usage=usage)
            if cost_known
            else Decimal("0")
        )
        item = response.data[0] if response.data else None
        if item is None:
            raise ProviderUnavailable(f"{self.model} answered without an image", billed_cost=cost)
        data = self._image_bytes(item, cost, limit)
        try:
            data, width, height = _as_png(data)
        # Pillow reports a corrupt PNG as SyntaxError and an oversized one as a bomb error.
        except (
            UnidentifiedImageError,
            OSError,
            ValueError,
            SyntaxError,
            DecompressionBombError,
        ) as exc:
            raise ProviderUnavailable(
                f"{self.model} returned bytes that are not an image", billed_cost=cost
            ) from exc
        return GeneratedImage(
            data=data,
            width=width,
            height=height,
            model=self.model,
            provider=self.name,
            quality=quality,
            cost=cost,
            usage=usage.as_dict() if usage else None,
            revised_prompt=item.revised_prompt,
            size=size,
            cost_known=cost_known,
        )

    def _request(
        self, params: dict[str, Any], limit: float, quality: str, size: str
    ) -> ImagesResponse:
        """The answer, read against the deadline: the SDK's timeout is per read, so a server
        that trickles its body a byte at a time is cut here, between the chunks; the response
        is closed at once and nothing keeps the call alive behind the caller's back."""
        ends = time.monotonic() + limit
        streaming = self.client.images.with_streaming_response
        call = streaming.edit if "image" in params else streaming.generate
        with call(**params, timeout=limit) as raw:
            body = bytearray()
            for chunk in raw.iter_bytes():
                body += chunk
                if time.monotonic() > ends:
                    raise ProviderUnavailable(
                        f"{self.model} ({quality}, {size}): the answer was still arriving at the "
                        f"{limit:g} s deadline; the request was sent and may have been billed",
                        possibly_billed=True,
                        retry_after=limit,
                    )
        try:
            return ImagesResponse.model_validate_json(bytes(body))
        except ValueError as exc:
            raise ProviderUnavailable(
                f"{self.model} answered with something that is not an Images API response",
                possibly_billed=True,
            ) from exc

    def _image_bytes(self, item: Any, cost: Decimal, limit: float) -> bytes:
        if item.b64_json:
            try:
                return base64.b64decode(item.b64_json, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ProviderUnavailable(
                    f"{self.model} returned invalid base64", billed_cost=cost
                ) from exc
        if item.url:
            try:
                return download_image(item.url, timeout=limit, max_bytes=self.max_download_bytes)
            except ProviderUnavailable as exc:
                raise ProviderUnavailable(
                    f"the image {self.model} made could not be downloaded: {exc.message}",
                    billed_cost=cost,
                ) from exc
        raise ProviderUnavailable(
            f"{self.model} answered with neither base64 nor a URL", billed_cost=cost
        )

    def _translate(
        self, exc: openai.OpenAIError, quality: str, size: str, limit: float
    ) -> CosmicImagesError:
        """The library's error for an SDK error, without retrying anything here."""
        where = f"{self.model} ({quality}, {size})"
        if isinstance(exc, openai.APITimeoutError):
            cause = type(exc.__cause__).__name__
            if cause in _NOT_SENT:
                return ProviderUnavailable(f"{where}: connection timed out", retryable=True)
            return ProviderUnavailable(
                f"{where}: no answer within {limit:g} s; the request was sent and may "
                "have been billed, so it is not retried",
                possibly_billed=True,
            )
        if isinstance(exc, openai.APIConnectionError):
            cause = type(exc.__cause__).__name__
            if cause in _NOT_SENT:
                return ProviderUnavailable(f"{where}: cannot connect ({cause})", retryable=True)
            return ProviderUnavailable(
                f"{where}: the connection failed mid-request ({cause})", possibly_billed=True
            )
        if not isinstance(exc, openai.APIStatusError):
            return ProviderUnavailable(f"{where}: {type(exc).__name__}: {exc}")
        status, code = exc.status_code, getattr(exc, "code", None)
        message = _api_message(exc)
        if code in _REJECTION_CODES:
            return ContentRejected(
                f"the image request was rejected by the content policy ({code}): {message}"
            )
        if status == 401:
            return ConfigurationError(
                f"the OpenAI API key was rejected (401): check OPENAI_API_KEY ({message})"
            )
        if status == 404 or code in _MODEL_CODES:
            return ConfigurationError(
                f"the image model {self.model!r} is unknown or retired at this endpoint "
                f"({status} {code or ''}): set COSMIC_IMAGES_OPENAI_MODEL to a live model"
            )
        if status == 429:
            return ProviderUnavailable(
                f"{where}: rate limited (429): {message}",
                retryable=True,
                retry_after=_retry_after(exc),
            )
        if status >= 500 or status in (408, 409):
            return ProviderUnavailable(
                f"{where}: server error {status}: {message}",
                retryable=True,
                retry_after=_retry_after(exc),
            )
        if status == 403:
            return ConfigurationError(f"{where}: permission denied (403): {message}")
        return ConfigurationError(f"{where}: the request was refused ({status}): {message}")


def _api_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(exc.message)


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return min(seconds, MAX_RETRY_AFTER)
    return None


def _usage(usage: Any) -> TokenUsage | None:
    if usage is None:
        return None
    details_in = getattr(usage, "input_tokens_details", None)
    details_out = getattr(usage, "output_tokens_details", None)
    text_in = getattr(details_in, "text_tokens", None)
    image_in = getattr(details_in, "image_tokens", None)
    if text_in is None and image_in is None:
        text_in, image_in = usage.input_tokens, 0
    if details_out is not None:
        image_out, text_out = details_out.image_tokens, details_out.text_tokens
    else:
        image_out, text_out = usage.output_tokens, 0
    return TokenUsage(
        text_input=int(text_in or 0),
        image_input=int(image_in or 0),
        image_output=int(image_out or 0),
        text_output=int(text_out or 0),
    )


def _as_png(data: bytes) -> tuple[bytes, int, int]:
    """The image as PNG bytes with its size; other formats are converted."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        if data.startswith(_PNG):
            image.verify()
            return data, width, height
        out = io.BytesIO()
        image.convert("RGBA" if "A" in image.getbands() else "RGB").save(out, format="PNG")
        return out.getvalue(), width, height


def download_image(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """Fetch an image URL now (they expire): http(s) only, bounded in time and size."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ProviderUnavailable(f"refusing to download a {urlsplit(url).scheme!r} URL")
    request = urllib.request.Request(url, headers={"Accept": "image/*"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            kind = response.headers.get_content_type()
            if not kind.startswith("image/"):
                raise ProviderUnavailable(f"the URL answered {kind}, not an image (expired?)")
            data: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response: its socket, closed now
        raise ProviderUnavailable(f"the URL answered {exc.code} (expired?)") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ProviderUnavailable(f"the download failed: {exc}") from exc
    if len(data) > max_bytes:
        raise ProviderUnavailable(f"the image is larger than {max_bytes} bytes")
    return data


def from_config(config: ProviderConfig) -> OpenAIProvider:
    """``openai``: the model, key, endpoint and deadline from ``config``; tables from files."""
    return OpenAIProvider.create(
        load_model_table(config.models_file).get(config.model),
        load_price_table(config.prices_file),
        api_key=config.api_key,
        base_url=config.base_url,
        timeout=config.timeout,
        today=dt.datetime.now(dt.UTC).date(),
    )
