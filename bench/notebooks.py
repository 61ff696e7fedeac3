"""Run each notebook top to bottom in one or more modes; print wall time and the kernel's peak memory as JSON.

    .venv/bin/python bench/notebooks.py notebooks/0[1-4]_*.ipynb --modes quick class

Each notebook runs in a fresh kernel (nbclient, the engine behind nbconvert --execute), as a student's
first run would: a new, empty CNNVIZ_CACHE_DIR per mode (datasets decoded, models trained from
scratch; later notebooks of the same mode see what earlier ones cached, as in one student's
session). Memory is the kernel process's peak resident set (VmHWM from /proc, plus the peak RSS of
any child processes it starts) and, sampled every 0.2 s, its peak private (anonymous) memory: the part a
memory limit cannot take back, where the resident set also holds shared-library pages read from disk,
which a limit evicts and reads again. ``--memory-limit MIB`` runs everything (this process and the
kernels, as a hub's limit covers its server and kernels) in a memory cgroup of that size, like
Binder's or a hub's limit (needs root or a delegated cgroup); each run then reports the cgroup's peak
and how often the limit was hit (``limit_hits``), and a kernel the limit kills is an error. With several
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


class MemoryLimit:
    """A memory cgroup (v2, else v1) of ``mib`` MiB holding this process and so every kernel it starts."""

    def __init__(self, mib):
        v2, v1 = Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/memory")
        unified = (v2 / "cgroup.controllers").exists() and "memory" in (v2 / "cgroup.controllers").read_text()
        self.v2, root = unified, (v2 if unified else v1)
        lines = [line.split(":", 2) for line in Path("/proc/self/cgroup").read_text().splitlines()]
        here = next(p for _, c, p in lines if c == ("" if unified else "memory"))
        self.home, self.path = root / here.lstrip("/"), root / f"cnnviz-bench-{os.getpid()}"
        try:
            self.path.mkdir()
            self._write("memory.max" if unified else "memory.limit_in_bytes", str(mib * 2**20))
            self._write("cgroup.procs", str(os.getpid()))
        except OSError as err:
            if self.path.is_dir():
                self.path.rmdir()
            raise SystemExit(
                f"--memory-limit: cannot make a memory cgroup at {self.path} ({err}); run as root, or in a cgroup "
                "delegated to you, or limit the whole run another way (systemd-run --scope -p MemoryMax=1G ...)"
            ) from err

    def _write(self, name, text):
        (self.path / name).write_text(text)

    def reset(self):
        """Start a run: (v1) forget the previous peak; return the limit-hit count so far."""
        if not self.v2:
            self._write("memory.max_usage_in_bytes", "0")
        return self.hits()

    def hits(self):
        if self.v2:
            events = dict(line.split() for line in (self.path / "memory.events").read_text().splitlines())
            return int(events["max"])
        return int((self.path / "memory.failcnt").read_text())

    def close(self):
        """Move this process back to the cgroup it came from and remove this one."""
        (self.home / "cgroup.procs").write_text(str(os.getpid()))
        try:
            self.path.rmdir()
        except OSError as err:  # a process of the run still inside: leave the cgroup, say where
            print(f"--memory-limit: could not remove {self.path} ({err}); rmdir it later", file=sys.stderr)

    def peak_mib(self):
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        return round(int((self.path / name).read_text()) / 2**20)


class PeakMemory(threading.Thread):
    """Sample a process and its children until stopped; keep the peak resident memory in bytes."""

    def __init__(self, pid, interval=0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.peak_anon, self._done = pid, interval, 0, 0, threading.Event()

    @staticmethod
    def _status(pid, field):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
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
            children = psutil.Process(self.pid).children(recursive=True)
            rss = sum(c.memory_info().rss for c in children)
        except psutil.Error:
            return
        self.peak = max(self.peak, self._status(self.pid, "VmHWM") + rss)
        anon = sum(self._status(p, "RssAnon") for p in [self.pid, *(c.pid for c in children)])
        self.peak_anon = max(self.peak_anon, anon)

    def stop(self):
        self._done.set()
        self.join()


def run_notebook(path, timeout, write=False, cells=False, limit=None):
    """Execute ``path`` in a fresh python3 kernel; return seconds, peak MiB, cell count and any error.

    With ``write``, a run without error is saved over ``path`` with its outputs; with ``cells``, the
    result also lists the cells that raised the peak (``growth``: [index, peak MiB, resident MiB]); with
    ``limit`` (a MemoryLimit), the cgroup's peak (v2: since it was made) and the limit hits of this run.
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
    hits = limit.reset() if limit else None
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
        "peak_anon_mib": round(monitor["thread"].peak_anon / 2**20) if "thread" in monitor else None,
        **({"cgroup_peak_mib": limit.peak_mib(), "limit_hits": limit.hits() - hits} if limit else {}),
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
    parser.add_argument("--memory-limit", type=int, metavar="MIB", help="run inside a memory cgroup of MIB MiB")
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
    limit = MemoryLimit(args.memory_limit) if args.memory_limit else None
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
                        result = {"mode": mode, **run_notebook(path, args.cell_timeout, write, args.cells, limit)}
                        print(json.dumps(result), file=sys.stderr, flush=True)  # progress, one line per run
                        runs.setdefault((mode, result["notebook"]), []).append(result)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if limit:
            limit.close()
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
                "peak_anon_mib": max((r["peak_anon_mib"] or 0) for r in results),
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
