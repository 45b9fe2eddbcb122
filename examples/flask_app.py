"""The seed's REST API in a Flask app, with a toy bearer-token login.

    python examples/flask_app.py              # http://127.0.0.1:3000

The few lines a host adds are ``get_user`` (its own authentication) and
``register_blueprint``.
"""

from __future__ import annotations

import os

from flask import Flask, Request

from cosmic_images import CosmicImages, User
from cosmic_images.web.flask import blueprint

TOKENS = {
    "your-token": User(id="demo-user", tier="universe"),
    "cosmic-token": User(id="demo-cosmic", tier="cosmic"),
    "free-token": User(id="demo-free", tier="free"),
    "admin-token": User(id="demo-admin", tier="universe", is_admin=True),
}


def get_user(request: Request) -> User | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return TOKENS.get(token.strip()) if scheme.lower() == "bearer" else None


def create_app(service: CosmicImages | None = None) -> Flask:
    app = Flask(__name__)
    app.register_blueprint(blueprint(service or CosmicImages.from_settings(), get_user))
    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "3000")))
