"""A real, headless Chromium for the page tests (the system's; Playwright's download is not
needed). Under CI (`CI=true`) a missing Chromium fails the run; elsewhere the tests skip."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.conftest import service_missing

# A busy machine (a CI runner, a training run beside the tests) answers slowly, not wrongly.
expect.set_options(timeout=15_000)

CHROMIUM = Path(os.environ.get("REKAP_TEST_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        service_missing(f"no Chromium at {CHROMIUM} (set REKAP_TEST_CHROMIUM to its path)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        await browser.close()


@pytest.fixture
async def desktop(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=DESKTOP, locale="id-ID")
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="id-ID"
    )
    yield await context.new_page()
    await context.close()
