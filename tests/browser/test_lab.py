"""JupyterLab in a real browser: run every notebook 00-08, drive the explorers, show the slides.

Run with `make test-browser` (never collected by `make test`). It copies notebooks/ into
build/browser/lab/ (the working tree is never written), starts JupyterLab from this environment on a
free loopback port with a token, and drives Debian's Chromium headless through Playwright (the
Python package, pointed at $CHROMIUM, default /usr/bin/chromium; no browser download). What a
kernel-only test cannot see is checked here:

- each notebook opens, Run > Run All Cells finishes (quick mode, offline), no cell shows an error,
  no output shows TensorFlow's or Keras's start-up noise (``I0000 ...``, ``absl::InitializeLog``,
  ``cuInit``, oneDNN, XLA, ``UserWarning``), and every widget output renders as a widget (not as
  text, not "Loading widget...", not an error message; its pictures loaded);
- notebook 02's convolution explorer and notebook 04's drawing pad answer the mouse and keyboard:
  the picture redraws and the text names what changed; the time from a control change to the
  redrawn picture on screen is measured (printed, not asserted; aim under 150 ms);
- the slides extension (jupyterlab-rise) shows notebook 02 as a slideshow.

One screenshot per notebook (``<notebook>.png``), screenshots of the explorers, the JupyterLab log,
the browser console, results.jsonl and timings.jsonl land in build/browser/; the per-notebook result
lines and timings are printed at the end of the run (tests/browser/conftest.py).
"""

import json
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

import numpy as np
import psutil
import pytest

