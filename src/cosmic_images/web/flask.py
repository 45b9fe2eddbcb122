"""The seed's REST API as a Flask ``Blueprint``::

    from cosmic_images.web.flask import blueprint
    app.register_blueprint(blueprint(service, get_user))   # get_user(request) -> User | None

Routes, checks and errors are ``web/core.py``'s; this module only moves bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Request, Response, request

from ..schemas import User
from ..service import CosmicImages
from .core import MAX_BODY, PREFIX, Api

__all__ = ["blueprint"]

GetUser = Callable[[Request], User | None]
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def blueprint(
    service: CosmicImages, get_user: GetUser, *, prefix: str = PREFIX, name: str = "cosmic_images"
) -> Blueprint:
    """Every route of the seed's API under ``prefix``; ``get_user(request)`` is the host's
    authentication (None: 401)."""
    api = Api(service, prefix)
    routes = Blueprint(name, __name__)

    def handle(rest: str = "") -> Response:
        too_big = (request.content_length or 0) > MAX_BODY
        answer = api.handle(
            request.method,
            request.path,
            body=b" " * (MAX_BODY + 1) if too_big else request.get_data(cache=False),
            query=request.args.to_dict(flat=True),
            user=lambda: get_user(request),
        )
        return Response(answer.body, answer.status, answer.headers, mimetype=answer.media_type)

    # OPTIONS and HEAD get the envelope like any other method (no automatic answers).
    for rule, endpoint in ((prefix, "root"), (prefix + "/<path:rest>", "api")):
        routes.add_url_rule(
            rule, endpoint, handle, methods=_METHODS, provide_automatic_options=False
        )
    return routes
