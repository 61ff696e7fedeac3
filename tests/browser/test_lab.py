"""JupyterLab in a real browser: open notebook 02, run every cell, move the convolution explorer's slider.

Run with `make test-browser` (never collected by `make test`). It starts JupyterLab from this
environment on a free loopback port with a token, drives Debian's Chromium headless through
Playwright (the Python package, pointed at /usr/bin/chromium; no browser download) and saves
screenshots and a log in build/browser/. What a kernel-only test cannot see is checked here: the
notebook opens, the widget extension renders the explorer, the slider reaches the kernel and the
redrawn picture comes back, no cell shows an error, and the slides extension is loaded.
"""
import json
import math
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest

from cnnviz import launch

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "browser"
NOTEBOOK = ROOT / "notebooks" / "02_convolution_by_hand.ipynb"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Debian Chromium as root on a machine with no internet but package registries.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Generous but bounded: the machine is shared and slow (seconds).
SERVER_START, PAGE_LOAD, RUN_ALL, REDRAW = 180, 180, 900, 120

# JupyterLab settings for a quiet, deterministic session: no news or update checks (no network),
# every cell attached to the page (no windowing), no autosave.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}

# Read the open notebook's cells from the JupyterLab model (exposed with --LabApp.expose_app_in_browser).
CELLS_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.map((cell, index) => {
    const model = cell.model;
    const outputs = model.type === 'code' ? model.outputs.toJSON() : [];
    return {index, type: model.type, count: model.type === 'code' ? model.executionCount : null,
            prompt: cell.promptNode ? cell.promptNode.textContent : '',
            errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)};
  });
  return {kernel: kernel ? kernel.status : 'none', cells};
}"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout, what, interval=1.0):
    """Poll ``predicate`` until it returns a truthy value; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="module")
def lab():
    """Start JupyterLab on a copy of the notebook (the working tree is never written); yield its address."""
    if not NOTEBOOK.exists():
        pytest.fail(f"{NOTEBOOK.relative_to(ROOT)} does not exist: the browser test drives its convolution explorer")
    shutil.rmtree(OUT, ignore_errors=True)
    home = OUT / "lab"
    (home / "notebooks").mkdir(parents=True)
    # The notebook as it ships: with the launch links and slide metadata `make links` writes (idempotent).
    nb = nbformat.read(NOTEBOOK, as_version=4)
    launch.update_notebook(nb, launch.repository(ROOT), f"notebooks/{NOTEBOOK.name}",
                           slides=NOTEBOOK.name[:2] in launch.SLIDE_NOTEBOOKS)
    nbformat.write(nb, home / "notebooks" / NOTEBOOK.name)
    for name, value in LAB_SETTINGS.items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(value))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               CNNVIZ_MODE=os.environ.get("CNNVIZ_MODE", "quick"), PYTHONUNBUFFERED="1")
    port, token = _free_port(), secrets.token_hex(16)
    log = open(OUT / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}",
         "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def ready():
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {server.returncode}; see {OUT / 'jupyterlab.log'}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        _wait(ready, SERVER_START, "JupyterLab to answer on " + base)
        yield {"base": base, "token": token, "server": server, "notebook": f"notebooks/{NOTEBOOK.name}"}
    finally:
        _stop(server, base, token)
        log.close()


def _stop(server, base, token):
    """Shut JupyterLab and its kernels down through its API; kill what is left, by process id."""
    kernels = _children(server.pid)
    try:
        request = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST", data=b"")
        urllib.request.urlopen(request, timeout=10).close()
        server.wait(timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        server.kill()
        server.wait(timeout=30)
    for process in kernels:
        try:
            process.wait(timeout=10)
        except psutil.TimeoutExpired:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def _children(pid):
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _rss_mib(processes):
    total = 0
    for p in processes:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return round(total / 2**20, 1)


@pytest.fixture(scope="module")
def chromium(lab):
    """Yield Debian's Chromium, headless, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed in this environment: run `make test-browser`")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make test-browser` (it installs Debian's chromium with apt)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                     timeout=PAGE_LOAD * 1000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium, request):
    """Yield a fresh page and the list its console messages go to (also saved in build/browser/)."""
    console = []
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(PAGE_LOAD * 1000)
    page.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    page.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    try:
        yield page, console
    finally:
        with open(OUT / "console.log", "a") as log:
            log.write(f"--- {request.node.name}\n" + "\n".join(console) + "\n")
        context.close()