pytestmark = pytest.mark.server  # JupyterLab and Chromium: `make test-browser`, never `make check`

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "browser"
LAB = OUT / "lab"
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("0[0-8]_*.ipynb"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Debian Chromium as root on a machine with no internet but package registries.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous but bounded (seconds): the machine is shared and slow. Notebooks 05-08 train small
# models in quick mode (one to two minutes each alone). The whole run stops starting notebooks once
# BUDGET is spent, so it stays well under 30 minutes even when every notebook hangs.
SERVER_START, PAGE_LOAD, REDRAW, BUDGET = 180, 180, 60, 25 * 60
RUN_ALL = {"00": 120, "01": 240, "02": 240, "03": 240, "04": 240, "05": 480, "06": 480, "07": 480, "08": 480}
CHANGES = 8  # control changes timed per widget
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# TensorFlow/Keras start-up noise a student must never see in an output: C++ log lines
# (I0000 00:00:... / E0000 / W0000), absl's preamble, CUDA probing, oneDNN and XLA banners, and
# Python warnings raised inside Keras or TensorFlow.
NOISE = re.compile(
    r"^[IWEF]\d{4} \d\d:\d\d:\d\d|absl::InitializeLog|cuInit|oneDNN custom operations|"
    r"XLA service|StreamExecutor|TensorFlow binary is optimized|Unable to register cu|"
    r"UserWarning|/(?:keras|tensorflow|absl)/\S*\.py:\d+: \w*Warning"
)

# JupyterLab settings for a quiet, deterministic session: no news or update checks (no network),
# every cell attached to the page (no windowing), no autosave.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}

# The open notebook's cells, from the JupyterLab model (exposed with --LabApp.expose_app_in_browser):
# execution counts, prompts, error outputs and the text of every stream output.
CELLS_JS = (
    """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.map((cell, index) => {
    const model = cell.model;
    const outputs = model.type === 'code' ? model.outputs.toJSON() : [];
    const text = t => Array.isArray(t) ? t.join('') : (t || '');
    return {index, type: model.type, count: model.type === 'code' ? model.executionCount : null,
            prompt: cell.promptNode ? cell.promptNode.textContent : '',
            errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
            streams: outputs.filter(o => o.output_type === 'stream').map(o => [o.name, text(o.text)]),
            widgets: outputs.filter(o => o.data && o.data['"""
    + WIDGET_MIME
    + """']).length};
  });
  return {kernel: kernel ? kernel.status : 'none', cells};
}"""
)

# Every widget output as the page shows it: a rendered widget view, its pictures loaded, no
# placeholder or error text. Top-level outputs only (a widget's own Output areas are part of it).
WIDGETS_JS = (
    """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const found = [];
  panel.content.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'code') return;
    const nodes = [...cell.node.querySelectorAll('.jp-OutputArea-output')]
      .filter(n => !n.parentElement.closest('.jp-OutputArea-output'));
    const expected = cell.model.outputs.toJSON().filter(o => o.data && o.data['"""
    + WIDGET_MIME
    + """']).length;
    const views = nodes.filter(n => n.getAttribute('data-mime-type') === '"""
    + WIDGET_MIME
    + """'
                                    || n.querySelector('.jupyter-widgets'));
    const problems = [];
    if (views.length !== expected)
      problems.push(expected + ' widget outputs but ' + views.length + ' widget views on the page (outputs show '
                    + nodes.map(n => JSON.stringify((n.innerText || '').trim().slice(0, 80))).join(', ') + ')');
    views.forEach((n, k) => {
      const text = n.innerText || '';
      for (const bad of ['Loading widget', 'Error displaying widget', 'Error rendering', 'model not found',
                         'Traceback', 'VBox(children=', 'HBox(children='])
        if (text.includes(bad)) problems.push('view ' + k + ' shows ' + JSON.stringify(bad));
      if (!n.querySelector('.jupyter-widgets, .lm-Widget[class*="widget-"]'))
        problems.push('view ' + k + ' holds no rendered widget');
      // cnnviz widgets show a failure in red: an exception's name (a bug) fails; a message about the
      // learner's input (an upload that is not a photo, shown on purpose by a notebook) does not.
      for (const e of n.querySelectorAll('[style*="b00020"]'))
        if (/^\\s*\\w*(Error|Exception)\b/.test(e.innerText || ''))
          problems.push('view ' + k + ' shows an error: ' + e.innerText.slice(0, 200));
      const images = [...n.querySelectorAll('img')];
      const broken = images.filter(img => !(img.complete && img.naturalWidth > 0));
      if (broken.length) problems.push('view ' + k + ': ' + broken.length + ' of ' + images.length
                                       + ' pictures did not load');
    });
    if (expected || views.length) found.push({index, expected, rendered: views.length, problems});
  });
  return found;
}"""
)

# Time from a control change to the redrawn picture on screen. __lat.arm(root, kinds) waits for the
# first event of one of `kinds` (keydown, change, mousedown, mouseup, ...) on the page, then for a
# new `src` on a picture inside `root` (the kernel sent the redraw), then for that picture to be
# decoded and two animation frames to pass (it is painted). t1 - t0 is the figure reported.
LATENCY_JS = """() => {
  if (window.__lat) return;
  const s = window.__lat = {t0: null, t1: null, kinds: [], armed: false, observer: null};
  const mark = e => { if (s.armed && s.t0 === null && s.kinds.includes(e.type)) s.t0 = e.timeStamp; };
  for (const k of ['keydown', 'change', 'mousedown', 'mouseup', 'pointerdown', 'pointerup'])
    window.addEventListener(k, mark, true);
  s.arm = (root, kinds, selector) => {
    if (s.observer) s.observer.disconnect();
    Object.assign(s, {t0: null, t1: null, kinds, armed: true});
    const before = [...root.querySelectorAll(selector)].map(i => i.src);
    s.observer = new MutationObserver(() => {
      if (s.t0 === null) return;
      const now = [...root.querySelectorAll(selector)];
      if (now.length === before.length && now.every((img, i) => img.src === before[i])) return;
      s.observer.disconnect();
      s.armed = false;
      Promise.all(now.map(img => img.decode().catch(() => null))).then(() =>
        requestAnimationFrame(() => requestAnimationFrame(() => { s.t1 = performance.now(); })));
    });
    s.observer.observe(root, {attributes: true, attributeFilter: ['src'], subtree: true, childList: true});
  };
}"""

_started = time.monotonic()


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
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _record(name, record):
    record.setdefault("load_average", [round(x, 1) for x in os.getloadavg()])
    with open(OUT / name, "a") as f:
        f.write(json.dumps(record) + "\n")


@pytest.fixture(scope="module")
def lab():
    """Start JupyterLab on a copy of notebooks/ (the working tree is never written); yield its address."""
    lock = _lock()
    shutil.rmtree(OUT, ignore_errors=True)
    (LAB / "notebooks").mkdir(parents=True)
    for name in NOTEBOOKS:  # as they ship: badges, setup block and slide metadata already written
        shutil.copy2(ROOT / "notebooks" / name, LAB / "notebooks" / name)
    for name, value in LAB_SETTINGS.items():
        (LAB / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (LAB / "settings" / name).write_text(json.dumps(value))
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(LAB / "config"),
        JUPYTER_RUNTIME_DIR=str(LAB / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(LAB / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(LAB / "workspaces"),
        CNNVIZ_MODE=os.environ.get("CNNVIZ_MODE", "quick"),
        CNNVIZ_OFFLINE=os.environ.get("CNNVIZ_OFFLINE", "1"),
        CNNVIZ_CACHE_DIR=str(OUT / "cache"),
        PYTHONUNBUFFERED="1",
    )
    # What a student's kernel sees: the notebook's own plotting backend, and TensorFlow's logging as
    # the package leaves it (a silencing variable set by CI would hide the noise this test looks for).
    for name in ("MPLBACKEND", "TF_CPP_MIN_LOG_LEVEL", "TF_CPP_MAX_VLOG_LEVEL", "PYTHONWARNINGS"):
        env.pop(name, None)
    port, token = _free_port(), secrets.token_hex(16)
    log = open(OUT / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={LAB}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.extension_manager=readonly",
        ]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        cwd=LAB,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
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
        yield {"base": base, "token": token, "server": server}
    finally:
        _stop(server, base, token)
        log.close()
        lock.unlink(missing_ok=True)


def _lock():
    """Claim build/browser/ for this run: a second run at the same time would wipe the first one's files."""
    lock = OUT.parent / "browser.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            with open(lock, "x") as f:
                f.write(str(os.getpid()))
            return lock
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and psutil.pid_exists(pid):
                pytest.fail(f"another browser test (process {pid}) is using {OUT}: wait for it to end")
            lock.unlink(missing_ok=True)  # left by a run that was killed
    pytest.fail(f"could not claim {lock}")


def _api(lab, path, method="GET"):
    request = urllib.request.Request(
        f"{lab['base']}{path}?token={lab['token']}", method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


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
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make test-browser`, or set CHROMIUM to a Chromium or Chrome")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=PAGE_LOAD * 1000
        )
        try:
            yield browser
        finally:
            browser.close()


def _shot(page_or_locator, name):
    path = OUT / name
    page_or_locator.screenshot(path=str(path))
    return path


class Run:
    """One notebook open in its own browser page, after Run All: its cells, widgets and verdict."""

    def __init__(self, lab, browser, name):
        self.lab, self.name, self.path = lab, name, f"notebooks/{name}"
        self.console, self.reasons, self.seconds, self.state, self.widgets = [], [], None, None, []
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(PAGE_LOAD * 1000)
        self.page.on("console", lambda m: self.console.append(f"[{m.type}] {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"[pageerror] {e}"))

    def open(self):
        """Open the notebook in JupyterLab and wait for its kernel to be idle."""
        # A workspace of its own (new, so empty): JupyterLab would otherwise reopen the other pages' notebooks.
        workspace = re.sub(r"\W", "", Path(self.name).stem) + secrets.token_hex(3)
        self.page.goto(f"{self.lab['base']}/lab/workspaces/{workspace}/tree/{self.path}?token={self.lab['token']}")
        self.page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.sessionContext"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'"
        )
        assert self.page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path") == self.path
        self.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # the notebook gets the width

    def cells(self):
        return self.page.evaluate(CELLS_JS)

    def run_all(self, timeout):
        """Clear the stored outputs (so all that is checked comes from this run), then Run > Run All Cells."""
        page = self.page
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        assert all(c["count"] is None for c in self.cells()["cells"] if c["type"] == "code")
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        start = time.monotonic()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

        def finished():
            state = self.cells()
            code = [c for c in state["cells"] if c["type"] == "code"]
            done = state["kernel"] == "idle" and all(c["count"] is not None and "*" not in c["prompt"] for c in code)
            return state if (done or any(c["errors"] for c in code)) else None

        try:
            self.state = _wait(finished, timeout, f"Run All Cells of {self.name} to finish", interval=1)
        finally:
            self.seconds = time.monotonic() - start
        # Widgets render after their cell finished: wait (bounded) for the placeholders to go.
        try:
            page.wait_for_function("() => !document.body.innerText.includes('Loading widget')", timeout=REDRAW * 1000)
        except Exception:  # the check below names the views still loading
            pass
        page.wait_for_timeout(500)
        self.state = self.cells()

    def check(self):
        """Collect every reason this run fails: errors, cells not run, start-up noise, widgets not rendered."""
        code = [c for c in self.state["cells"] if c["type"] == "code"]
        self.reasons += [f"cell {c['index']} shows {e}" for c in code for e in c["errors"]]
        counts = [c["count"] for c in code]
        if not self.reasons and sorted(x for x in counts if x is not None) != list(range(1, len(code) + 1)):
            self.reasons.append(f"not every code cell ran once, in order: execution counts {counts}")
        noise = [
            f"cell {c['index']} ({stream}): {line.strip()[:160]}"
            for c in code
            for stream, text in c["streams"]
            for line in text.splitlines()
            if NOISE.search(line)
        ]
        if noise:
            self.reasons.append(f"{len(noise)} lines of TensorFlow/Keras start-up noise in outputs, first: {noise[0]}")
        self.noise = noise
        self.widgets = self.page.evaluate(WIDGETS_JS)
        self.reasons += [f"cell {w['index']}: {p}" for w in self.widgets for p in w["problems"]]
        self.reasons += [
            f"uncaught JavaScript error: {line}" for line in self.console if line.startswith("[pageerror]")
        ]

    def screenshot(self):
        """One picture of the notebook: its first widget if it has one, else its last cell."""
        self.page.evaluate("""() => {
          const nb = window.jupyterapp.shell.currentWidget.content;
          const widget = nb.node.querySelector('.jp-OutputArea-output .jupyter-widgets');
          const last = nb.widgets[nb.widgets.length - 1];
          (widget ? widget.closest('.jp-Cell') : last.node).scrollIntoView({block: widget ? 'start' : 'end'});
        }""")
        self.page.wait_for_timeout(500)
        _shot(self.page, f"{Path(self.name).stem}.png")

    def result(self):
        code = [c for c in (self.state or {"cells": []})["cells"] if c["type"] == "code"]
        return {
            "notebook": self.name,
            "passed": not self.reasons,
            "seconds": self.seconds,
            "cells": len(code),
            "widgets": sum(w["expected"] for w in self.widgets),
            "widgets_rendered": sum(w["expected"] for w in self.widgets if not w["problems"]),
            "reason": "; ".join(self.reasons)[:600],
            "all_reasons": self.reasons,
            "noise": getattr(self, "noise", []),
            "kernel_rss_mib": _rss_mib(_children(self.lab["server"].pid)),
        }

    def close(self):
        """Close the page and shut the notebook's kernel down (05-08 hold over a GiB each)."""
        with open(OUT / "console.log", "a") as log:
            log.write(f"--- {self.name}\n" + "\n".join(self.console) + "\n")
        self.context.close()
        for session in _api(self.lab, "/api/sessions"):
            if session.get("path") == self.path:
                _api(self.lab, f"/api/sessions/{session['id']}", method="DELETE")


@pytest.fixture(scope="module")
def runs(lab, chromium):
    """Notebooks run so far in this session, by file name; each runs once, the explorer tests reuse 02 and 04."""
    done = {}

    def start(name):
        if name not in done:
            run = done[name] = Run(lab, chromium, name)
            try:
                left = BUDGET - (time.monotonic() - _started)
                if left < 30:
                    run.reasons.append(f"not run: the browser test's budget of {BUDGET // 60} min is spent")
                    return run
                run.open()
                run.run_all(min(RUN_ALL[name[:2]], left))
                run.check()
            except (Exception, pytest.fail.Exception) as err:  # timeouts included: recorded as the reason
                run.reasons.append(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
            finally:
                try:
                    run.screenshot()
                except Exception:
                    pass
                _record("results.jsonl", run.result())
        return done[name]

    start.done = done
    yield start
    for r in done.values():
        try:
            r.close()
        except Exception:
            pass


KEEP = ("02", "04")  # their pages stay open for the explorer tests


def test_every_notebook_00_to_08_is_run():
    missing = [f"{n:02d}" for n in range(9) if not any(name.startswith(f"{n:02d}_") for name in NOTEBOOKS)]
    assert not missing, f"no notebook {', '.join(missing)} in notebooks/: the browser test runs 00-08"


@pytest.mark.parametrize("name", NOTEBOOKS, ids=[Path(n).stem for n in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(name, runs):
    run = runs(name)
    if name[:2] not in KEEP:
        run.close()
        del runs.done[name]
    assert not run.reasons, f"{name} in JupyterLab:\n" + "\n".join(run.reasons)


def _notebook(runs, prefix):
    name = next(n for n in NOTEBOOKS if n.startswith(prefix))
    run = runs(name)
    if run.state is None:  # (start-up noise or another notebook-level failure does not stop the widget test)
        pytest.fail(f"{name} did not run in JupyterLab, so its widgets cannot be driven: {run.reasons[0]}")
    run.page.evaluate(LATENCY_JS)
    return run


def _output_with(page, control):
    """The top-level output area holding ``control`` (a widget's whole view)."""
    root = page.locator(".jp-OutputArea-output").filter(has=control).first
    root.scroll_into_view_if_needed()
    return root


def _picture_ready(img):
    return img.evaluate("img => img.complete && img.naturalWidth > 0")


def _timed(page, root, kinds, action, selector="img", settled=None):
    """Do ``action`` (a real mouse/keyboard input), return ms from its first ``kinds`` event to the redrawn picture."""
    root.evaluate("(root, [kinds, selector]) => window.__lat.arm(root, kinds, selector)", [kinds, selector])
    action()
    page.wait_for_function("() => window.__lat.t1 !== null", timeout=REDRAW * 1000)
    ms = page.evaluate("() => window.__lat.t1 - window.__lat.t0")
    if settled is not None:
        _wait(settled, REDRAW, "the widget's text to follow the change", interval=0.1)
    return round(ms, 1)


def _labelled(root, kind, label):
    """The ipywidgets control of CSS class ``kind`` (widget-slider, widget-dropdown, ...) whose label is ``label``."""
    return root.locator(f".{kind}").filter(
        has=root.page.locator(".widget-label", has_text=re.compile(rf"^{re.escape(label)}$"))
    )


def _settled(picture, quiet=0.6, timeout=REDRAW):
    """Wait until the picture's ``src`` has not changed for ``quiet`` seconds (the kernel's redraws are done)."""
    last, since = picture.get_attribute("src"), time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = picture.get_attribute("src")
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet and _picture_ready(picture):
            return now
    pytest.fail(f"the picture kept changing for {timeout} s")


def _no_errors(run, status=None):
    if status is not None:
        assert "#b00020" not in status.inner_html(), f"the widget shows an error: {status.inner_text()}"
    errors = [f"cell {c['index']}: {e}" for c in run.cells()["cells"] for e in c["errors"]]
    assert not errors, "\n".join(errors)
    uncaught = [line for line in run.console if line.startswith("[pageerror]")]
    assert not uncaught, "uncaught JavaScript errors in JupyterLab:\n" + "\n".join(uncaught)


WINDOW_TEXT = re.compile(r"window at row (\d+), column (\d+): the (\d+) products add up to (-?[\d.e+-]+)")


def test_notebook_02_convolution_explorer_follows_the_window_and_the_kernel(runs):
    from cnnviz import xo

    run = _notebook(runs, "02")
    page = run.page
    weights = page.locator(".cnnviz-kernel-weight")
    assert weights.count() >= 9, (
        "no convolution explorer with an editable 3x3 kernel (FloatText boxes of class "
        "cnnviz-kernel-weight) rendered in notebook 02"
    )
    explorer = _output_with(page, weights.first)
    weights = explorer.locator(".cnnviz-kernel-weight")
    picture, status = explorer.locator("img").first, explorer.locator(".widget-html-content").last
    window, row, col = (_labelled(explorer, "widget-slider", label).first for label in ("window", "row", "column"))
    image = _labelled(explorer, "widget-dropdown", "image").locator("select")
    _wait(lambda: _picture_ready(picture), REDRAW, "the explorer's picture")
    _settled(picture)

    def shown():
        """What the page shows: the window's row and column (text and sliders), the sum, the kernel boxes."""
        m = WINDOW_TEXT.search(status.inner_text())
        assert m, f"the explorer's text does not name a window: {status.inner_text()!r}"
        kernel = np.array([float(weights.nth(i).locator("input").input_value()) for i in range(9)]).reshape(3, 3)
        return {
            "row": int(m[1]),
            "col": int(m[2]),
            "total": float(m[4]),
            "kernel": kernel,
            "sliders": (
                int(row.locator(".widget-readout").inner_text()),
                int(col.locator(".widget-readout").inner_text()),
            ),
            "window": int(window.locator(".widget-readout").inner_text()),
            "src": picture.get_attribute("src"),
        }

    def consistent(s):
        """The text names the window the sliders show, and its sum is that of image window * kernel boxes."""
        x = xo.IMAGES[image.evaluate("s => s.options[s.selectedIndex].text")]
        expected = float((x[s["row"] : s["row"] + 3, s["col"] : s["col"] + 3] * s["kernel"]).sum())
        side = int(col.locator(".noUi-handle").get_attribute("aria-valuemax").split(".")[0]) + 1
        return (s["row"], s["col"]) == s["sliders"] == divmod(s["window"], side) and abs(s["total"] - expected) < 1e-4

    before = shown()
    assert consistent(before), f"the explorer's text does not match its controls: {before}"
    before_png = _shot(explorer, "02_explorer_before.png").read_bytes()

    # Drag the "window" slider's handle 60% of the way along its track, as a student would with the mouse.
    handle = window.locator(".noUi-handle").first
    track = window.locator(".noUi-base, .noUi-target").first.bounding_box()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + 0.6 * track["width"], box["y"] + box["height"] / 2, steps=12)
    page.mouse.up()
    _settled(picture)
    after = _wait(
        lambda: (lambda s: s if s["window"] != before["window"] and consistent(s) else None)(shown()),
        REDRAW,
        "the explorer to redraw the window the slider points at",
        interval=0.2,
    )
    assert after["window"] > before["window"], f"the slider did not move: {before['window']} -> {after['window']}"
    assert after["src"] != before["src"] and _shot(explorer, "02_explorer_after_drag.png").read_bytes() != before_png, (
        "the explorer's picture looks the same after the window moved"
    )

    # The column slider, one step per key press: the text names the new window each time. Timed.
    handle = col.locator(".noUi-handle").first
    handle.focus()
    ms, side = [], int(handle.get_attribute("aria-valuemax").split(".")[0]) + 1
    for _ in range(CHANGES):
        start = shown()
        key = "ArrowRight" if start["col"] < side - 1 else "ArrowLeft"
        target = start["col"] + (1 if key == "ArrowRight" else -1)
        ms.append(
            _timed(
                page,
                explorer,
                ["keydown"],
                lambda: handle.press(key),
                settled=lambda: (lambda s: s["col"] == target and s["row"] == start["row"] and consistent(s))(shown()),
            )
        )
    _record("timings.jsonl", {"widget": "02 convolution explorer: column (key)", "ms": ms})
    _settled(picture)

    # Edit one kernel weight, as a student types it: the sum, the text and the picture follow. Timed.
    box = weights.nth(4).locator("input")  # k[1,1], the centre
    start = shown()
    png = _shot(explorer, "02_explorer_before_edit.png").read_bytes()
    ms = []
    for i in range(CHANGES):
        value = float(start["kernel"][1, 1]) + (1.5 if i % 2 == 0 else 0.0)
        box.fill(f"{value:g}")
        ms.append(
            _timed(
                page,
                explorer,
                ["keydown"],
                lambda: box.press("Enter"),
                settled=lambda: (lambda s: s["kernel"][1, 1] == value and consistent(s))(shown()),
            )
        )
        if i == 0:
            edited = shown()
            assert abs(edited["total"] - start["total"]) > 1e-9, (
                f"changing k[1,1] by 1.5 did not change the window's sum: {start['total']} -> {edited['total']}"
            )
            _settled(picture)
            assert _shot(explorer, "02_explorer_after_edit.png").read_bytes() != png, (
                "the explorer's picture looks the same after a kernel weight changed"
            )
    _record("timings.jsonl", {"widget": "02 convolution explorer: kernel weight (Enter)", "ms": ms})
    _no_errors(run, status)


def _canvas_ink(canvas, cell):
    """The 9x9 pattern the pad's canvas shows: True where the centre pixel of a cell is dark (ink)."""
    return canvas.evaluate(
        """(c, cell) => {
      const ctx = c.getContext('2d'), sx = c.width / c.clientWidth, out = [];
      for (let r = 0; r < 9; r++) { const line = [];
        for (let k = 0; k < 9; k++) {
          const p = ctx.getImageData(Math.floor((k + 0.5) * cell * sx), Math.floor((r + 0.5) * cell * sx), 1, 1).data;
          line.push(p[0] + p[1] + p[2] < 3 * 128); }
        out.push(line); }
      return out; }""",
        cell,
    )


def _drag(page, canvas, cells, cell):
    """Press the mouse on the first cell, move through the centre of every cell listed, release.

    One move event per cell, at its centre: a diagonal stroke's in-between points would fall on the
    corners cells share, and paint whichever neighbour rounding picks.
    """
    box = canvas.bounding_box()
    scale = box["width"] / (9 * cell)
    at = [(box["x"] + (c + 0.5) * cell * scale, box["y"] + (r + 0.5) * cell * scale) for r, c in cells]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y)
        page.wait_for_timeout(30)  # a quick hand: about 50 ms a cell with the events' own cost
    page.mouse.up()


def test_notebook_04_drawing_pad_paints_erases_and_resets_by_dragging(runs):
    from cnnviz import widgets, xo

    run = _notebook(runs, "04")
    page = run.page
    reset_button = page.locator("button", has_text=re.compile(r"^\s*reset\s*$"))
    pads = page.locator(".jp-OutputArea-output").filter(has=page.locator("canvas")).filter(has=reset_button)
    assert pads.count() >= 1, "no drawing pad (a canvas with a reset button) rendered in notebook 04"
    pad = pads.first
    reset = pad.locator("button", has_text=re.compile(r"^\s*reset\s*$"))
    pad.scroll_into_view_if_needed()
    canvas, picture = pad.locator("canvas").last, pad.locator("img").last
    status = pad.locator(".widget-html-content").last
    preset = _labelled(pad, "widget-dropdown", "load").locator("select")
    mode = pad.locator(".widget-toggle-buttons button")
    cell = widgets.DrawingPad.CELL
    x_pattern = (xo.X > 0).tolist()
    _wait(lambda: _picture_ready(picture), REDRAW, "the pad's maps and votes")
    _settled(picture)

    def shows(pattern, text=None, not_text=None):
        def ok():
            now = status.inner_text().strip()
            return (
                _canvas_ink(canvas, cell) == pattern
                and (text is None or now == text)
                and (not_text is None or now != not_text)
                and now.startswith("votes")
            )

        try:
            _wait(ok, REDRAW, "the pad to show the expected drawing and votes", interval=0.2)
        except pytest.fail.Exception:
            _shot(pad, "04_pad_unexpected.png")
            grid = lambda p: "\n".join("".join("#" if v else "." for v in line) for line in p)  # noqa: E731
            pytest.fail(
                f"the pad shows\n{grid(_canvas_ink(canvas, cell))}\nwith {status.inner_text().strip()!r};"
                f" expected\n{grid(pattern)}\nwith {text or 'other votes'!r}"
            )
        _settled(picture)
        return status.inner_text().strip(), picture.get_attribute("src")

    blank = [[False] * 9 for _ in range(9)]
    preset.select_option("blank")
    blank_text, blank_src = shows(blank)
    preset.select_option("X")
    x_text, x_src = shows(x_pattern, not_text=blank_text)
    _shot(pad, "04_pad_x.png")

    # Erase: drag along the top-left arm of the X; the maps and votes redraw for the broken X.
    mode.filter(has_text=re.compile(r"^\s*erase\s*$")).click()
    arm = [(1, 1), (2, 2), (3, 3)]
    _drag(page, canvas, arm, cell)
    erased = [[v and (r, c) not in arm for c, v in enumerate(line)] for r, line in enumerate(x_pattern)]
    erased_text, erased_src = shows(erased, not_text=x_text)
    assert erased_src != x_src, "the maps and votes picture did not redraw after erasing"
    _shot(pad, "04_pad_erased.png")

    # Reset: back to the letter last loaded, its votes exactly as before.
    reset.first.click()
    shows(x_pattern, text=x_text)

    # Paint an X by dragging two strokes on a blank pad: the network gives the votes of the X preset.
    preset.select_option("blank")
    shows(blank, text=blank_text)
    mode.filter(has_text=re.compile(r"^\s*paint\s*$")).click()
    _drag(page, canvas, [(i, i) for i in range(1, 8)], cell)
    _drag(page, canvas, [(i, 8 - i) for i in range(1, 8)], cell)
    _, drawn_src = shows(x_pattern, text=x_text)
    assert drawn_src != blank_src, "the maps and votes picture did not redraw after painting"
    _shot(pad, "04_pad_drawn_x.png")

    # Timed: one click (press, release) on a background cell paints it; to the redrawn maps and votes.
    ms = []
    for k in range(CHANGES):
        r, c = (0, k) if k < 9 else (8, k - 9)
        box = canvas.bounding_box()
        scale = box["width"] / (9 * cell)
        x, y = box["x"] + (c + 0.5) * cell * scale, box["y"] + (r + 0.5) * cell * scale
        page.mouse.move(x, y)

        def click():
            page.mouse.down()
            page.mouse.up()

        # (the votes may round to the same text; the conv maps in the picture change with any cell)
        ms.append(_timed(page, pad, ["mousedown"], click, settled=lambda: _canvas_ink(canvas, cell)[r][c]))
    _record("timings.jsonl", {"widget": "04 drawing pad: paint a cell (click)", "ms": ms})
    _no_errors(run, status)


def test_notebook_02_renders_as_slides_with_the_rise_extension(lab, chromium, runs):
    import nbformat

    name = next(n for n in NOTEBOOKS if n.startswith("02"))
    for r in list(runs.done.values()):  # one JupyterLab page at a time
        r.close()
    runs.done.clear()
    run = Run(lab, chromium, name)
    try:
        page = run.page
        run.open()
        assert page.evaluate("() => window.jupyterapp.commands.hasCommand('RISE:preview')"), (
            "the JupyterLab RISE extension (jupyterlab-rise) is not loaded: slides cannot be shown"
        )
        nb = nbformat.read(LAB / run.path, as_version=4)
        kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
        assert kinds.count("slide") >= 2, f"{name} carries no slide metadata: {kinds}"
        page.evaluate("() => window.jupyterapp.commands.execute('RISE:preview')")

        def deck():
            page.wait_for_timeout(200)  # lets Playwright take in the frame's navigation events
            frame = next((f for f in page.frames if "/rise/" in f.url), None)
            if frame is None:
                return None
            count, ready = frame.evaluate(
                "() => [document.querySelectorAll('.reveal .slides > section').length,"
                " !!document.querySelector('.reveal .slides section.present')]"
            )
            return (frame, count) if count and ready else None  # reveal.js has shown the first slide

        try:
            frame, count = _wait(deck, PAGE_LOAD, "the RISE slideshow of " + name)
            assert count == kinds.count("slide"), (
                f"RISE shows {count} slides; the notebook marks {kinds.count('slide')}"
            )
            title = frame.evaluate("() => document.querySelector('.reveal .slides section.present').innerText")
            assert title.strip().startswith(nb.cells[0].source.lstrip("# ").split("\n")[0]), title
            # Widgets are skipped in slides (RISE would print them as text): no shown cell holds a raw widget repr.
            shown_as_text = frame.evaluate(
                "() => [...document.querySelectorAll('.reveal .slides .jp-Cell')].filter(c =>"
                " c.textContent.includes('VBox(children=') && !c.classList.contains('reveal-skip')).length"
            )
            assert shown_as_text == 0, f"{shown_as_text} slide cells show a widget as raw text"
        finally:
            page.wait_for_timeout(1500)  # let reveal.js finish its transition before the screenshot
            _shot(page, "02_slides.png")
    finally:
        run.close()
