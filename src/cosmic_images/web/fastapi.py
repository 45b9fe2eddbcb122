"""The seed's REST API as a FastAPI ``APIRouter``::

    from cosmic_images.web.fastapi import router
    app.include_router(router(service, get_user))   # get_user(request) -> User | None

Each route reads the request, then runs the work in Starlette's thread pool: a generation that
takes minutes never blocks the event loop. Routes, checks and errors are ``web/core.py``'s;
this module only moves bytes and describes the routes for the OpenAPI document.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ..schemas import (
    AvatarRequest,
    CompatibilityRequest,
    DailyEnergyRequest,
    GroupRequest,
    MoonRitualRequest,
    User,
)
from ..service import CosmicImages
from ..zodiac import CardFormat
from .core import MAX_BODY, PREFIX, ROUTES, Api, Route

__all__ = ["router"]

GetUser = Callable[[Request], User | None]
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_BODIES: dict[str, dict[str, Any]] = {
    "DailyEnergyRequest": DailyEnergyRequest.model_json_schema(by_alias=True),
    "AvatarRequest": AvatarRequest.model_json_schema(by_alias=True),
    "CompatibilityRequest": CompatibilityRequest.model_json_schema(by_alias=True),
    "MoonRitualRequest": MoonRitualRequest.model_json_schema(by_alias=True),
    "GroupRequest": GroupRequest.model_json_schema(by_alias=True),
    "ShareCardRequest": {
        "type": "object",
        "properties": {
            "format": {
                "description": "A seed format, or WIDTHxHEIGHT",
                "anyOf": [{"enum": [f.value for f in CardFormat]}, {"type": "string"}],
                "default": "instagram_square",
            },
            "encoding": {"enum": ["png", "jpeg", "webp"], "default": "png"},
        },
    },
    "EditRequest": {
        "type": "object",
        "required": ["instruction"],
        "properties": {"instruction": {"type": "string", "examples": ["more purple"]}},
    },
    "ShareEventRequest": {
        "type": "object",
        "required": ["platform"],
        "properties": {"platform": {"type": "string", "examples": ["instagram"]}},
    },
    "BatchRequest": {
        "type": "object",
        "properties": {
            "date": {"type": "string", "format": "date"},
            "signs": {"type": "array", "items": {"type": "string"}},
            "includeMoonRitual": {"type": "boolean", "default": False},
            "popular": {"type": "integer", "minimum": 0, "default": 0},
            "concurrency": {"type": "integer", "minimum": 1, "default": 4},
        },
    },
}
_QUERIES = {"/my-gallery": ("limit", "offset"), "/admin/cost-report": ("days",)}
_ENVELOPE = {"description": "The seed's envelope: success and data, or success false and error"}


def _openapi(route: Route) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": "imageId", "in": "path", "required": True, "schema": {"type": "string"}}
        for _ in [None]
        if "{imageId}" in route.path
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": {"type": "integer"}}
        for name in _QUERIES.get(route.path, ())
    ]
    extra: dict[str, Any] = {"responses": {"4XX": _ENVELOPE, "5XX": _ENVELOPE}}
    if parameters:
        extra["parameters"] = parameters
    if route.body:
        extra["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": _BODIES[route.body]}},
        }
    if route.path.startswith("/share/"):
        extra["responses"]["200"] = {"description": "The card", "content": {"image/png": {}}}
    return extra


def _endpoint(api: Api, get_user: GetUser) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        length = request.headers.get("content-length", "")
        too_big = length.isdigit() and int(length) > MAX_BODY
        # A body over the limit is not read: the core refuses it by its declared size.
        body = b" " * (MAX_BODY + 1) if too_big else await request.body()
        call = functools.partial(
            api.handle,
            request.method,
            request.url.path,
            body=body,
            query=_first_values(request),
            user=lambda: get_user(request),
        )
        # The health route answers on the loop itself, even with every worker thread busy.
        light = request.url.path == api.prefix + "/health"
        answer = call() if light else await run_in_threadpool(call)
        return Response(answer.body, answer.status, answer.headers, answer.media_type)

    return endpoint


def _first_values(request: Request) -> dict[str, str]:
    """Each query parameter's first value, as Flask (and the core) read a repeated one."""
    values: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        values.setdefault(name, value)
    return values


def router(service: CosmicImages, get_user: GetUser, *, prefix: str = PREFIX) -> APIRouter:
    """Every route of the seed's API under ``prefix``; ``get_user(request)`` is the host's
    authentication (None: 401)."""
    api = Api(service, prefix)
    endpoint = _endpoint(api, get_user)
    routes = APIRouter()
    for route in ROUTES:
        routes.add_api_route(
            prefix + route.path,
            endpoint,
            methods=[route.method],
            summary=route.summary,
            name=f"{route.method} {route.path}",
            tags=["admin" if route.admin else "images"],
            openapi_extra=_openapi(route),
            response_class=Response,
        )
    # Anything else under the prefix (an unknown route, another method): the envelope.
    routes.add_api_route(
        prefix + "/{rest:path}", endpoint, methods=_METHODS, include_in_schema=False
    )
    return routes
