"""Measure how long each explorer of notebooks 02-04 takes to redraw when a control changes.

    MPLBACKEND=agg .venv/bin/python bench/widgets.py [--repeat N]

Each case sets one control's ``.value`` over a sequence of values, as a learner would, and
times the whole redraw (compute, draw with Agg, encode the PNG the browser shows). It prints
JSON: per case, the median and max per redraw in milliseconds, as wall time and as CPU time
of this process (on a shared machine the CPU time is what the redraw itself costs; the wall
time also counts waiting for a core), against the 100 ms budget. For the convolution
explorer it also times the same steps with a full re-plot at every step, side by side, to
show what reusing the figure's artists saves.
"""

import argparse
import json
import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from cnnviz import widgets  # noqa: E402

BUDGET_MS = 100.0


def _time(control, values, before=None):
    wall, cpu = [], []
    for value in values:
        if before:
            before()
        w0, c0 = time.perf_counter(), time.process_time()
        control.value = value
        wall.append(1000 * (time.perf_counter() - w0))
        cpu.append(1000 * (time.process_time() - c0))
    return wall, cpu


def _summary(wall, cpu):
    return {
        "redraws": len(wall),
        "wall_ms": {"median": round(statistics.median(wall), 1), "max": round(max(wall), 1)},
        "cpu_ms": {"median": round(statistics.median(cpu), 1), "max": round(max(cpu), 1)},
        "cpu_max_within_100ms": max(cpu) <= BUDGET_MS,
        "wall_max_within_100ms": max(wall) <= BUDGET_MS,
    }


class _Cell:
    """A drawing-pad cell as a control: setting ``value`` True paints it, False erases it (what a click does)."""

    def __init__(self, pad, row, col):
        self.pad, self.row, self.col = pad, row, col

    @property
    def value(self):
        return bool(self.pad.image[self.row, self.col] > 0)

    @value.setter
    def value(self, ink):
        self.pad.mode.value = "paint" if ink else "erase"
        self.pad.paint(self.row, self.col)


def cases():
    """Yield (name, control, values, widget, before) for every control worth timing."""
    conv = widgets.ConvolutionExplorer()
    steps = list(range(1, 49)) + [0]
    yield "convolution: window slider", conv.step, steps, conv, None
    yield "convolution: play button", conv.play, steps, conv, None
    yield "convolution: filter", conv.kernel, ["cross x", "diagonal /", "diagonal \\"] * 3, conv, None
    yield "convolution: image", conv.image, ["O", "X"] * 4, conv, None
    arith = widgets.ArithmeticExplorer()
    yield "arithmetic: input size", arith.n, list(range(3, arith.n.max + 1)) + [7], arith, None
    yield "arithmetic: stride", arith.stride, [2, 3, 4, 5, 6, 1] * 3, arith, None
    pool = widgets.PoolingExplorer()
    yield "pooling: mode", pool.mode, ["avg", "sum", "l2", "max"] * 4, pool, None
    yield "pooling: size", pool.size, [1, 3, 4, 5, 6, 7, 2] * 2, pool, None
    yield "pooling: padding", pool.padding, ["valid", "same"] * 6, pool, None
    pad = widgets.DrawingPad()
    cell = _Cell(pad, 4, 4)
    yield "drawing pad: one cell", cell, [False, True] * 10, pad, None
    yield "drawing pad: preset", pad.preset, list(pad.PRESETS) * 2, pad, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="passes over each sequence after a warm-up pass")
    args = parser.parse_args()
    report = {
        "budget_ms": BUDGET_MS,
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "cases": {},
    }
    for name, control, values, widget, before in cases():
        _time(control, values, before)  # warm-up: glyph cache, first draws
        wall, cpu = [], []
        for _ in range(args.repeat):
            w, c = _time(control, values, before)
            wall += w
            cpu += c
        assert widget.error == "", f"{name}: {widget.error}"
        report["cases"][name] = _summary(wall, cpu)

    # Side by side: the window slider with artists reused (as shipped) and with a full re-plot each step.
    conv = widgets.ConvolutionExplorer()
    steps = list(range(1, 49)) + [0]

    def full_replot():
        conv._shapes = None  # forget the panels: the next redraw builds every artist again

    _time(conv.step, steps)
    reuse_wall, reuse_cpu, full_wall, full_cpu = [], [], [], []
    for _ in range(args.repeat):
        w, c = _time(conv.step, steps)
        reuse_wall += w
        reuse_cpu += c
        w, c = _time(conv.step, steps, before=full_replot)
        full_wall += w
        full_cpu += c
    report["convolution slider: reuse vs full re-plot"] = {
        "reuse": _summary(reuse_wall, reuse_cpu),
        "full_replot": _summary(full_wall, full_cpu),
        "speedup_cpu_median": round(statistics.median(full_cpu) / statistics.median(reuse_cpu), 2),
    }
    report["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    report["all_cpu_max_within_100ms"] = all(c["cpu_max_within_100ms"] for c in report["cases"].values())
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
