"""Print the browser test's per-notebook results and redraw timings at the end of the run.

The tests in test_lab.py append one JSON record a line to build/browser/results.jsonl (a notebook's
run) and build/browser/timings.jsonl (a widget's control-to-picture times); this hook prints them
under "browser results" after pytest's own summary, whatever passed or failed.
"""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "build" / "browser"


def _records(name):
    path = OUT / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def result_line(r):
    """One line per notebook: name, pass/fail, seconds to run all, code cells, widgets rendered, reason."""
    seconds = "-" if r.get("seconds") is None else f"{r['seconds']:.0f} s"
    widgets = f"{r.get('widgets_rendered', 0)}/{r.get('widgets', 0)} widgets rendered"
    line = (
        f"{r['notebook']:<34} {'PASS' if r['passed'] else 'FAIL'}  run all {seconds:>6}  "
        f"{r.get('cells', 0):>3} code cells  {widgets}"
    )
    return line + ("" if r["passed"] else f"  -- {r['reason']}")


def timing_line(t):
    """Median and worst time from a control change to the redrawn picture on screen (ms)."""
    ms = sorted(t["ms"])
    if not ms:
        return f"{t['widget']:<40} no redraw measured"
    median = ms[len(ms) // 2] if len(ms) % 2 else (ms[len(ms) // 2 - 1] + ms[len(ms) // 2]) / 2
    load = " ".join(f"{x:g}" for x in t.get("load_average", []))
    return f"{t['widget']:<46} median {median:5.0f} ms  worst {ms[-1]:5.0f} ms  over {len(ms)} changes" + (
        f"  (load average {load})" if load else ""
    )


def pytest_terminal_summary(terminalreporter):
    ran = [
        r
        for r in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
        if "tests/browser/" in getattr(r, "nodeid", "")
    ]
    if not ran:
        return
    results, timings = _records("results.jsonl"), _records("timings.jsonl")
    if results or timings:
        terminalreporter.section("browser results (build/browser/)")
    for r in results:
        terminalreporter.write_line(result_line(r))
    if timings:
        terminalreporter.write_line("control change -> redrawn picture on screen (Chromium, headless):")
    for t in timings:
        terminalreporter.write_line("  " + timing_line(t))