def _cells(page):
    return page.evaluate(CELLS_JS)


def _shot(page_or_locator, name):
    path = OUT / name
    page_or_locator.screenshot(path=str(path))
    return path


def _open(page, lab):
    """Open the notebook in JupyterLab and wait for its kernel to be idle."""
    page.goto(f"{lab['base']}/lab/tree/{lab['notebook']}?token={lab['token']}", timeout=PAGE_LOAD * 1000)
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
        timeout=PAGE_LOAD * 1000)
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path") == lab["notebook"]


def test_notebook_02_runs_in_jupyterlab_and_the_explorer_slider_redraws(lab, page):
    page, console = page
    _open(page, lab)
    # The slides extension (jupyterlab-rise) and the widget manager are loaded in this JupyterLab.
    assert page.evaluate("() => window.jupyterapp.commands.hasCommand('RISE:preview')"), \
        "the JupyterLab RISE extension (jupyterlab-rise) is not loaded: slides cannot be shown"
    assert page.evaluate("() => window.jupyterapp.hasPlugin('@jupyter-widgets/jupyterlab-manager:plugin')"), \
        "the ipywidgets JupyterLab extension is not loaded: widgets would not render"
    _shot(page, "01_opened.png")

    # Clear the stored outputs, so everything checked below comes from this run, then Run > Run All Cells.
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    assert all(c["count"] is None for c in _cells(page)["cells"] if c["type"] == "code")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

    def finished():
        state = _cells(page)
        code = [c for c in state["cells"] if c["type"] == "code"]
        errors = [c for c in code if c["errors"]]
        done = state["kernel"] == "idle" and all(c["count"] is not None and "*" not in c["prompt"] for c in code)
        return state if (errors or done) else None

    state = _wait(finished, RUN_ALL, "Run All Cells to finish", interval=2)
    _shot(page, "02_after_run_all.png")
    errors = [f"cell {c['index']}: {e}" for c in state["cells"] for e in c["errors"]]
    assert not errors, "cells show error outputs in JupyterLab:\n" + "\n".join(errors)
    code = [c for c in state["cells"] if c["type"] == "code"]
    assert sorted(c["count"] for c in code) == list(range(1, len(code) + 1)), "not every code cell ran, once, in order"

    # Every widget rendered: no placeholder left by a missing widget extension, no rendering error.
    page.wait_for_function("() => !document.body.innerText.includes('Loading widget...')", timeout=REDRAW * 1000)
    text = page.locator(".jp-NotebookPanel").inner_text()
    for bad in ("Error displaying widget", "Error rendering", "Traceback"):
        assert bad not in text, f"the notebook page shows {bad!r}"

    # The convolution explorer: the first output holding a slider labelled "window".
    slider = page.locator(".widget-slider").filter(has=page.locator(".widget-label", has_text=re.compile(r"^window$")))
    assert slider.count() >= 1, "no convolution explorer (a slider labelled 'window') rendered in the notebook"
    slider = slider.first
    explorer = page.locator(".jp-OutputArea-output").filter(has=slider).first
    explorer.scroll_into_view_if_needed()
    picture, status, readout = explorer.locator("img").first, explorer.locator(".widget-html-content").first, \
        slider.locator(".widget-readout")
    _wait(lambda: picture.evaluate("img => img.complete && img.naturalWidth > 0"), REDRAW, "the explorer's picture")
    before = {"readout": readout.inner_text().strip(), "status": status.inner_text().strip(),
              "src": picture.get_attribute("src"), "png": _shot(explorer, "03_explorer_before.png").read_bytes()}
    assert "color:#b00020" not in status.inner_html(), f"the explorer shows an error: {before['status']}"

    # Drag the slider's handle 60% of the way along its track, as a student would with the mouse.
    handle = slider.locator(".noUi-handle").first
    track = slider.locator(".noUi-base, .noUi-target").first.bounding_box()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + 0.6 * track["width"], box["y"] + box["height"] / 2, steps=12)
    page.mouse.up()

    # The kernel redraws once per value the drag passed through; wait until the text it sends back names
    # the window the slider now shows (window k of a square n x n feature map is at row, column divmod(k, n)).
    maximum = int(handle.get_attribute("aria-valuemax").split(".")[0])
    side = math.isqrt(maximum + 1)

    def redrawn():
        now = {"readout": readout.inner_text().strip(), "status": status.inner_text().strip(),
               "src": picture.get_attribute("src")}
        m = re.search(r"window at row (\d+), column (\d+)", now["status"])
        settled = m is not None and now["readout"].isdigit() and (
            side * side != maximum + 1 or (int(m[1]), int(m[2])) == divmod(int(now["readout"]), side))
        changed = now["readout"] != before["readout"] and now["src"] != before["src"]
        return now if settled and changed and picture.evaluate("img => img.complete && img.naturalWidth > 0") else None

    after = _wait(redrawn, REDRAW, "the explorer to redraw the window the slider points at", interval=0.5)
    page.wait_for_timeout(500)
    after["png"] = _shot(explorer, "04_explorer_after.png").read_bytes()
    _shot(page, "05_page_after_slider.png")
    assert int(after["readout"]) > int(before["readout"]), f"the slider did not move: {before['readout']} -> " \
        f"{after['readout']}"
    assert after["status"] != before["status"], "the explorer's text did not change"
    assert after["png"] != before["png"], "the explorer's picture looks the same after the slider moved"
    assert "color:#b00020" not in status.inner_html(), f"the explorer shows an error: {after['status']}"

    # No error output appeared anywhere after the interaction either.
    errors = [f"cell {c['index']}: {e}" for c in _cells(page)["cells"] for e in c["errors"]]
    assert not errors, "\n".join(errors)
    uncaught = [line for line in console if line.startswith("[pageerror]")]
    metrics = {"notebook": lab["notebook"], "jupyterlab_server_rss_mib": _rss_mib([psutil.Process(lab["server"].pid)]),
               "kernel_rss_mib": _rss_mib(_children(lab["server"].pid)),
               "slider": [before["readout"], after["readout"]], "status_after": after["status"],
               "uncaught_page_errors": uncaught}
    (OUT / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    assert not uncaught, "uncaught JavaScript errors in JupyterLab:\n" + "\n".join(uncaught)


def test_notebook_02_renders_as_slides_with_the_rise_extension(lab, page):
    page, _ = page
    _open(page, lab)
    nb = nbformat.read(OUT / "lab" / lab["notebook"], as_version=4)
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert kinds.count("slide") >= 2, f"{lab['notebook']} carries no slide metadata: {kinds}"
    page.evaluate("() => window.jupyterapp.commands.execute('RISE:preview')")

    def deck():
        page.wait_for_timeout(200)  # lets Playwright take in the frame's navigation events
        frame = next((f for f in page.frames if "/rise/" in f.url), None)
        if frame is None:
            return None
        count, ready = frame.evaluate("() => [document.querySelectorAll('.reveal .slides > section').length,"
                                      " !!document.querySelector('.reveal .slides section.present')]")
        return (frame, count) if count and ready else None  # reveal.js has shown the first slide

    try:
        frame, count = _wait(deck, PAGE_LOAD, "the RISE slideshow of " + lab["notebook"])
        assert count == kinds.count("slide"), f"RISE shows {count} slides; the notebook marks {kinds.count('slide')}"
        title = frame.evaluate("() => document.querySelector('.reveal .slides section.present').innerText")
        assert title.strip().startswith(nb.cells[0].source.lstrip("# ").split("\n")[0]), title
        # Widgets are skipped in slides (RISE would print them as text): no shown cell holds a raw widget repr.
        shown_as_text = frame.evaluate(
            "() => [...document.querySelectorAll('.reveal .slides .jp-Cell')].filter(c =>"
            " c.textContent.includes('VBox(children=') && !c.classList.contains('reveal-skip')).length")
        assert shown_as_text == 0, f"{shown_as_text} slide cells show a widget as raw text"
    finally:
        page.wait_for_timeout(1500)  # let reveal.js finish its transition before the screenshot
        _shot(page, "06_slides.png")
