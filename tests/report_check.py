"""Open a report page in headless Chromium (the Debian package) and count the
charts plotly drew."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError("headless Chromium is needed to check the report: "
                         "apt-get install chromium (.ci/run does it)")


def rendered_charts(page: Path) -> tuple[int, int]:
    """(chart containers in the page, containers in which plotly drew an SVG)."""
    dom = subprocess.run(
        [browser(), "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000",
         "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120).stdout
    starts = [m.start() for m in re.finditer(r'class="plotly-graph-div', dom)]
    drawn = 0
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(dom)
        drawn += 'class="main-svg"' in dom[start:end]
    return len(starts), drawn
