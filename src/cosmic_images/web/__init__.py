"""The seed's REST API for any web host: ``core.py`` maps requests to the service, the
adapters mount it in FastAPI (``web.fastapi.router``) or Flask (``web.flask.blueprint``)
with the host's own ``get_user(request)``. The adapters need ``pip install
'cosmic-images[web]'``; the core needs nothing more than the library."""

from __future__ import annotations

from .core import PREFIX, ROUTES, Api, Route, WebResponse, error_response

__all__ = ["PREFIX", "ROUTES", "Api", "Route", "WebResponse", "error_response"]
