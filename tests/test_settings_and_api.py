"""Settings from the environment, the error contract, and the locked public surface."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import ValidationError

import cosmic_images
from cosmic_images import errors
from cosmic_images.settings import Settings, mask_url


def test_defaults(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COSMIC_IMAGES_DATA_DIR")
    s = Settings()
    assert s.data_dir == Path(".cosmic-images")
    assert (
        s.effective_database_url == f"sqlite:///{Path('.cosmic-images').resolve()}/cosmic-images.db"
    )
    assert (s.provider, s.effective_provider) == ("auto", "procedural")
    assert s.effective_cache_url == "sql"
    assert s.timezone == "America/New_York" and s.request_timeout == 25
    assert s.enable_image_generation is True and s.should_auto_migrate is True
    assert s.openai_model == "gpt-image-2"


def test_environment_names_of_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:hunter2@db/cosmic")
    monkeypatch.setenv("REDIS_URL", "redis://:pw@cache:6379/0")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-abcdefghijklmnop")
    monkeypatch.setenv("COSMIC_IMAGES_OPENAI_MODEL", "gpt-image-2.5-flare")
    monkeypatch.setenv("ENABLE_IMAGE_GENERATION", "false")
    monkeypatch.setenv("COSMIC_IMAGES_TIMEZONE", "Europe/London")
    monkeypatch.setenv("COSMIC_IMAGES_REQUEST_TIMEOUT", "12.5")
    s = Settings()
    assert s.effective_provider == "openai"
    assert s.effective_cache_url == "redis://:pw@cache:6379/0"
    assert s.should_auto_migrate is False
    assert (s.openai_model, s.enable_image_generation, s.request_timeout) == (
        "gpt-image-2.5-flare",
        False,
        12.5,
    )
    described = s.describe()
    text = repr(described)
    assert "hunter2" not in text and "abcdefghijklmnop" not in text and ":pw@" not in text
    assert described["openaiApiKey"] == "****mnop"
    assert described["databaseUrl"] == "postgresql://app:****@db/cosmic"


def test_dotenv_file_is_read(isolated_env: Path) -> None:
    Path(".env").write_text("COSMIC_IMAGES_PROVIDER=procedural\nCOSMIC_IMAGES_CACHE_TTL=60\n")
    s = Settings()
    assert s.provider == "procedural" and s.cache_ttl.total_seconds() == 60


@pytest.mark.parametrize(
    ("field", "value"),
    [("timezone", "Mars/Olympus"), ("request_timeout", 0), ("share_url_template", "/share/x")],
)
def test_bad_settings_are_refused(field: str, value: object) -> None:
    arguments: dict[str, Any] = {field: value}
    with pytest.raises(ValidationError):
        Settings(**arguments)


def test_mask_url_leaves_passwordless_urls_alone() -> None:
    assert mask_url("sqlite:///x.db") == "sqlite:///x.db"
    assert mask_url("redis://u:p@h:1/0") == "redis://u:****@h:1/0"


ERROR_TABLE = [
    ("InvalidRequest", "invalid_request", 422),
    ("NotEntitled", "not_entitled", 403),
    ("QuotaExceeded", "quota_exceeded", 429),
    ("NotFound", "not_found", 404),
    ("GenerationDisabled", "generation_disabled", 503),
    ("BudgetExceeded", "budget_exceeded", 503),
    ("ContentRejected", "content_rejected", 422),
    ("ProviderUnavailable", "provider_unavailable", 502),
    ("ConfigurationError", "configuration_error", 500),
]


@pytest.mark.parametrize(("name", "code", "status"), ERROR_TABLE)
def test_error_contract(name: str, code: str, status: int) -> None:
    cls = getattr(cosmic_images, name)
    assert issubclass(cls, errors.CosmicImagesError)
    assert (cls.code, cls.http_status) == (code, status)
    error = cls("it went wrong")
    assert error.to_api() == {"success": False, "error": {"code": code, "message": "it went wrong"}}


def test_error_extras_in_json() -> None:
    import datetime as dt

    resets = dt.datetime(2025, 1, 27, 5, tzinfo=dt.UTC)
    assert errors.QuotaExceeded("x", resets_at=resets).to_dict()["resetsAt"] == resets.isoformat()
    assert errors.InvalidRequest("x", field="sign").to_dict()["field"] == "sign"


def test_public_api_is_locked() -> None:
    exported = cosmic_images.__all__
    assert exported == sorted(exported)
    for name in exported:
        assert hasattr(cosmic_images, name), name
    public = {
        name
        for name in dir(cosmic_images)
        if not name.startswith("_") and not isinstance(getattr(cosmic_images, name), ModuleType)
    }
    assert public == set(exported) - {"__version__"}
