"""The OpenAI provider through the real openai client against a local Images API server."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cosmic_images import (
    ConfigurationError,
    ContentRejected,
    CosmicImages,
    InvalidRequest,
    ProviderUnavailable,
    User,
)
from cosmic_images.ledger import load_price_table
from cosmic_images.prompts import BuildContext, PromptSpec, default_prompt_registry
from cosmic_images.providers import ProceduralProvider
from cosmic_images.providers.models import load_model_table
from cosmic_images.providers.openai_provider import OpenAIProvider
from cosmic_images.providers.resilience import (
    CircuitBreakerProvider,
    CircuitOpen,
    FallbackProvider,
    RetryingProvider,
)
from cosmic_images.schemas import parse_request
from cosmic_images.storage.models import ImageRow, LedgerEntry
from cosmic_images.zodiac import Quality

from .conftest import ServiceFactory
from .fake_openai import USAGE, FakeImagesAPI, Reply, png_bytes

TODAY = dt.date(2026, 11, 23)
UNIVERSE = User(id="user-42@example.com", tier="universe")
COSMIC = User(id="cosmic-7", tier="cosmic")
MOON = {"phase": "full_moon"}


def make_provider(
    api: FakeImagesAPI, model: str = "gpt-image-2", *, timeout: float = 5.0
) -> OpenAIProvider:
    return OpenAIProvider.create(
        load_model_table().get(model),
        load_price_table(),
        api_key="sk-test",
        base_url=api.url,
        timeout=timeout,
        today=TODAY,
    )


def spec(
    category: str = "moon_ritual",
    body: dict[str, Any] | None = None,
    quality: Quality = Quality.STANDARD,
) -> PromptSpec:
    definition = default_prompt_registry().get(category)
    request = parse_request(definition.request_model, body or MOON)
    return definition.builder(request, BuildContext(today=TODAY, quality=quality))


def openai_service(
    make_service: ServiceFactory, api: FakeImagesAPI, **settings: Any
) -> CosmicImages:
    base: dict[str, Any] = {
        "provider": "openai",
        "openai_api_key": "sk-test",
        "openai_base_url": api.url,
        "request_timeout": 5.0,
        "image_provider": None,
    }
    return make_service(**(base | settings))


def ledger(svc: CosmicImages) -> list[LedgerEntry]:
    with svc.repository.session() as session:
        return list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)))


def token_cost(text_in: int, image_in: int, image_out: int) -> Decimal:
    """gpt-image-2 at $5 / $8 / $30 per million tokens, computed in whole micro-dollars."""
    micro = text_in * 5 + image_in * 8 + image_out * 30
    return Decimal(micro) / Decimal(1_000_000)


# --- images are kept ----------------------------------------------------------------------


def test_base64_answer_is_stored_with_its_token_cost(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI, tmp_path: Path
) -> None:
    svc = openai_service(make_service, fake_openai)
    image = png_bytes((200, 10, 10))
    fake_openai.enqueue(Reply.image(data=image, revised="a revised moon"))
    result = svc.generate_moon_ritual(UNIVERSE, MOON)
    stored = Path(result.image_url.removeprefix("file://"))
    assert stored.read_bytes() == image
    assert result.cost == token_cost(150, 10, 4160) == Decimal("0.12563")
    assert result.metadata["revisedPrompt"] == "a revised moon"
    assert result.metadata["usage"] == {
        "textInput": 150,
        "imageInput": 10,
        "imageOutput": 4160,
        "textOutput": 0,
    }
    (sent,) = fake_openai.generations()
    assert sent.body["model"] == "gpt-image-2"
    assert sent.body["quality"] == "high"  # universe asks for hd
    assert sent.body["size"] == "1024x1536"  # moon rituals are portrait
    assert "response_format" not in sent.body  # GPT image models always answer base64
    assert sent.headers["authorization"] == "Bearer sk-test"
    expected_user = hashlib.sha256(b"cosmic-images:user-42@example.com").hexdigest()[:32]
    assert sent.body["user"] == expected_user == sent.body["safety_identifier"]
    assert "user-42" not in str(sent.body)
    (entry,) = ledger(svc)
    assert (entry.outcome, entry.cost, entry.model) == (
        "generated",
        Decimal("0.12563"),
        "gpt-image-2",
    )
    assert str(entry.image_id) == result.image_id


def test_url_answer_is_downloaded_at_once(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI
) -> None:
    svc = openai_service(make_service, fake_openai, openai_model="dall-e-3")
    image = png_bytes((10, 200, 10))
    fake_openai.enqueue(Reply.url(fake_openai.serve_file("a.png", image), revised="revised!"))
    result = svc.generate_daily_energy(COSMIC, {"sign": "aries", "energyLevel": 3})
    assert Path(result.image_url.removeprefix("file://")).read_bytes() == image
    assert result.image_url.startswith("file://")  # never the provider's expiring URL
    (sent,) = fake_openai.generations()
    assert sent.body["response_format"] == "b64_json"
    assert (sent.body["quality"], sent.body["size"]) == ("standard", "1024x1024")
    assert result.cost == Decimal("0.040")
    assert result.metadata["revisedPrompt"] == "revised!"


def test_an_expired_url_is_a_clean_error_and_its_cost_is_recorded(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI
) -> None:
    svc = openai_service(make_service, fake_openai, openai_model="dall-e-3", max_retries=0)
    fake_openai.enqueue(Reply.url(fake_openai.serve_file("gone.png", b"", expired=True)))
    with pytest.raises(ProviderUnavailable, match=r"could not be downloaded.*403") as excinfo:
        svc.generate_daily_energy(COSMIC, {"sign": "aries", "energyLevel": 3})
    assert excinfo.value.billed_cost == Decimal("0.040")
    assert svc.repository.count(ImageRow) == 0
    (entry,) = ledger(svc)
    assert (entry.outcome, entry.cost, entry.image_id) == ("failed", Decimal("0.040"), None)


# --- retries, timeouts, the breaker ---------------------------------------------------------


def test_429_with_retry_after_is_retried_and_recorded_once(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI
) -> None:
    svc = openai_service(make_service, fake_openai)
    fake_openai.enqueue(
        Reply.error(429, "rate_limit_exceeded", "slow down", {"Retry-After": "1"}), Reply.image()
    )
    result = svc.generate_moon_ritual(UNIVERSE, MOON)
    first, second = fake_openai.generations()
    assert second.at - first.at >= 1.0
    assert svc.repository.count(ImageRow) == 1
    (entry,) = ledger(svc)
    assert (entry.outcome, entry.cost) == ("generated", result.cost)


def test_a_stalled_response_times_out_once_and_is_possibly_billed(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI
) -> None:
    svc = openai_service(make_service, fake_openai, request_timeout=1.0)
    fake_openai.enqueue(Reply(stall=30.0, body=Reply.image().body))
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="may have been billed") as excinfo:
        svc.generate_moon_ritual(UNIVERSE, MOON)
    assert time.monotonic() - started < 1.0 + 3.0
    assert excinfo.value.possibly_billed is True
    assert len(fake_openai.generations()) == 1  # sent once, never retried
    (entry,) = ledger(svc)
    assert (entry.outcome, entry.possibly_billed, entry.cost) == ("failed", True, Decimal(0))
    assert svc.repository.count(ImageRow) == 0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_500s_open_the_breaker_and_a_probe_closes_it(fake_openai: FakeImagesAPI) -> None:
    clock = FakeClock()
    breaker = CircuitBreakerProvider(
        make_provider(fake_openai), failure_threshold=5, cool_down=30, clock=clock
    )
    fake_openai.enqueue(*[Reply.error(500, "server_error", "boom")] * 5)
    for _ in range(5):
        with pytest.raises(ProviderUnavailable, match="server error 500"):
            breaker.generate(spec())
    assert breaker.state == "open"
    for _ in range(3):
        with pytest.raises(CircuitOpen):
            breaker.generate(spec())
    assert len(fake_openai.generations()) == 5  # failing fast: the server saw nothing more
    clock.now += 30
    assert breaker.state == "half_open"
    breaker.generate(spec())  # the probe succeeds (the default reply) ...
    assert breaker.state == "closed"  # ... and closes the circuit
    breaker.generate(spec())
    assert len(fake_openai.generations()) == 7


def test_a_failed_probe_opens_the_breaker_again(fake_openai: FakeImagesAPI) -> None:
    clock = FakeClock()
    breaker = CircuitBreakerProvider(
        make_provider(fake_openai), failure_threshold=2, cool_down=10, clock=clock
    )
    fake_openai.enqueue(*[Reply.error(503, None, "down")] * 3)
    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            breaker.generate(spec())
    clock.now += 10
    with pytest.raises(ProviderUnavailable, match="503"):
        breaker.generate(spec())
    assert breaker.state == "open"
    with pytest.raises(CircuitOpen):
        breaker.generate(spec())


def test_the_fallback_answers_while_the_breaker_is_open(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI
) -> None:
    svc = openai_service(
        make_service,
        fake_openai,
        max_retries=0,
        breaker_threshold=5,
        fallback_provider="procedural",
    )
    fake_openai.enqueue(*[Reply.error(500, "server_error", "boom")] * 5)
    results = [svc.generate_moon_ritual(UNIVERSE, MOON) for _ in range(7)]
    assert all(r.fallback and r.cost == 0 for r in results)
    assert not any(r.cached for r in results)  # a stand-in is never cached
    assert len(fake_openai.generations()) == 5  # calls 6 and 7 did not reach the server
    entries = ledger(svc)
    assert [e.outcome for e in entries].count("fallback") == 7
    # Calls 6 and 7 were refused by the open breaker: no request, so no "failed" cost row.
    assert [e.outcome for e in entries].count("failed") == 5
    assert sum(e.cost for e in entries) == 0


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["content_policy_violation", "moderation_blocked"])
def test_content_rejection_gives_no_image_and_no_cost(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI, code: str
) -> None:
    svc = openai_service(make_service, fake_openai)
    fake_openai.enqueue(Reply.error(400, code, "Your request was rejected by the safety system."))
    with pytest.raises(ContentRejected, match=code) as excinfo:
        svc.generate_moon_ritual(UNIVERSE, MOON)
    assert excinfo.value.__cause__ is not None  # the SDK's error is kept as the cause
    assert svc.repository.count(ImageRow) == 0
    (entry,) = ledger(svc)
    assert (entry.outcome, entry.cost) == ("rejected", Decimal(0))
    assert len(fake_openai.generations()) == 1


def test_a_rejected_key_is_a_configuration_error(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI
) -> None:
    svc = openai_service(make_service, fake_openai)
    fake_openai.enqueue(Reply.error(401, "invalid_api_key", "Incorrect API key provided"))
    with pytest.raises(ConfigurationError, match="API key was rejected"):
        svc.generate_moon_ritual(UNIVERSE, MOON)
    assert svc.repository.count(ImageRow) == 0
    assert [e.cost for e in ledger(svc)] == [Decimal(0)]
    assert len(fake_openai.generations()) == 1  # not retried


def test_an_unknown_model_at_the_endpoint_names_the_setting(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI
) -> None:
    svc = openai_service(make_service, fake_openai)
    fake_openai.enqueue(Reply.error(404, "model_not_found", "The model does not exist"))
    with pytest.raises(ConfigurationError, match=r"'gpt-image-2'.*COSMIC_IMAGES_OPENAI_MODEL"):
        svc.generate_moon_ritual(UNIVERSE, MOON)
    assert svc.repository.count(ImageRow) == 0
    assert [(e.outcome, e.cost) for e in ledger(svc)] == [("failed", Decimal(0))]


@pytest.mark.parametrize("model", ["dall-e-3", "dall-e-2", "gpt-image-1"])
def test_retired_models_are_refused_before_any_call(model: str) -> None:
    with pytest.raises(ConfigurationError, match=f"'{model}' was retired.*COSMIC_IMAGES_OPENAI"):
        OpenAIProvider.create(
            load_model_table().get(model),
            load_price_table(),
            api_key="sk-test",
            base_url=None,
            timeout=5,
            today=TODAY,
        )


def test_retiring_models_stop_on_their_date() -> None:
    table, prices = load_model_table(), load_price_table()
    assert table.get("gpt-image-1.5").retired(dt.date(2026, 11, 30)) is False
    with pytest.raises(ConfigurationError, match="retired on 2026-12-01"):
        OpenAIProvider.create(
            table.get("gpt-image-1.5"),
            prices,
            api_key="k",
            base_url=None,
            timeout=5,
            today=dt.date(2026, 12, 1),
        )


def test_unknown_or_unpriced_models_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="unknown image model 'dall-e-4'"):
        load_model_table().get("dall-e-4")
    with pytest.raises(ConfigurationError, match="no price for the image model"):
        OpenAIProvider.create(
            load_model_table().get("gpt-image-2.5-flare"),
            load_price_table(),
            api_key="k",
            base_url=None,
            timeout=5,
            today=TODAY,
        )


def test_no_key_is_a_configuration_error(make_service: ServiceFactory) -> None:
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        make_service(provider="openai", image_provider=None)


def test_auto_uses_openai_when_a_key_is_set(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI
) -> None:
    svc = make_service(
        openai_api_key="sk-test", openai_base_url=fake_openai.url, image_provider=None
    )
    assert svc.provider.name == "openai"
    svc.generate_moon_ritual(UNIVERSE, MOON)
    assert len(fake_openai.generations()) == 1


def test_connection_refused_is_retried_then_unavailable(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = OpenAIProvider.create(
        load_model_table().get("gpt-image-2"),
        load_price_table(),
        api_key="k",
        base_url=f"http://127.0.0.1:{port}/v1",
        timeout=2,
        today=TODAY,
    )
    delays: list[float] = []
    retrying = RetryingProvider(provider, max_retries=2, sleep=delays.append)
    with pytest.raises(ProviderUnavailable, match="gave up after 3 attempts") as excinfo:
        retrying.generate(spec())
    assert len(delays) == 2
    assert isinstance(excinfo.value.__cause__, ProviderUnavailable)


def test_a_prompt_over_the_model_limit_is_refused_locally(fake_openai: FakeImagesAPI) -> None:
    provider = make_provider(fake_openai, "dall-e-2")
    long = spec()
    long = PromptSpec(**{**{f: getattr(long, f) for f in long.__slots__}, "prompt": "x" * 1001})
    with pytest.raises(InvalidRequest, match="over dall-e-2's limit of 1000"):
        provider.generate(long)
    assert fake_openai.generations() == []


# --- exact cost ---------------------------------------------------------------------------------

# The seed's table and the DALL-E 3 tall/wide rows, in cents, written out independently of
# prices.toml: (model, product quality, aspect, expected size, cents).
PER_IMAGE = [
    ("dall-e-3", Quality.STANDARD, "square", "1024x1024", 4),
    ("dall-e-3", Quality.STANDARD, "portrait", "1024x1792", 8),
    ("dall-e-3", Quality.STANDARD, "landscape", "1792x1024", 8),
    ("dall-e-3", Quality.HD, "square", "1024x1024", 8),
    ("dall-e-3", Quality.HD, "portrait", "1024x1792", 12),
    ("dall-e-3", Quality.HD, "landscape", "1792x1024", 12),
    ("dall-e-2", Quality.STANDARD, "square", "1024x1024", 2),
    ("dall-e-2", Quality.HD, "landscape", "1024x1024", 2),  # one quality, one size
]


@pytest.mark.parametrize(("model", "quality", "aspect", "size", "cents"), PER_IMAGE)
def test_per_image_costs_match_the_table(
    fake_openai: FakeImagesAPI,
    model: str,
    quality: Quality,
    aspect: str,
    size: str,
    cents: int,
) -> None:
    provider = make_provider(fake_openai, model)
    base = spec(quality=quality)
    request = PromptSpec(**{**{f: getattr(base, f) for f in base.__slots__}, "aspect": aspect})
    fake_openai.enqueue(Reply.image(usage=None))
    image = provider.generate(request)
    assert fake_openai.generations()[-1].body["size"] == size
    assert image.cost == Decimal(cents) / 100


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (USAGE, token_cost(150, 10, 4160)),
        (
            {
                "input_tokens": 97,
                "output_tokens": 1056,
                "total_tokens": 1153,
                "input_tokens_details": {"text_tokens": 97, "image_tokens": 0},
            },
            token_cost(97, 0, 1056),
        ),
    ],
)
def test_token_costs_match_the_table(
    fake_openai: FakeImagesAPI, usage: dict[str, Any], expected: Decimal
) -> None:
    fake_openai.enqueue(Reply.image(usage=usage))
    image = make_provider(fake_openai).generate(spec())
    assert image.cost == expected
    assert round(image.cost, 2) == round(expected, 2)  # and so to the cent


def test_prices_file_overrides_and_extends(tmp_path: Path) -> None:
    extra = tmp_path / "prices.toml"
    extra.write_text(
        '[per_token."gpt-image-2.5-flare"]\ntext_input = "4"\n'
        'image_input = "6"\nimage_output = "20"\n'
        '[per_image."dall-e-3"]\n"standard 1024x1024" = "0.050"\n'
    )
    table = load_price_table(extra)
    assert table.knows("gpt-image-2.5-flare")
    assert table.image_price("dall-e-3", "standard", "1024x1024") == Decimal("0.050")
    with pytest.raises(ConfigurationError, match="no price for dall-e-3"):
        table.image_price("dall-e-3", "hd", "1024x1024")  # the file replaced the whole model


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[per_token."m"]\ntext_input = "1"\n', "needs image_input, image_output"),
        ('[per_image."m"]\n"1024x1024" = "0.1"\n', "QUALITY WIDTHxHEIGHT"),
        ('[per_image."m"]\n"hd 1x1" = 0.1\n', "decimal strings"),
        ('[per_image."m"]\n"hd 1x1" = "-1"\n', ">= 0"),
    ],
)
def test_bad_price_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=message):
        load_price_table(path)


# --- the wrappers on their own -------------------------------------------------------------------


class Flaky:
    name, model = "flaky", "flaky-1"

    def __init__(self, errors: list[ProviderUnavailable]) -> None:
        self.errors = errors
        self.calls = 0

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> Any:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return ProceduralProvider().generate(spec)


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    delays: list[float] = []
    flaky = Flaky(
        [ProviderUnavailable("a", retryable=True)] * 3
        + [ProviderUnavailable("b", retryable=True, retry_after=2.5)]
    )
    RetryingProvider(
        flaky, max_retries=4, base_delay=1.0, sleep=delays.append, jitter=lambda: 1.0
    ).generate(spec())
    assert delays == [1.0, 2.0, 4.0, 2.5]
    assert flaky.calls == 5


def test_retries_are_bounded_in_total_time() -> None:
    flaky = Flaky([ProviderUnavailable("later", retryable=True, retry_after=120)])
    with pytest.raises(ProviderUnavailable, match="gave up after 1 attempts"):
        RetryingProvider(flaky, max_total=60, sleep=lambda s: None).generate(spec())
    assert flaky.calls == 1


def test_possibly_billed_failures_are_never_retried() -> None:
    flaky = Flaky([ProviderUnavailable("timeout", possibly_billed=True)])
    with pytest.raises(ProviderUnavailable, match="timeout"):
        RetryingProvider(flaky, sleep=lambda s: None).generate(spec())
    assert flaky.calls == 1


def test_fallback_marks_the_image_and_carries_the_failure() -> None:
    failing = Flaky([ProviderUnavailable("down", billed_cost=Decimal("0.04"))])
    image = FallbackProvider(failing, ProceduralProvider()).generate(spec())
    assert image.fallback and image.cost == 0
    (failed,) = image.attempts  # typed, for the ledger; nothing rides in the metadata
    assert (failed.outcome, failed.cost, failed.provider) == ("failed", Decimal("0.04"), "flaky")
    assert "primaryFailure" not in image.metadata


def test_a_token_priced_answer_without_usage_keeps_the_image_and_flags_the_cost(
    make_service: ServiceFactory, fake_openai: FakeImagesAPI
) -> None:
    svc = openai_service(make_service, fake_openai)
    fake_openai.enqueue(Reply.image(usage=None))
    result = svc.generate_moon_ritual(UNIVERSE, MOON)
    assert Path(result.image_url.removeprefix("file://")).is_file()
    assert "costUnknown" not in result.metadata  # the ledger says so, typed
    (entry,) = ledger(svc)
    assert entry.outcome == "generated"
    assert entry.error == "cost unknown: the provider reported no usage"
