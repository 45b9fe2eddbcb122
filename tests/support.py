"""A provider for subprocess tests, loaded by import path: it logs each call to a file."""

from __future__ import annotations

import os

from cosmic_images.prompts.spec import PromptSpec
from cosmic_images.providers import GeneratedImage, ProceduralProvider, ProviderConfig


class LoggingProvider(ProceduralProvider):
    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        with open(os.environ["COSMIC_TEST_CALLS_FILE"], "a", encoding="utf-8") as log:
            log.write(f"{spec.category}\n")
        return super().generate(spec, end_user=end_user)


def logging_provider(config: ProviderConfig) -> LoggingProvider:
    return LoggingProvider()


class RecordingProvider:
    """A remote-looking provider for worker tests: it appends when each call started (and
    what it drew) to a file, takes a little while, then draws procedurally."""

    name, model, remote = "recording", "recording-1", True

    def __init__(self) -> None:
        self._draw = ProceduralProvider()

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        import fcntl
        import json
        import time

        started = time.time()
        with open(os.environ["COSMIC_TEST_CALLS_FILE"], "a", encoding="utf-8") as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            log.write(
                json.dumps({"at": started, "sign": spec.identity.get("sign"), "pid": os.getpid()})
                + "\n"
            )
        time.sleep(0.2)
        image = self._draw.generate(spec, end_user=end_user)
        return GeneratedImage(
            data=image.data,
            width=image.width,
            height=image.height,
            model=self.model,
            provider=self.name,
        )


def recording_provider(config: ProviderConfig) -> RecordingProvider:
    return RecordingProvider()


class FireSignsDown(ProceduralProvider):
    """Fails for Aries and Leo (while COSMIC_TEST_FIRE_DOWN is set), draws the rest."""

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        if os.environ.get("COSMIC_TEST_FIRE_DOWN") and spec.identity.get("sign") in (
            "aries",
            "leo",
        ):
            from cosmic_images import ContentRejected

            raise ContentRejected("refused for this test")
        return super().generate(spec, end_user=end_user)


def fire_signs_down(config: ProviderConfig) -> FireSignsDown:
    return FireSignsDown()
