"""The seed's REST API, framework-neutral: a request (method, path, body, query, the host's
user) in, a response (status, headers, JSON or PNG bytes) out.

The adapters (``web/fastapi.py``, ``web/flask.py``) only move bytes between their framework
and :meth:`Api.handle`; every route, every check and every error mapping is here, once. Errors
become the seed's envelope with the error's ``http_status``; ``QuotaExceeded`` and
``RateLimited`` set ``Retry-After``, and so do ``BackendUnavailable`` and
``ProviderUnavailable`` when they know when to retry. Nothing escapes as a 500 but a
``ConfigurationError`` (the host's setup) and a bug.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import (
    BackendUnavailable,
    CosmicImagesError,
    InvalidRequest,
    NotFound,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    Unauthorized,
)
from ..schemas import User
from ..service import CosmicImages

__all__ = ["PREFIX", "ROUTES", "Api", "Route", "WebResponse", "error_response"]

log = logging.getLogger(__name__)
PREFIX = "/api/images"
MAX_BODY = 64 * 1024
JSON_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class WebResponse:
    status: int
    body: bytes
    media_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> WebResponse:
        text = json.dumps(payload, default=str, separators=(",", ":"))
        return cls(status, text.encode(), JSON_TYPE, headers or {})


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler gets: the service, the user, the path's parameters, query and body."""

    service: CosmicImages
    user: User
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # relative to PREFIX, with {name} parameters
    handler: Callable[[Call], WebResponse]
    summary: str
    admin: bool = False
    body: str | None = None  # the request model's name, for the OpenAPI document
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))


def _ok(result: Any) -> WebResponse:
    return WebResponse.json(result.to_api())


def _int(query: Mapping[str, str], name: str, default: int) -> int:
    value = query.get(name)
    if value is None or value == "":
        return default
    if not re.fullmatch(r"-?[0-9]{1,12}", value.strip()):
        raise InvalidRequest(f"{name}: must be a whole number", field=name)
    return int(value)


def _generate(category: str) -> Callable[[Call], WebResponse]:
    def handler(call: Call) -> WebResponse:
        return _ok(call.service.generate(call.user, category, call.body))

    return handler


def _gallery(call: Call) -> WebResponse:
    page = call.service.gallery(
        call.user, _int(call.query, "limit", 20), _int(call.query, "offset", 0)
    )
    return _ok(page)


def _share_card(call: Call) -> WebResponse:
    card_format = call.body.get("format", "instagram_square")
    encoding = call.body.get("encoding", "png")
    data = call.service.share_card(
        call.user, call.params["imageId"], card_format, encoding=encoding
    )
    kind = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}[str(encoding)]
    return WebResponse(200, data, kind, {"Cache-Control": "private, max-age=3600"})


def _image(call: Call) -> WebResponse:
    record = call.service.get_image(call.user, call.params["imageId"])
    return WebResponse.json({"success": True, "data": record.to_api()})


def _download(call: Call) -> WebResponse:
    record = call.service.get_image(call.user, call.params["imageId"])
    data = call.service.image_bytes(call.user, record.id)
    call.service.record_download(call.user, record.id, "original")
    return WebResponse(200, data, record.media_type, {"Cache-Control": "private, max-age=3600"})


def _done(changed: bool | None = None) -> WebResponse:
    data: dict[str, Any] = {} if changed is None else {"changed": changed}
    return WebResponse.json({"success": True, "data": data})


def _edit(call: Call) -> WebResponse:
    instruction: Any = call.body.get("instruction")  # checked by the service
    return _ok(call.service.edit_image(call.user, call.params["imageId"], instruction))


def _record_share(call: Call) -> WebResponse:
    platform: Any = call.body.get("platform")  # checked by the service
    call.service.record_share(call.user, call.params["imageId"], platform)
    return _done()


def _record_view(call: Call) -> WebResponse:
    call.service.record_view(call.user, call.params["imageId"])
    return _done()


