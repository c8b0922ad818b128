"""Headless Chromium for tests: Debian's /usr/bin/chromium driven by playwright.

The browser is never downloaded (``playwright install`` cannot reach its servers here): the
tests launch the system Chromium that ``.ci/install-browser`` installs. A missing browser skips
the test on a developer's machine, but fails it when ``ALIGNMENT_STUDIO_REQUIRE_BROWSER`` is set,
as CI does, so a broken install cannot pass as a skipped test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Dialog, Error, Page, Request

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_ENV = "ALIGNMENT_STUDIO_REQUIRE_BROWSER"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class BrowserPage:
    """A page and everything it did that a test may want to forbid."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def require_chromium() -> None:
    """Skip (or, with ALIGNMENT_STUDIO_REQUIRE_BROWSER set, fail) when there is no browser."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (install it with .ci/install-browser)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (the dev extra)")
    if not missing:
        return
    reason = "headless browser test needs " + " and ".join(missing)
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason}; {REQUIRE_ENV} is set, so this is an error", pytrace=False)
    pytest.skip(reason)


@contextmanager
def chromium_page(width: int = 1280, height: int = 900) -> Iterator[BrowserPage]:
    """A fresh page in headless Chromium that records console errors, uncaught page errors,
    every network request (file:// included) and every dialog (dismissed)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            seen = BrowserPage(context.new_page())
            _record(seen)
            yield seen
        finally:
            browser.close()


def _record(seen: BrowserPage) -> None:
    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.console_errors.append(message.text)

    def on_request(request: Request) -> None:
        seen.requests.append(request.url)

    def on_page_error(error: Error) -> None:
        seen.page_errors.append(str(error))

    def on_dialog(dialog: Dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    seen.page.on("console", on_console)
    seen.page.on("pageerror", on_page_error)
    seen.page.on("dialog", on_dialog)
    seen.page.context.on("request", on_request)
