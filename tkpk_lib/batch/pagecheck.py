"""Open an HTML report in the headless browser, offline, and report what a reader would meet.

:func:`check_page` loads a report in the same headless Chromium the PDF export uses
(:class:`~tkpk_lib.batch.chromium.ChromiumPrinter`, Chrome DevTools Protocol over a pipe)
with the network switched off, waits until the charts are drawn, runs a script in the page
(clicks, typing) and returns its result with every console error, uncaught exception and
network request the page made. The browser tests of the interactive HTML use it.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tkpk_lib.batch.chromium import _READY_JS, ChromiumPrinter
from tkpk_lib.errors import ReportError


@dataclass
class PageCheck:
    """What :func:`check_page` saw.

    Attributes
    ----------
    result : object
        The value of the script run in the page (JSON-compatible).
    errors : list of str
        Console errors, uncaught exceptions and error log entries (failed loads).
    requests : list of str
        URLs the page asked for that are not ``file:``, ``data:`` or ``blob:``.
    """

    result: Any = None
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def _collect(events: list[dict[str, Any]], seen: PageCheck) -> None:
    """Move the console, exception, log and request events into ``seen``."""
    for msg in events:
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            det = params.get("exceptionDetails", {})
            seen.errors.append(f"exception: {det.get('exception', {}).get('description') or det.get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            seen.errors.append(f"console.{params['type']}: {args}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            seen.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(("file:", "data:", "blob:", "about:")):
                seen.requests.append(url)
    events.clear()


def check_page(html: str | Path, script: str = "null", *, timeout: float = 60.0,
               budget_ms: int = 10_000, browser: str | None = None, width: int = 1280,
               height: int = 900, screenshot: str | Path | None = None) -> PageCheck:
    """Load ``html`` offline in headless Chromium, run ``script`` and return what happened.

    Parameters
    ----------
    html : path
        The HTML file.
    script : str, default "null"
        A JavaScript expression evaluated after the page is drawn; it may return a promise.
        Its value (JSON-compatible) is :attr:`PageCheck.result`.
    timeout : float, default 60
        Seconds for the whole check.
    budget_ms : int, default 10000
        Longest wait for the charts to be drawn after the load event.
    browser : str, optional
        Browser executable; default :func:`~tkpk_lib.batch.browser.find_browser`.
    width, height : int, default 1280 x 900
        Size of the browser window (CSS pixels).
    screenshot : path, optional
        PNG of the window after the script ran.

    Returns
    -------
    PageCheck

    Raises
    ------
    ReportError
        No browser, the page did not load, or the script failed; names the file.

    Examples
    --------
    >>> check_page("reports/r1/1701_bengkulu_selatan/evaluasi_tahunan.html",
    ...            "document.title").errors  # doctest: +SKIP
    []
    """
    path = Path(html).resolve()
    seen = PageCheck()
    with ChromiumPrinter(browser) as page:
        deadline = time.monotonic() + timeout
        page._ensure_started()
        session = page._open_tab(deadline)
        for domain in ("Runtime.enable", "Log.enable", "Network.enable"):
            page._call(domain, session=session, deadline=deadline)
        page._call("Emulation.setDeviceMetricsOverride",
                   {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                   session=session, deadline=deadline)
        page._call("Network.emulateNetworkConditions",
                   {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
                   session=session, deadline=deadline)
        nav = page._call("Page.navigate", {"url": path.as_uri()}, session=session, deadline=deadline)
        if nav.get("errorText"):
            raise ReportError(f"{path}: the browser could not load the page ({nav['errorText']})")
        loaded = False
        while not loaded:
            msg = page._read_message(deadline)
            page._events.append(msg)
            params = msg.get("params", {})
            loaded = msg.get("method") == "Page.lifecycleEvent" and params.get("name") == "load"
        ready = _READY_JS.replace("BUDGET", str(int(budget_ms)))
        page._call("Runtime.evaluate", {"expression": ready, "awaitPromise": True, "returnByValue": True},
                   session=session, deadline=deadline)
        reply = page._call("Runtime.evaluate",
                           {"expression": f"(async () => JSON.stringify(await ({script})))()",
                            "awaitPromise": True, "returnByValue": True},
                           session=session, deadline=deadline)
        if "exceptionDetails" in reply:
            det = reply["exceptionDetails"]
            why = det.get("exception", {}).get("description") or det.get("text")
            raise ReportError(f"{path}: the check script failed: {why}")
        value = reply.get("result", {}).get("value")
        seen.result = json.loads(value) if isinstance(value, str) else None
        if screenshot is not None:
            shot = page._call("Page.captureScreenshot", {"format": "png"}, session=session, deadline=deadline)
            Path(screenshot).write_bytes(base64.b64decode(shot.get("data", "")))
        _collect(page._events, seen)
    return seen
