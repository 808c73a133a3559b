"""Finding and starting a Chromium-family browser: executable, flags, profiles.

:func:`find_browser` looks for Debian ``chromium``, Google Chrome or Microsoft Edge;
:func:`pipe_supported` says whether the DevTools pipe can be set up on this platform; each
browser gets a temporary profile named after the owning process, and :func:`sweep_profiles`
removes those of processes that are gone.
"""

from __future__ import annotations

import os
import select
import shutil
import sys
import tempfile
from pathlib import Path

BROWSER_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "msedge",
)
_WINDOWS_PATHS = (
    r"%ProgramFiles(x86)%\Microsoft\Edge\Application\msedge.exe",
    r"%ProgramFiles%\Microsoft\Edge\Application\msedge.exe",
    r"%ProgramFiles%\Google\Chrome\Application\chrome.exe",
    r"%ProgramFiles(x86)%\Google\Chrome\Application\chrome.exe",
    r"%LocalAppData%\Google\Chrome\Application\chrome.exe",
    r"%LocalAppData%\Chromium\Application\chrome.exe",
)
_MAC_PATHS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)


def find_browser() -> str | None:
    """Find a Chromium-family browser for printing HTML to PDF.

    Order: ``$TKPK_BROWSER`` (or ``$REPORT_BROWSER``), then ``chromium``, ``chromium-browser``,
    ``google-chrome``, ``chrome``, ``msedge`` on ``PATH``, then the usual install folders of
    Edge/Chrome on Windows and Chrome/Chromium/Edge on macOS.

    Returns
    -------
    str or None
        Path of the browser executable, ``None`` when none is found.

    Examples
    --------
    >>> find_browser()  # doctest: +SKIP
    '/usr/bin/chromium'
    """
    for var in ("TKPK_BROWSER", "REPORT_BROWSER"):
        value = os.environ.get(var)
        if value:
            return value
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    candidates = _WINDOWS_PATHS if sys.platform.startswith("win") else _MAC_PATHS
    for raw in candidates:
        path = os.path.expandvars(raw)
        if os.path.isfile(path):
            return path
    return None


def _base_flags(profile: str) -> list[str]:
    """Command-line flags shared by the one-shot and the persistent browser."""
    flags = [
        "--headless",
        "--disable-gpu",
        # no phoning home, no first-run work: faster and identical offline
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--disable-breakpad",
        "--metrics-recording-only",
        "--no-first-run",
        "--no-default-browser-check",
        "--mute-audio",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to start sandboxed as root (containers, CI)
        flags.insert(0, "--no-sandbox")
    return flags


def _browser_args(browser: str, profile: str, pdf: Path, url: str, budget_ms: int) -> list[str]:
    return [
        browser,
        *_base_flags(profile),
        "--no-pdf-header-footer",
        f"--virtual-time-budget={budget_ms}",
        f"--print-to-pdf={pdf}",
        url,
    ]


def pipe_supported() -> bool:
    """Whether :class:`ChromiumPrinter` can run here (``--remote-debugging-pipe``).

    The browser reads DevTools commands from file descriptor 3 and writes replies to 4.
    That needs ``posix_spawn`` with descriptor mapping (Linux, macOS). On Windows the pipe
    is passed as inherited handles, which Python's ``subprocess`` cannot place where
    Chromium looks for them, so Windows prints with one browser run per report.

    Returns
    -------
    bool

    Examples
    --------
    >>> pipe_supported()  # doctest: +SKIP
    True
    """
    if sys.platform.startswith("win") or not hasattr(os, "posix_spawnp"):
        return False
    if not hasattr(select, "poll"):  # pragma: no cover - old macOS Pythons
        return False
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX
        return False
    return hasattr(fcntl, "F_DUPFD_CLOEXEC") and hasattr(os, "POSIX_SPAWN_DUP2")


#: Folder (under the system temporary folder) holding the browser profiles, one per printer,
#: named ``<pid>-<random>`` after the process that owns it.
PROFILE_DIR = "tkpk-chromium"


def _profile_root() -> Path:
    """Where profiles go: the temporary folder, or ``/tmp`` when its path is too long.

    A long temporary folder path makes Chromium's socket path
    (``<TMPDIR>/org.chromium.Chromium.XXXXXX/SingletonSocket``, at most 107 bytes) not fit:
    the browser then dies at start.
    """
    base = tempfile.gettempdir()
    if os.name == "posix" and len(base) > 40 and os.path.isdir("/tmp"):
        base = "/tmp"
    return Path(base) / PROFILE_DIR


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def sweep_profiles() -> int:
    """Remove browser profiles left by processes that no longer run (killed workers).

    Returns
    -------
    int
        Profiles removed.

    Examples
    --------
    >>> sweep_profiles() >= 0
    True
    """
    root = _profile_root()
    n = 0
    try:
        entries = list(root.iterdir())
    except OSError:
        return 0
    for entry in entries:
        owner = entry.name.split("-", 1)[0]
        if owner.isdigit() and int(owner) != os.getpid() and not _pid_alive(int(owner)):
            shutil.rmtree(entry, ignore_errors=True)
            n += 1
    try:
        root.rmdir()  # only when empty
    except OSError:
        pass
    return n


def _new_profile() -> str:
    """A fresh profile folder for a browser of this process (stale ones are swept first)."""
    sweep_profiles()
    root = _profile_root()
    root.mkdir(exist_ok=True)
    return tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root)


def _drop_profile(profile: str) -> None:
    shutil.rmtree(profile, ignore_errors=True)
    try:
        Path(profile).parent.rmdir()  # the shared root, when no other profile is left
    except OSError:
        pass
