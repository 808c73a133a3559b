"""Hand-written Chrome DevTools Protocol client: one persistent headless browser that prints PDFs.

:class:`ChromiumPrinter` starts a Chromium-family browser with ``--remote-debugging-pipe``
and speaks the DevTools protocol over that pipe (JSON messages separated by NUL bytes on
file descriptors 3 and 4): one reused tab, ``Page.navigate`` to the print copy, a readiness
script (:data:`_READY_JS`), then ``Page.printToPDF``. A browser that cannot start, a print that
runs out of time and a tab that fails raise :class:`~tkpk_lib.errors.ReportError` naming the
report; a killed browser is restarted for the next print.

Why this is hand-written and not Playwright (issue 14 asks to consider Playwright with the
system Chromium, kept open per worker; the lead decides):

* Measured gain of the persistent browser (``benchmarks/bench_pdf.py``, README there,
  Chromium 156, 2-core machine): 2.6 s wall and 3.6 browser CPU-s per evaluation report for
  a fresh ``--print-to-pdf`` browser, against 0.57-0.75 s and 0.94 CPU-s per report through
  this client (11 reports of one province run: 1.09 s/report including the browser start).
  Playwright would reach the same gain only by also keeping one browser open per worker, and
  no more: it drives Chromium over the same kind of pipe, and the remaining ~0.85 CPU-s per
  report is Chromium's own work (renderer, print compositor; ``benchmarks/README.md``).
* What Playwright would need: the ``playwright`` package (165 MB installed through
  ``nbconvert[webpdf]`` in the export notes, with a bundled Node.js driver that runs as one
  more process per worker) and ``chromium.launch(executable_path=...)`` pointed at
  :func:`~tkpk_lib.batch.browser.find_browser`'s result, since ``playwright install`` cannot
  download its own browser offline (``shared/reference/report-export-notes.md``: "Failed to
  download Chrome for Testing") and Playwright supports only its pinned Chromium build,
  whereas TKPK machines have whatever Debian Chromium, Chrome or Edge is installed. The run's
  interrupt guarantees (a worker whose parent is killed kills its browser and removes its
  profile within a second; Ctrl-C kills every browser: :mod:`tkpk_lib.batch.interrupts`,
  ``tests/test_interrupt.py``) would have to be rebuilt around the Node driver's process
  tree. Not measured here: playwright is not installed in this environment (no new
  dependency was added in the layout step).
* The client is about 500 lines with its own tests (``tests/test_export.py``: a killed
  browser restarted, budget and timeout, missing browser and page errors, fall-back without
  the pipe, the browser dying with its process).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tkpk_lib.batch.browser import (
    _base_flags,
    _drop_profile,
    _new_profile,
    find_browser,
    pipe_supported,
)
from tkpk_lib.batch.files import atomic_path
from tkpk_lib.errors import ReportError


class _BrowserGone(Exception):
    """The browser closed the pipe or exited (restartable)."""


class _PrintTimeout(Exception):
    """No reply before the deadline."""


class _TabGone(Exception):
    """The printing tab crashed or was closed (a new tab is opened)."""


#: DevTools error code of a command sent to a session that no longer exists.
_NO_SESSION = -32001


#: Runs in the page after the load event: fonts loaded, plotly figures drawn (when the
#: print copy keeps them), two animation frames painted; at most BUDGET ms.
_READY_JS = """
(async () => {
  const ready = (async () => {
    if (document.readyState !== 'complete') {
      await new Promise(r => window.addEventListener('load', r, {once: true}));
    }
    if (document.fonts) { await document.fonts.ready; }
    const graphs = Array.from(document.querySelectorAll('.plotly-graph-div'));
    while (window.Plotly && graphs.some(g => !g._fullLayout)) {
      await new Promise(r => setTimeout(r, 20));
    }
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    return 'ready';
  })();
  const budget = new Promise(r => setTimeout(() => r('budget'), BUDGET));
  return await Promise.race([ready, budget]);
})()
"""


class ChromiumPrinter:
    """One headless Chromium kept running to print many HTML files to PDF.

    The browser is started on the first print with ``--headless --remote-debugging-pipe``
    and driven through the Chrome DevTools Protocol: commands go to its file descriptor 3,
    replies come from 4, each a JSON message ending in a NUL byte. One tab
    (``Target.createTarget``) serves all prints: each print navigates it to the
    ``file://`` URL, waits for that navigation's load event, fonts and two painted frames,
    and calls ``Page.printToPDF`` (CSS page size, background, no browser header/footer). Page numbers come from the page's own
    ``@page`` margin boxes, as with ``--print-to-pdf``.

    Robustness: a print that takes longer than its timeout kills the browser (its whole
    process group) and raises :class:`ReportError`; a browser that died between prints
    (or whose pipe broke) is started again and the print retried once, as is a print whose
    tab crashed (in a new tab); a process that
    forked gets its own browser. The browser exits by itself when this process dies,
    because its command pipe is closed then. Its profile lives in
    ``<temp>/tkpk-chromium/<pid>-*``: removed by :meth:`close` and :meth:`abort`, and a
    profile whose process was killed is removed by the next printer that starts. One print at a time (a lock); other threads
    wait.

    Parameters
    ----------
    browser : str, optional
        Browser executable; default :func:`find_browser`.
    tagged : bool, default True
        Tagged (accessible) PDF, as ``--print-to-pdf`` writes; ``False`` is ~0.1 s
        faster per report and ~35% smaller, but screen readers lose the structure.
    startup_timeout : float, default 60
        Seconds the browser may take to start and answer.

    Examples
    --------
    >>> with ChromiumPrinter() as printer:  # doctest: +SKIP
    ...     for name in ["a", "b"]:
    ...         html_to_pdf(f"{name}.html", f"{name}.pdf", printer=printer)
    """

    def __init__(
        self, browser: str | None = None, *, tagged: bool = True, startup_timeout: float = 60.0
    ) -> None:
        self.browser = browser or find_browser()
        self.tagged = tagged
        self.startup_timeout = startup_timeout
        self._target: str | None = None
        self._session: str | None = None
        self._lock = threading.RLock()
        self._pid: int | None = None
        self._owner = os.getpid()
        self._cmd_fd = -1
        self._reply_fd = -1
        self._profile: str | None = None
        self._buf = bytearray()
        self._events: list[dict[str, Any]] = []
        self._next_id = 0
        #: Browser starts so far (1 after the first print, more after restarts).
        self.launches = 0

    # -- process ------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """Process id of the running browser, ``None`` when none runs."""
        return self._pid if self._owner == os.getpid() else None

    def alive(self) -> bool:
        """Whether the browser process of this printer is running.

        Returns
        -------
        bool
        """
        if self._pid is None or self._owner != os.getpid():
            return False
        try:
            done, _status = os.waitpid(self._pid, os.WNOHANG)
        except ChildProcessError:
            done = self._pid
        if done:
            self._forget()
            return False
        return True

    def _forget(self) -> None:
        """Drop the pipe and pid (the process is gone or belongs to the parent of a fork)."""
        for fd in (self._cmd_fd, self._reply_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._cmd_fd = self._reply_fd = -1
        self._pid = None
        self._target = self._session = None
        self._buf.clear()
        self._events.clear()

    def _launch(self) -> None:
        import fcntl

        if not self.browser:
            raise ReportError(
                "no Chromium-family browser found to print PDF reports: install chromium "
                "(Debian: apt-get install chromium), Google Chrome or Microsoft Edge, or set "
                "TKPK_BROWSER to the browser's path"
            )
        if not pipe_supported():
            raise ReportError(
                "ChromiumPrinter needs --remote-debugging-pipe (Linux/macOS); on this system "
                "html_to_pdf prints with one browser run per report"
            )
        if self._profile is None or self._owner != os.getpid():
            self._profile = _new_profile()
        self._owner = os.getpid()
        user_data = os.path.join(self._profile, "profile")
        shutil.rmtree(user_data, ignore_errors=True)  # a fresh profile after a crash or kill
        argv = [self.browser, *_base_flags(user_data)]
        argv += ["--remote-debugging-pipe", "about:blank"]
        cmd_r, cmd_w = os.pipe()
        reply_r, reply_w = os.pipe()
        devnull = os.open(os.devnull, os.O_RDWR)
        log = os.open(os.path.join(self._profile, "stderr.log"),
                      os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        # copies at fd >= 10 (close-on-exec), so that mapping them onto 0-4 never
        # overwrites a source; dup2 in the child clears close-on-exec on the targets
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (devnull, log, cmd_r, reply_w)]
        actions = [
            (os.POSIX_SPAWN_DUP2, high[0], 0),
            (os.POSIX_SPAWN_DUP2, high[0], 1),
            (os.POSIX_SPAWN_DUP2, high[1], 2),
            (os.POSIX_SPAWN_DUP2, high[2], 3),
            (os.POSIX_SPAWN_DUP2, high[3], 4),
        ]
        try:
            # own process group: a timeout kills renderers too, and Ctrl-C in a terminal
            # reaches this process, which then closes the pipe
            # the browser's own temporary files go into the profile, removed with it
            tmp_dir = os.path.join(self._profile, "t")
            os.makedirs(tmp_dir, exist_ok=True)
            env = {**os.environ, "TMPDIR": tmp_dir}
            pid = os.posix_spawnp(argv[0], argv, env, file_actions=actions, setpgroup=0)
        except OSError as exc:
            for fd in (cmd_r, cmd_w, reply_r, reply_w):
                os.close(fd)
            self._remove_profile()
            raise ReportError(f"cannot start browser {self.browser!r} ({exc})") from exc
        finally:
            for fd in (devnull, log, *high):
                os.close(fd)
        os.close(cmd_r)
        os.close(reply_w)
        self._pid, self._cmd_fd, self._reply_fd = pid, cmd_w, reply_r
        self._buf.clear()
        self._events.clear()
        self.launches += 1
        try:
            self._call("Browser.getVersion", deadline=time.monotonic() + self.startup_timeout)
        except (_BrowserGone, _PrintTimeout) as exc:
            tail = self._stderr_tail()
            self._kill()
            self._remove_profile()
            raise ReportError(
                f"browser {self.browser} did not start with --remote-debugging-pipe "
                f"({type(exc).__name__}): {tail}"
            ) from exc

    def _stderr_tail(self, lines: int = 3) -> str:
        if not self._profile:
            return ""
        try:
            text = Path(self._profile, "stderr.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def _kill(self) -> None:
        """Kill the browser's process group and reap it."""
        pid = self._pid
        if pid is None or self._owner != os.getpid():
            self._forget()
            return
        self._forget()
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
                break
            except (ProcessLookupError, PermissionError):
                continue
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    def start(self, *, wait: bool = True) -> None:
        """Start the browser now instead of at the first print (idempotent).

        Parameters
        ----------
        wait : bool, default True
            ``False``: start it in a background thread and return at once, so the ~0.5-1 s
            start overlaps other work (a notebook running); a failure there is not raised,
            the next print tries again and reports it.

        Examples
        --------
        >>> shared_printer().start(wait=False)  # doctest: +SKIP
        """
        if not wait:
            threading.Thread(target=self._start_quietly, name="tkpk-printer-start",
                             daemon=True).start()
            return
        with self._lock:
            self._ensure_started()

    def _start_quietly(self) -> None:
        try:
            self.start()
        except Exception:  # noqa: BLE001 - reported by the next print
            pass

    def _ensure_started(self) -> None:
        if self._owner != os.getpid():  # forked: the browser and pipe belong to the parent
            self._forget()
            self._profile = None
        if not self.alive():
            self._launch()

    # -- protocol -------------------------------------------------------------------------
    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = memoryview(json.dumps(msg).encode("utf-8") + b"\0")
        try:
            while data:
                data = data[os.write(self._cmd_fd, data) :]
        except OSError as exc:  # BrokenPipeError, EBADF: the browser is gone
            raise _BrowserGone(str(exc)) from exc
        return self._next_id

    def _read_message(self, deadline: float) -> dict[str, Any]:
        scanned = 0  # bytes of the buffer known to hold no NUL (a PDF reply is megabytes)
        while True:
            end = self._buf.find(b"\0", scanned)
            if end >= 0:
                raw = bytes(self._buf[:end])
                del self._buf[: end + 1]
                return json.loads(raw)
            scanned = len(self._buf)
            left = deadline - time.monotonic()
            if left <= 0:
                raise _PrintTimeout()
            try:
                # poll, not select: select fails on descriptors above 1023
                poller = select.poll()
                poller.register(self._reply_fd, select.POLLIN)
                if not poller.poll(max(1, int(left * 1000))):
                    raise _PrintTimeout()
                chunk = os.read(self._reply_fd, 1 << 20)
            except OSError as exc:
                raise _BrowserGone(str(exc)) from exc
            if not chunk:
                raise _BrowserGone("pipe closed")
            self._buf += chunk

    def _call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        *,
        deadline: float,
    ) -> dict[str, Any]:
        """Send a command, wait for its reply; events that arrive meanwhile are queued."""
        msg_id = self._send(method, params, session)
        while True:
            msg = self._read_message(deadline)
            if msg.get("id") == msg_id:
                if "error" in msg:
                    err = msg["error"]
                    text = f"{method}: {err.get('message', err)}"
                    if session and err.get("code") == _NO_SESSION:
                        raise _TabGone(text)
                    raise RuntimeError(text)
                return msg.get("result", {})
            if "method" in msg:
                self._events.append(msg)

    def _wait_event(
        self,
        method: str,
        session: str,
        match: Callable[[dict[str, Any]], bool] = lambda _p: True,
        *,
        deadline: float,
    ) -> dict[str, Any]:
        """Wait for an event of a session; earlier queued events are discarded."""
        while True:
            while self._events:
                msg = self._events.pop(0)
                if msg.get("sessionId") == session:
                    if msg["method"] == "Inspector.targetCrashed":
                        raise _TabGone("the page crashed")
                    if msg["method"] == method and match(msg.get("params", {})):
                        return msg.get("params", {})
            msg = self._read_message(deadline)
            if "method" in msg:
                self._events.append(msg)

    # -- printing -------------------------------------------------------------------------
    def print_file(
        self,
        html: str | Path,
        pdf: str | Path,
        *,
        timeout: float = 180,
        budget_ms: int = 10_000,
        label: str | Path | None = None,
    ) -> Path:
        """Print an HTML file as it is to a PDF (written atomically).

        :func:`html_to_pdf` prepares the print copy (stylesheet, no plotly) and calls this.

        Parameters
        ----------
        html : path
            HTML file to load (``file://``).
        pdf : path
            PDF file to write.
        timeout : float, default 180
            Seconds for the whole print (load, scripts, PDF); then the browser is killed.
        budget_ms : int, default 10000
            Longest wait for fonts and drawing scripts after the load event.
        label : path, optional
            File named in error messages (default ``html``).

        Returns
        -------
        pathlib.Path
            The PDF path.

        Raises
        ------
        ReportError
            Timeout, browser crash (twice), page error or an empty PDF.

        Examples
        --------
        >>> with ChromiumPrinter() as printer:  # doctest: +SKIP
        ...     printer.print_file("page.html", "page.pdf", timeout=30)
        """
        html, pdf = Path(html).resolve(), Path(pdf)
        label = label or html
        with self._lock:
            for attempt in (1, 2):
                deadline = time.monotonic() + timeout
                self._ensure_started()
                try:
                    data = self._print_once(html.as_uri(), deadline, budget_ms)
                    break
                except _PrintTimeout as exc:
                    self._kill()
                    raise ReportError(
                        f"{label}: browser did not finish printing in {timeout} s"
                    ) from exc
                except _BrowserGone as exc:
                    tail = self._stderr_tail()
                    self._kill()
                    if attempt == 2:
                        raise ReportError(
                            f"{label}: browser {self.browser} exited while printing ({exc}): {tail}"
                        ) from exc
                except _TabGone as exc:
                    self._drop_tab()
                    if attempt == 2:
                        raise ReportError(f"{label}: browser tab failed while printing ({exc})") from exc
                except RuntimeError as exc:
                    self._drop_tab()
                    raise ReportError(f"{label}: browser could not print the page: {exc}") from exc
        if not data:
            raise ReportError(f"{label}: browser {self.browser} wrote an empty PDF")
        with atomic_path(pdf) as tmp:
            tmp.write_bytes(data)
        return pdf

    def _open_tab(self, deadline: float) -> str:
        """The session of the printing tab, opened on first use (one tab for all prints).

        Reusing the tab keeps its renderer process: a new tab per print costs ~0.3 s of CPU
        for a fresh renderer. Each print is a new navigation, so no page state carries over.
        """
        if self._session is None:
            target = self._call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)
            self._target = target["targetId"]
            self._session = self._call(
                "Target.attachToTarget", {"targetId": self._target, "flatten": True},
                deadline=deadline,
            )["sessionId"]
            self._call("Page.enable", session=self._session, deadline=deadline)
            self._call("Page.setLifecycleEventsEnabled", {"enabled": True},
                       session=self._session, deadline=deadline)
        return self._session

    def _drop_tab(self) -> None:
        """Close the printing tab (best effort); the next print opens a new one."""
        target, self._target, self._session = self._target, None, None
        if target and self.alive():
            try:
                self._call("Target.closeTarget", {"targetId": target},
                           deadline=time.monotonic() + 5)
            except (RuntimeError, _TabGone, _BrowserGone, _PrintTimeout):
                pass

    def _print_once(self, url: str, deadline: float, budget_ms: int) -> bytes:
        self._events.clear()
        session = self._open_tab(deadline)
        nav = self._call("Page.navigate", {"url": url}, session=session, deadline=deadline)
        if nav.get("errorText"):
            raise RuntimeError(f"cannot load {url}: {nav['errorText']}")
        # the load event of this navigation, not of an earlier page of the tab
        loader = nav.get("loaderId")
        self._wait_event(
            "Page.lifecycleEvent",
            session,
            lambda p: p.get("name") == "load" and (not loader or p.get("loaderId") == loader),
            deadline=deadline,
        )
        self._call(
            "Runtime.evaluate",
            {
                "expression": _READY_JS.replace("BUDGET", str(int(budget_ms))),
                "awaitPromise": True,
                "returnByValue": True,
            },
            session=session,
            deadline=deadline,
        )
        result = self._call(
            "Page.printToPDF",
            {
                "printBackground": True,
                "preferCSSPageSize": True,
                "displayHeaderFooter": False,
                "generateTaggedPDF": self.tagged,
            },
            session=session,
            deadline=deadline,
        )
        return base64.b64decode(result.get("data", ""))

    # -- lifetime -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the browser (politely, then by force) and remove its temporary profile.

        Safe to call twice; the next print starts a new browser. In a forked child it
        only forgets the parent's browser.
        """
        with self._lock:
            if self._owner != os.getpid():
                self._forget()
                return
            if self.alive():
                try:
                    self._send("Browser.close", None, None)
                    stop = time.monotonic() + 5
                    while time.monotonic() < stop and self.alive():
                        time.sleep(0.02)
                except _BrowserGone:
                    pass
            self._kill()
            self._remove_profile()

    def _remove_profile(self) -> None:
        if self._profile:
            _drop_profile(self._profile)
            self._profile = None

    def abort(self) -> None:
        """Kill the browser at once and remove its profile (interrupt, dead parent).

        Takes no lock (a print may hold it): for a signal handler or a watchdog thread.
        """
        pid, profile = self._pid, self._profile
        if pid is not None and self._owner == os.getpid():
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                    break
                except (ProcessLookupError, PermissionError):
                    continue
        if profile and self._owner == os.getpid():
            _drop_profile(profile)

    def __enter__(self) -> ChromiumPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
