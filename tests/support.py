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
