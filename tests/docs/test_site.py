"""The built site (`make docs`) opened in a real browser: every page loads with no console error
and no failed request, every image on it is decoded and non-empty, no directive is left
unrendered as text, and the search finds words (opt-in: `make test-docs`, after `make docs`).

Debian's chromium runs headless and is driven through the Chrome DevTools protocol
(`--remote-debugging-port`, websocket-client); it is installed with apt-get where missing (root),
else the test is skipped saying why, as tests/cluster does for SLURM.  The pages are served over
HTTP from the built folder, as a host would serve them.
"""

from __future__ import annotations

import functools
import http.server
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.docs

SITE = Path(__file__).resolve().parents[2] / "docs" / "_build" / "html"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-allow-origins=*", "--remote-debugging-port=0", "--window-size=1280,900")
LOAD_TIMEOUT = 30.0

# every <img> made eager, then waited for: [src of each one decoded empty or broken]
EMPTY_IMAGES = """
(async () => {
  const imgs = [...document.images];
  await Promise.all(imgs.map(img => {
    img.loading = "eager";
    if (img.complete) return null;
    return new Promise(r => { img.addEventListener("load", r); img.addEventListener("error", r);
                              setTimeout(r, 10000); });
  }));
  return {count: imgs.length,
          empty: imgs.filter(i => !(i.naturalWidth > 0 && i.naturalHeight > 0))
                     .map(i => i.currentSrc || i.src)};
})()
"""

# a directive shown as text instead of rendered (RST inside MyST, a MyST fence not parsed)
UNRENDERED = r"""
(() => { const m = document.body.innerText.match(/^\s*(\.\. [a-z-]+::|```\{[a-z-]+\})/m);
         return m ? m[0] : null; })()
"""


def find_browser() -> str:
    for name in BROWSERS:
        if shutil.which(name):
            return shutil.which(name)
    if os.geteuid() != 0:
        pytest.skip("no chromium, and not root to apt-get install it")
    if shutil.which("apt-get") is None:
        pytest.skip("no chromium, and no apt-get to install it")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "chromium"]
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"apt-get install chromium failed: {r.stderr.strip()[-300:]}")
    return shutil.which("chromium") or pytest.skip("chromium still missing after apt-get")


class Page:
    """One browser tab over the DevTools protocol: commands, and the events they cause."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=LOAD_TIMEOUT, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def send(self, method: str, **params) -> dict:
        i = next(self.ids)
        self.ws.send(json.dumps({"id": i, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == i:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, event: str, timeout: float = LOAD_TIMEOUT) -> None:
        end = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            if time.monotonic() > end:
                raise TimeoutError(event)
            self.ws.settimeout(max(0.1, end - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))

    def drain(self, seconds: float) -> None:
        """Events that arrive within ``seconds`` (late console errors)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.ws.settimeout(max(0.05, end - time.monotonic()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except Exception:
                break

    def evaluate(self, expression: str):
        r = self.send("Runtime.evaluate", expression=expression, awaitPromise=True,
                      returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(r["exceptionDetails"])
        return r["result"].get("value")

    def open(self, url: str) -> list[str]:
        """Navigate to ``url`` and wait for it to load; returns the errors it caused."""
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.drain(0.3)
        errors = []
        for e in self.events:
            p = e.get("params", {})
            if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in (
                    "error", "assert"):
                errors.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                     for a in p.get("args", [])))
            elif e.get("method") == "Runtime.exceptionThrown":
                errors.append("exception: " + p["exceptionDetails"].get("text", "")
                              + " " + str(p["exceptionDetails"].get("exception", {})
                                          .get("description", "")))
            elif e.get("method") == "Log.entryAdded" and p["entry"].get("level") == "error":
                errors.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif e.get("method") == "Network.loadingFailed" and not p.get("canceled"):
                errors.append(f"request failed: {p.get('errorText')}")
            elif e.get("method") == "Network.responseReceived" and \
                    p["response"].get("status", 200) >= 400:
                errors.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
        return errors

    def close(self):
        self.ws.close()


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").is_file():
        pytest.skip(f"no built site in {SITE}: run `make docs` first")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def page():
    exe = find_browser()
    profile = tempfile.mkdtemp(prefix="otgan-chromium-")
    proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        end = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > end:
                pytest.fail(f"{exe} did not start its DevTools server (exit {proc.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            tab = next(t for t in json.load(r) if t.get("type") == "page")
        p = Page(tab["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            p.send(f"{domain}.enable")
        yield p
        p.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def pages() -> list[str]:
    return sorted(str(p.relative_to(SITE)) for p in SITE.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts)


def test_the_site_has_its_parts():
    if not (SITE / "index.html").is_file():
        pytest.skip(f"no built site in {SITE}: run `make docs` first")
    names = set(pages())
    for must in ("index.html", "docs/index.html", "docs/api.html", "docs/configuration.html",
                 "search.html", "docs/gallery/index.html", "notebooks/lab_ring.html",
                 "docs/course/lab.html"):
        assert must in names, must
    assert len([n for n in names if n.startswith("docs/gallery/plot_")]) >= 12


def test_every_page_loads_without_errors_and_its_images_are_not_empty(site, page):
    failures, images = {}, 0
    for name in pages():
        errors = page.open(f"{site}/{name}")
        seen = page.evaluate(EMPTY_IMAGES)
        images += seen["count"]
        errors += [f"empty image: {src}" for src in seen["empty"]]
        raw = page.evaluate(UNRENDERED)
        if raw:
            errors.append(f"unrendered directive: {raw.strip()}")
        if errors:
            failures[name] = errors
    assert not failures, json.dumps(failures, indent=1)
    assert images >= 40  # the course's figures and the gallery's


def test_search_finds_a_word_of_the_pages(site, page):
    errors = page.open(f"{site}/search.html?q=Laguerre")
    assert not errors
    end = time.monotonic() + 20
    hits = 0
    while time.monotonic() < end and not hits:
        hits = page.evaluate("document.querySelectorAll('#search-results li').length")
        time.sleep(0.2)
    assert hits > 0
    found = page.evaluate("[...document.querySelectorAll('#search-results li a')]"
                          ".map(a => a.getAttribute('href')).join(' ')")
    assert "semidiscrete" in found
