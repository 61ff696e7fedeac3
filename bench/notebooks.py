"""Run each notebook top to bottom in one or more modes; print wall time and the kernel's peak memory as JSON.

    .venv/bin/python bench/notebooks.py notebooks/0[1-4]_*.ipynb --modes quick class

Each notebook runs in a fresh kernel (nbclient, the engine behind nbconvert --execute), as a student's
first run would: a new, empty CNNVIZ_CACHE_DIR per mode (datasets decoded, models trained from
scratch; later notebooks of the same mode see what earlier ones cached, as in one student's
session). Memory is the kernel process's peak resident set (VmHWM from /proc, plus the peak RSS of
any child processes it starts), which is what a JupyterHub memory limit counts. With several
modes, each notebook also gets the ratio of its time to its time in the first mode; with --repeat, the
modes take turns and the median time is reported. The notebooks on disk are written only with
--write-outputs (the run that made a notebook's stored outputs is then also the one measured), and
--cache-dir replaces the temporary cache (give an empty folder to keep the "first run" measure).
With --cells, each run also lists where memory grew: [cell index, peak MiB so far, resident MiB after it]
for every code cell that raised the peak by 10 MiB or more (where a 1 GiB limit would be hit).
The machine may be shared: the load average before and after is reported.

    .venv/bin/python bench/notebooks.py notebooks/0[5-7]_*.ipynb --modes class --write-outputs \
        --cache-dir ~/.cache/cnnviz
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


class PeakMemory(threading.Thread):
    """Sample a process and its children until stopped; keep the peak resident memory in bytes."""

    def __init__(self, pid, interval=0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self._done = pid, interval, 0, threading.Event()

    def _high_water(self):
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def run(self):
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)

    def sample(self):
        try:
            process = psutil.Process(self.pid)
            children = sum(c.memory_info().rss for c in process.children(recursive=True))
        except psutil.Error:
            return
        self.peak = max(self.peak, self._high_water() + children)

    def stop(self):
        self._done.set()
        self.join()


def run_notebook(path, timeout, write=False, cells=False):
    """Execute ``path`` in a fresh python3 kernel; return seconds, peak MiB, cell count and any error.

    With ``write``, a run without error is saved over ``path`` with its outputs; with ``cells``, the
    result also lists the cells that raised the peak (``growth``: [index, peak MiB, resident MiB]).
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(Path(path).parent)}}
    )
    monitor = {"growth": [], "last": 0}

    def started(**_):
        monitor["thread"] = PeakMemory(client.km.provisioner.process.pid)
        monitor["thread"].start()
        monitor["cells_start"] = time.perf_counter()

    def executed(cell_index=None, **_):  # after each cell, while the kernel is alive: VmHWM holds the peak so far
        monitor["thread"].sample()
        monitor["cells_end"] = time.perf_counter()
        peak = monitor["thread"].peak
        if peak - monitor["last"] >= 10 * 2**20:
            rss = psutil.Process(monitor["thread"].pid).memory_info().rss
            monitor["growth"].append([cell_index, round(peak / 2**20), round(rss / 2**20)])
            monitor["last"] = peak

    client.on_notebook_start, client.on_cell_executed = started, executed
    error, start = None, time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        error = str(err).strip().splitlines()[-1]
    except Exception as err:  # a kernel that dies or a timeout: report it, go on with the next notebook
        error = f"{type(err).__name__}: {err}"
    finally:
        if "thread" in monitor and monitor["thread"].is_alive():
            monitor["thread"].stop()
    seconds = time.perf_counter() - start
    if write and error is None:
        nbformat.write(nb, path)
    return {
        **({"growth": monitor["growth"]} if cells else {}),
        "notebook": Path(path).name,
        "seconds": round(seconds, 1),
        "cells_seconds": round(monitor.get("cells_end", time.perf_counter()) - monitor.get("cells_start", start), 1),
        "peak_rss_mib": round(monitor["thread"].peak / 2**20) if "thread" in monitor else None,
        "code_cells": sum(c.cell_type == "code" for c in nb.cells),
        "error": error,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--modes", nargs="+", default=["quick"], choices=["quick", "class", "full"])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=SHARED_DATA if SHARED_DATA.exists() else None,
        help="CNNVIZ_DATA_DIR for the kernels (default: ../shared/data when present)",
    )
    parser.add_argument("--cell-timeout", type=int, default=3600, help="seconds one cell may take")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per notebook and mode, the modes interleaved; the median time is reported",
    )
    parser.add_argument(
        "--write-outputs",
        action="store_true",
        help="save each notebook that ran without error, with its outputs (last repeat, last mode)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="CNNVIZ_CACHE_DIR for every run (default: a new empty temporary folder per mode)",
    )
    parser.add_argument("--cells", action="store_true", help="also list the cells that raised the peak memory")
    args = parser.parse_args(argv)
    if args.write_outputs and len(args.modes) > 1:
        parser.error("--write-outputs takes one mode: the stored outputs must come from one mode")
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30),
            "processor": platform.processor() or platform.machine(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "runs": [],
    }
    saved, runs = dict(os.environ), {}
    try:
        for repeat in range(args.repeat):
            for mode in args.modes:
                with tempfile.TemporaryDirectory(prefix=f"cnnviz-bench-{mode}-") as tmp:
                    cache = str(args.cache_dir.expanduser()) if args.cache_dir else tmp
                    os.environ.update(CNNVIZ_MODE=mode, CNNVIZ_OFFLINE="1", CNNVIZ_CACHE_DIR=cache, MPLBACKEND="agg")
                    if args.data_dir:
                        os.environ["CNNVIZ_DATA_DIR"] = str(args.data_dir)
                    for path in notebooks:
                        write = args.write_outputs and repeat == args.repeat - 1
                        result = {"mode": mode, **run_notebook(path, args.cell_timeout, write=write, cells=args.cells)}
                        print(json.dumps(result), file=sys.stderr, flush=True)  # progress, one line per run
                        runs.setdefault((mode, result["notebook"]), []).append(result)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    for results in runs.values():
        times = sorted(r["seconds"] for r in results)
        cells = sorted(r["cells_seconds"] for r in results)
        report["runs"].append(
            {
                **results[0],
                "seconds": times[len(times) // 2],
                "seconds_all": times,
                "cells_seconds": cells[len(cells) // 2],
                "peak_rss_mib": max((r["peak_rss_mib"] or 0) for r in results),
                "error": next((r["error"] for r in results if r["error"]), None),
            }
        )
    first = {r["notebook"]: r["seconds"] for r in report["runs"] if r["mode"] == args.modes[0]}
    for r in report["runs"]:  # side by side: each mode's time as a multiple of the first mode's
        if r["mode"] != args.modes[0] and first.get(r["notebook"]):
            r[f"time_vs_{args.modes[0]}"] = round(r["seconds"] / first[r["notebook"]], 2)
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=1))
    return 1 if any(r["error"] for r in report["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main())
