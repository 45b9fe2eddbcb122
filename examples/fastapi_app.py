"""The seed's REST API in a FastAPI app, with a toy bearer-token login.

    python examples/fastapi_app.py            # http://127.0.0.1:3000, as in the seed's curl
    curl -X POST http://localhost:3000/api/images/generate/daily-energy \\
      -H "Authorization: Bearer your-token" -H "Content-Type: application/json" \\
      -d '{"sign": "aries", "date": "2025-01-23", "energyLevel": 8, "personalized": false}'

The few lines a host adds are ``get_user`` (its own authentication) and ``include_router``.
Settings come from the environment as always (the embedded default without any).
"""

from __future__ import annotations

import json
import os
import sys

from fastapi import FastAPI, Request

from cosmic_images import CosmicImages, User
from cosmic_images.web.fastapi import router

# A toy login: a real host looks the token up in its own sessions.
TOKENS = {
    "your-token": User(id="demo-user", tier="universe"),
    "cosmic-token": User(id="demo-cosmic", tier="cosmic"),
    "free-token": User(id="demo-free", tier="free"),
    "admin-token": User(id="demo-admin", tier="universe", is_admin=True),
}


def get_user(request: Request) -> User | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return TOKENS.get(token.strip()) if scheme.lower() == "bearer" else None


def create_app(service: CosmicImages | None = None) -> FastAPI:
    app = FastAPI(title="Cosmic Coach images", version="1.0")
    app.include_router(router(service or CosmicImages.from_settings(), get_user))
    return app


def main() -> None:
    import uvicorn

    if "--openapi" in sys.argv:  # the document checked in as docs/openapi.json
        print(json.dumps(create_app().openapi(), indent=2, sort_keys=True))
        return
    port = int(os.environ.get("PORT", "3000"))
    uvicorn.run(create_app(), host=os.environ.get("HOST", "127.0.0.1"), port=port)


if __name__ == "__main__":
    main()