def _batch(call: Call) -> WebResponse:
    body = call.body
    unknown = set(body) - {"date", "signs", "includeMoonRitual", "popular", "concurrency"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidRequest(f"{name}: not a batch option", field=name)
    report = call.service.batch_generate(
        body.get("date"),
        signs=body.get("signs"),
        include_moon_ritual=body.get("includeMoonRitual", False),
        popular=body.get("popular", 0),
        concurrency=body.get("concurrency", 4),
    )
    return _ok(report)


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", lambda call: _done(), "Liveness: answers while generations run"),
    *(
        Route("POST", f"/generate/{slug}", _generate(category), f"Generate {title}", body=model)
        for slug, category, title, model in (
            ("daily-energy", "daily_energy", "a daily energy image", "DailyEnergyRequest"),
            ("avatar", "avatar", "a zodiac avatar", "AvatarRequest"),
            ("compatibility", "compatibility", "compatibility art", "CompatibilityRequest"),
            ("moon-ritual", "moon_ritual", "a moon ritual image", "MoonRitualRequest"),
            ("group", "group", "group compatibility art (3 to 6 signs)", "GroupRequest"),
        )
    ),
    Route("GET", "/my-gallery", _gallery, "The user's images, newest first (?limit&offset)"),
    Route("GET", "/usage/stats", lambda call: _ok(call.service.usage_stats(call.user)),
          "The user's weekly usage and limit"),
    Route("POST", "/share/{imageId}", _share_card, "The image's share card (PNG bytes)",
          body="ShareCardRequest"),
    Route("POST", "/admin/batch-generate", _batch, "The day's shared images, once",
          admin=True, body="BatchRequest"),
    Route("GET", "/admin/cost-report",
          lambda call: _ok(call.service.cost_report(_int(call.query, "days", 7))),
          "What the last days cost (?days=7)", admin=True),
    Route("GET", "/admin/dashboard", lambda call: _ok(call.service.dashboard(call.user)),
          "Today, viral images, the week's best", admin=True),
    Route("GET", "/admin/viral", lambda call: _ok(call.service.viral_images(call.user)),
          "Images with 50+ shares in 24 hours", admin=True),
    Route("GET", "/{imageId}", _image, "One image, for the people it belongs to"),
    Route("GET", "/{imageId}/download", _download, "The image's bytes (a download event)"),
    Route("POST", "/{imageId}/shares", _record_share, "Record a share on a platform",
          body="ShareEventRequest"),
    Route("POST", "/{imageId}/views", _record_view, "Record a view"),
    Route("POST", "/{imageId}/edit", _edit, 'Edit the image ("more purple")',
          body="EditRequest"),
    Route("POST", "/{imageId}/favorite",
          lambda call: _done(call.service.favorite(call.user, call.params["imageId"])),
          "Mark a favourite (idempotent)"),
    Route("DELETE", "/{imageId}/favorite",
          lambda call: _done(call.service.unfavorite(call.user, call.params["imageId"])),
          "Remove a favourite (idempotent)"),
    Route("GET", "/{imageId}/engagement",
          lambda call: _ok(call.service.engagement(call.user, call.params["imageId"])),
          "The image's shares, downloads, views and favourites"),
)  # fmt: skip


def _retry_after(error: CosmicImagesError, now: dt.datetime) -> str | None:
    seconds: float | None = None
    if isinstance(error, QuotaExceeded) and error.resets_at is not None:
        seconds = (error.resets_at - now).total_seconds()
    elif isinstance(error, RateLimited | ProviderUnavailable):
        seconds = error.retry_after
    elif isinstance(error, BackendUnavailable) and error.transient:
        seconds = 5
    if seconds is None:
        return None
    return str(max(1, math.ceil(seconds)))


def error_response(error: CosmicImagesError) -> WebResponse:
    """The envelope at the error's status, with Retry-After where it is known."""
    retry = _retry_after(error, dt.datetime.now(dt.UTC))
    headers = {"Retry-After": retry} if retry else {}
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return WebResponse.json(error.to_api(), error.http_status, headers)


def _body(raw: bytes | None) -> dict[str, Any]:
    if not raw or not raw.strip():
        return {}
    if len(raw) > MAX_BODY:
        raise InvalidRequest(f"body: larger than {MAX_BODY} bytes", field="body")
    try:
        parsed = json.loads(raw)
    except RecursionError:
        raise InvalidRequest("body: nested too deeply", field="body") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"body: not valid JSON ({exc})", field="body") from exc
    if not isinstance(parsed, dict):
        raise InvalidRequest("body: must be a JSON object", field="body")
    return parsed


class Api:
    """Routes a request to the service. ``get_user`` is the host's own authentication: it
    returns the request's :class:`User`, or None (then 401)."""

    def __init__(self, service: CosmicImages, prefix: str = PREFIX) -> None:
        self.service = service
        self.prefix = prefix.rstrip("/")

    def relative(self, path: str) -> str:
        """``path`` after the API's prefix, wherever the host mounted the app or router (a
        prefix of its own before ours); NotFound when the prefix is not in it."""
        at = path.find(self.prefix + "/")
        if at < 0:
            raise NotFound(f"no route {path[:200]!r}")
        return path[at + len(self.prefix) :]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for ``method`` and ``path``; NotFound for no route, None for a route
        without that method (405)."""
        relative = self.relative(path)
        allowed = []
        for route in ROUTES:
            found = route.pattern.match(relative)
            if found is None:
                continue
            if route.method == method.upper():
                return route, found.groupdict()
            allowed.append(route.method)
        if allowed:
            return None
        raise NotFound(f"no route {path[:200]!r}")

    def handle(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None,
        query: Mapping[str, str],
        user: Callable[[], User | None],
    ) -> WebResponse:
        """The response to one request; ``user`` is called only for routes that need one."""
        try:
            matched = self.match(method, path)
            if matched is None:
                allowed = sorted(r.method for r in ROUTES if r.pattern.match(self.relative(path)))
                return WebResponse.json(
                    {"success": False, "error": {"code": "method_not_allowed",
                                                 "message": f"{method} is not allowed here"}},
                    405,
                    {"Allow": ", ".join(allowed)},
                )  # fmt: skip
            route, params = matched
            if body is not None and len(body) > MAX_BODY:
                raise InvalidRequest(f"body: larger than {MAX_BODY} bytes", field="body")
            who = None if route.path == "/health" else user()
            if route.path != "/health" and not isinstance(who, User):
                raise Unauthorized("a valid bearer token is required")
            if route.admin and who is not None:
                self.service.require_admin(who)
            call = Call(self.service, who or User(id="anonymous"), params, query, _body(body))
            return route.handler(call)
        except CosmicImagesError as error:
            if error.http_status >= 500:
                log.warning("%s %s: %s", method, path[:200], error.message)
            return error_response(error)
