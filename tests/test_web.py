"""The seed's REST API through both adapters (FastAPI and Flask) with their test clients:
every route, the seed's bodies and shapes, each error status; generated bodies never 5xx;
the FastAPI example under uvicorn answers the seed's curl; 64 concurrent requests, one call."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from cosmic_images import CosmicImages
from cosmic_images.testing import CountingProvider

from .conftest import ServiceFactory
from .servers import free_port
from .strategies import avatar_bodies, compatibility_bodies, daily_bodies, moon_bodies
from .test_examples import load
from .test_service import DAILY as SEED_DAILY  # the seed's body, as the service tests send it

ROOT = Path(__file__).resolve().parents[1]
SEED_AVATAR = {
    "sunSign": "leo",
    "moonSign": "pisces",
    "risingSign": "gemini",
    "traits": ["creative", "empathetic", "curious"],
    "version": 1,
}
SEED_COMPATIBILITY = {
    "user1": {"sign": "aries", "element": "fire"},
    "user2": {"sign": "libra", "element": "air"},
    "compatibilityScore": 85,
}
SEED_MOON = {"phase": "full_moon"}
USER_TOKEN = "your-token"  # the example's toy login (examples/fastapi_app.py)
DAILY = "/api/images/generate/daily-energy"
BAD = "invalid_request"


class Client:
    """One interface over FastAPI's and Flask's test clients."""

    def __init__(self, kind: str, service: CosmicImages) -> None:
        self.kind = kind
        if kind == "fastapi":
            from fastapi.testclient import TestClient

            self.app: Any = load("fastapi_app").create_app(service)
            self.client: Any = TestClient(self.app)
        else:
            self.app = load("flask_app").create_app(service)
            self.client = self.app.test_client()

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = USER_TOKEN,
        json_body: Any = None,
        data: bytes | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if json_body is not None:
            data = json.dumps(json_body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        answer = (
            self.client.open(path, method=method, headers=headers, data=data)
            if (self.kind == "flask")
            else self.client.request(method, path, headers=headers, content=data)
        )
        content = answer.data if self.kind == "flask" else answer.content
        kind = answer.headers.get("Content-Type", "")
        is_json = kind.startswith("application/json") and content  # HEAD: no body
        body = json.loads(content) if is_json else content
        headers_seen = {k.lower(): v for k, v in answer.headers.items()}
        return answer.status_code, headers_seen, body


@pytest.fixture(params=["fastapi", "flask"])
def web(request: pytest.FixtureRequest, make_service: ServiceFactory) -> Client:
    return Client(request.param, make_service())


def test_the_seeds_routes_and_shapes(web: Client) -> None:
    status, _, made = web.call("POST", "/api/images/generate/daily-energy", json_body=SEED_DAILY)
    assert status == 200 and made["success"] is True
    assert set(made["data"]) >= {"imageUrl", "imageId", "description", "shareableCard", "cached"}
    image_id = made["data"]["imageId"]
    assert made["data"]["shareableCard"] == f"/api/images/share/{image_id}"
    for path, body in (
        ("avatar", SEED_AVATAR),
        ("compatibility", SEED_COMPATIBILITY),
        ("moon-ritual", SEED_MOON),
    ):
        status, _, answer = web.call("POST", f"/api/images/generate/{path}", json_body=body)
        assert status == 200 and answer["data"]["imageId"], (path, answer)
    status, _, gallery = web.call("GET", "/api/images/my-gallery?limit=2&offset=0")
    assert status == 200 and len(gallery["data"]["images"]) == 2
    assert gallery["data"]["total"] == 4
    status, _, usage = web.call("GET", "/api/images/usage/stats")
    assert status == 200 and usage["data"]["tier"] == "universe"
    status, headers, card = web.call(
        "POST", f"/api/images/share/{image_id}", json_body={"format": "instagram_square"}
    )
    assert status == 200 and headers["content-type"] == "image/png"
    assert Image.open(BytesIO(card)).size == (1080, 1080)
    status, _, one = web.call("GET", f"/api/images/{image_id}")
    assert status == 200 and one["data"]["imageId"] == image_id
    status, headers, png = web.call("GET", f"/api/images/{image_id}/download")
    assert status == 200 and png.startswith(b"\x89PNG")
    assert web.call("POST", f"/api/images/{image_id}/shares", json_body={"platform": "x"})[0] == 200
    assert web.call("POST", f"/api/images/{image_id}/views")[0] == 200
    assert web.call("POST", f"/api/images/{image_id}/favorite")[2]["data"] == {"changed": True}
    assert web.call("POST", f"/api/images/{image_id}/favorite")[2]["data"] == {"changed": False}
    assert web.call("DELETE", f"/api/images/{image_id}/favorite")[2]["data"] == {"changed": True}
    status, _, engagement = web.call("GET", f"/api/images/{image_id}/engagement")
    assert engagement["data"] == {
        "imageId": image_id,
        "shares": 1,
        "downloads": 2,  # the card and the download
        "views": 1,
        "favorites": 0,
    }
    assert web.call("GET", "/api/images/health", token=None)[0] == 200


def test_the_admin_routes(web: Client) -> None:
    status, _, batch = web.call("POST", "/api/images/admin/batch-generate", token="admin-token")
    assert status == 200, batch
    assert (batch["data"]["success"], batch["data"]["failed"]) == (12, 0)
    status, _, report = web.call("GET", "/api/images/admin/cost-report?days=7", token="admin-token")
    assert status == 200
    assert set(report["data"]) >= {
        "period",
        "totalImages",
        "totalCost",
        "avgCostPerImage",
        "breakdown",
        "cacheStats",
        "estimatedMonthlyCost",
    }
    assert report["data"]["period"]["days"] == 7 and report["data"]["totalImages"] == 12
    status, _, dashboard = web.call("GET", "/api/images/admin/dashboard", token="admin-token")
    assert status == 200 and dashboard["data"]["today"]["imagesGenerated"] == 12
    assert web.call("GET", "/api/images/admin/viral", token="admin-token")[2]["data"] == []
    for path in ("/api/images/admin/dashboard", "/api/images/admin/cost-report"):
        status, _, refused = web.call("GET", path)  # a universe user, not an admin
        assert (status, refused["error"]["code"]) == (403, "not_entitled")


@pytest.mark.parametrize(
    ("method", "path", "token", "data", "status", "code"),
    [
        ("POST", DAILY, None, b"{}", 401, "unauthorized"),
        ("POST", DAILY, "stolen", b"{}", 401, "unauthorized"),
        ("POST", DAILY, USER_TOKEN, b"{not json", 422, BAD),
        ("POST", DAILY, USER_TOKEN, b"[1, 2]", 422, BAD),
        ("POST", DAILY, USER_TOKEN, b'{"sign": 7}', 422, BAD),
        ("POST", DAILY, USER_TOKEN, b'{"sign": "ophiuchus"}', 422, BAD),
        ("GET", "/api/images/my-gallery?limit=lots", USER_TOKEN, None, 422, BAD),
        ("GET", "/api/images/my-gallery?limit=0", USER_TOKEN, None, 422, BAD),
        ("GET", DAILY, USER_TOKEN, None, 405, "method_not_allowed"),
        ("GET", "/api/images/no/such/route", USER_TOKEN, None, 404, "not_found"),
        ("GET", "/api/images/" + "0" * 32, USER_TOKEN, None, 404, "not_found"),
        ("POST", "/api/images/generate/avatar", "free-token", json.dumps(SEED_AVATAR).encode(), 403,
         "not_entitled"),
        ("POST", "/api/images/admin/batch-generate", "admin-token", b'{"when": 1}', 422, BAD),
    ],
)  # fmt: skip
def test_errors_are_the_right_4xx_with_the_envelope(
    web: Client,
    method: str,
    path: str,
    token: str | None,
    data: bytes | None,
    status: int,
    code: str,
) -> None:
    got, headers, body = web.call(method, path, token=token, data=data)
    assert (got, body["success"], body["error"]["code"]) == (status, False, code)
    if status == 401:
        assert headers["www-authenticate"] == "Bearer"
    if code == "invalid_request" and status == 422:
        assert body["error"]["field"]


def test_another_users_image_and_the_free_tiers_card(web: Client) -> None:
    mine = web.call("POST", "/api/images/generate/daily-energy", json_body=SEED_DAILY)[2]
    image_id = mine["data"]["imageId"]
    for method, path in (
        ("GET", f"/api/images/{image_id}"),
        ("GET", f"/api/images/{image_id}/download"),
        ("POST", f"/api/images/share/{image_id}"),
        ("POST", f"/api/images/{image_id}/favorite"),
    ):
        status, _, body = web.call(method, path, token="cosmic-token")
        assert (status, body["error"]["code"]) == (404, "not_found"), path
    shared = web.call(
        "POST",
        "/api/images/generate/daily-energy",
        json_body={"sign": "leo", "personalized": False},
    )[2]["data"]["imageId"]
    status, _, body = web.call("POST", f"/api/images/share/{shared}", token="free-token")
    assert (status, body["error"]["code"]) == (403, "not_entitled")


def test_the_weekly_limit_sets_retry_after(web: Client) -> None:
    for level in (1, 2, 3):
        body = {"sign": "aries", "energyLevel": level, "mood": "calm"}
        assert web.call("POST", "/api/images/generate/daily-energy", token="cosmic-token",
                        json_body=body)[0] == 200  # fmt: skip
    status, headers, body = web.call(
        "POST", "/api/images/generate/daily-energy", token="cosmic-token",
        json_body={"sign": "aries", "energyLevel": 4, "mood": "calm"},
    )  # fmt: skip
    assert (status, body["error"]["code"]) == (429, "quota_exceeded")
    assert int(headers["retry-after"]) >= 1 and body["error"]["resetsAt"]


ROUTE_BODIES = {
    "daily-energy": daily_bodies,
    "avatar": avatar_bodies,
    "compatibility": compatibility_bodies,
    "moon-ritual": moon_bodies,
}
JUNK = st.one_of(
    st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.integers(), st.text(max_size=8))),
    st.lists(st.integers(), max_size=3),
    st.text(max_size=20),
    st.integers(),
)


@pytest.mark.parametrize("kind", ["fastapi", "flask"])
@pytest.mark.parametrize("route", sorted(ROUTE_BODIES))
def test_generated_bodies_never_get_a_5xx(
    make_service: ServiceFactory, kind: str, route: str
) -> None:
    client = Client(kind, make_service())

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(body=st.one_of(ROUTE_BODIES[route], JUNK), token=st.sampled_from(
        ["your-token", "cosmic-token", "free-token"]))  # fmt: skip
    def post(body: Any, token: str) -> None:
        status, _, answer = client.call(
            "POST", f"/api/images/generate/{route}", token=token, json_body=body
        )
        assert status < 500, answer
        assert isinstance(answer, dict) and "success" in answer

    post()


def test_sixty_four_requests_for_one_picture_make_one_call_and_health_answers(
    make_service: ServiceFactory,
) -> None:
    import dataclasses

    import httpx

    from cosmic_images.policy import load_policy

    provider = CountingProvider(delay=1.5)
    policy = load_policy()
    fast = dataclasses.replace(policy.tier("universe"), generations_per_minute=None)
    free_rate = dataclasses.replace(policy, tiers={**policy.tiers, "universe": fast})
    app = load("fastapi_app").create_app(make_service(image_provider=provider, policy=free_rate))
    body = {"sign": "virgo", "energyLevel": 6, "mood": "calm", "focus": "career"}

    async def run() -> tuple[list[int], list[float]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
            headers = {"Authorization": "Bearer your-token"}
            asks = [
                client.post("/api/images/generate/daily-energy", json=body, headers=headers)
                for _ in range(64)
            ]
            pending = asyncio.gather(*asks)
            await asyncio.sleep(0.2)  # the generation is under way in the thread pool
            health: list[float] = []
            for _ in range(5):
                began = time.monotonic()
                answer = await client.get("/api/images/health")
                assert answer.status_code == 200
                health.append(time.monotonic() - began)
                await asyncio.sleep(0.1)
            answers = await pending
            return [a.status_code for a in answers], health

    statuses, health = asyncio.run(run())
    assert statuses == [200] * 64
    assert provider.count == 1
    assert max(health) < 0.5, health  # answered while 64 requests were being served


def test_the_openapi_document_is_current(make_service: ServiceFactory) -> None:
    app = load("fastapi_app").create_app(make_service())
    current = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert app.openapi() == current, (
        "run: python examples/fastapi_app.py --openapi > docs/openapi.json"
    )
    paths = current["paths"]
    assert "/api/images/generate/daily-energy" in paths and "/api/images/share/{imageId}" in paths
    schema = paths["/api/images/generate/daily-energy"]["post"]["requestBody"]["content"]
    assert "energyLevel" in schema["application/json"]["schema"]["properties"]


@pytest.mark.slow
def test_the_fastapi_example_answers_the_seeds_curl(tmp_path: Path) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "PORT": str(port),
        "COSMIC_IMAGES_DATA_DIR": str(tmp_path / "data"),
        "HOME": str(tmp_path),
    }
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "fastapi_app.py")],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            probe = subprocess.run(
                [curl, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                 f"http://localhost:{port}/api/images/health"],
                capture_output=True, text=True, timeout=10,
            )  # fmt: skip
            if probe.stdout == "200":
                break
            assert time.monotonic() < deadline and server.poll() is None, "uvicorn did not start"
            time.sleep(0.2)
        # The seed's example, as written, with the example's host and port.
        answer = subprocess.run(
            [
                curl, "-s", "-X", "POST",
                f"http://localhost:{port}/api/images/generate/daily-energy",
                "-H", "Authorization: Bearer your-token",
                "-H", "Content-Type: application/json",
                "-d", '{\n    "sign": "aries",\n    "date": "2025-01-23",\n    "energyLevel": 8,\n'
                '    "mood": "uplifting",\n    "personalized": false\n  }',
            ],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        data = json.loads(answer.stdout)
        assert data["success"] is True and data["data"]["imageId"]
        assert data["data"]["description"] == "The shared Aries energy for 2025-01-23"
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()


@pytest.mark.parametrize("kind", ["fastapi", "flask"])
def test_server_side_failures_are_5xx_envelopes_with_retry_after(
    make_service: ServiceFactory, kind: str
) -> None:
    from decimal import Decimal

    from cosmic_images import ProviderUnavailable

    down = CountingProvider(fail_with=lambda spec: ProviderUnavailable("down", retry_after=7.2))
    client = Client(kind, make_service(image_provider=down))
    status, headers, body = client.call("POST", DAILY, json_body=SEED_DAILY)
    assert (status, body["error"]["code"], headers["retry-after"]) == (
        502,
        "provider_unavailable",
        "8",
    )
    paid = CountingProvider(price=Decimal("0.08"))
    capped = Client(kind, make_service(image_provider=paid, daily_budget="0.01"))
    other = {**SEED_DAILY, "sign": "leo"}  # not the picture whose failure is being shared
    assert capped.call("POST", DAILY, json_body=other)[0] == 200  # under the cap: made
    status, _, body = capped.call("POST", DAILY, json_body={**other, "energyLevel": 2})
    assert (status, body["error"]["code"]) == (503, "budget_exceeded")


# --- found in review ------------------------------------------------------------------------


def test_odd_requests_get_the_envelope_not_a_500(web: Client) -> None:
    deep = b"[" * 30_000
    status, _, body = web.call("POST", DAILY, data=deep)
    assert (status, body["error"]["field"]) == (422, "body")
    huge = b'{"sign": "aries", "pad": "' + b"x" * 70_000 + b'"}'
    status, _, body = web.call("POST", DAILY, data=huge)
    assert (status, body["error"]["field"]) == (422, "body")
    for method in ("HEAD", "OPTIONS", "PUT"):
        status, headers, _ = web.call(method, DAILY)
        assert status == 405 and headers["allow"] == "POST", method


def test_the_host_may_mount_the_api_under_a_prefix_of_its_own(
    make_service: ServiceFactory,
) -> None:
    service = make_service()
    example = load("fastapi_app")
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from flask import Flask

    from cosmic_images.web.fastapi import router
    from cosmic_images.web.flask import blueprint

    app = FastAPI()
    app.include_router(router(service, example.get_user), prefix="/v2")
    answer = TestClient(app).post(
        "/v2" + DAILY, json=SEED_DAILY, headers={"Authorization": "Bearer your-token"}
    )
    assert answer.status_code == 200 and answer.json()["data"]["imageId"]
    flask_app = Flask(__name__)
    flask_app.register_blueprint(blueprint(service, load("flask_app").get_user), url_prefix="/v3")
    gallery = flask_app.test_client().get(
        "/v3/api/images/my-gallery", headers={"Authorization": "Bearer your-token"}
    )
    assert gallery.status_code == 200 and gallery.json is not None
    assert gallery.json["data"]["total"] == 1


def test_a_repeated_query_parameter_reads_its_first_value_everywhere(web: Client) -> None:
    web.call("POST", DAILY, json_body=SEED_DAILY)
    status, _, body = web.call("GET", "/api/images/my-gallery?limit=1&limit=abc")
    assert status == 200 and body["data"]["limit"] == 1
    status, _, body = web.call("GET", "/api/images/my-gallery?limit=abc&limit=1")
    assert (status, body["error"]["field"]) == (422, "limit")
