"""`make lab` starts JupyterLab as the current user (root included): /api/status answers; an unprivileged user can too.

The first test runs ``make lab BROWSER=no LAB_PORT=<free port> LAB_TOKEN=<random>`` from the checkout with
this test's environment as the Makefile's VENV (``-o`` keeps make from reinstalling it: installing is
``make test``'s own first step), waits for ``/api/status`` to answer with the token, checks that a
request without the token is refused, then stops the whole process group (make and JupyterLab).
JupyterLab is started once: as root (a container, CI), the unprivileged user's case is checked without a
second server: the command make runs for that user (no --allow-root), and that its Python imports JupyterLab.
A last test gives make a Python older than 3.11 and reads what it says.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)
START = 120  # seconds JupyterLab may take to answer on a busy 2-core machine
NOBODY = 65534


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(port, token=None):
    """Return (HTTP status, JSON body or None) of GET /api/status."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status")
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, None


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def _stop(proc):
    """Stop make and JupyterLab (one process group): SIGTERM, then SIGKILL if any is left after 30 s."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        if _group_alive(proc.pid):
            os.killpg(proc.pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _group_alive(proc.pid):
            proc.poll()  # reap make itself so it does not linger as a zombie of the group
            time.sleep(0.2)
        if not _group_alive(proc.pid):
            break
    proc.wait(10)


def _make_lab(home, user=None, venv=VENV):
    """Start `make lab` in its own process group; return (process, port, token, log path)."""
    port, token = _free_port(), secrets.token_hex(16)
    log = home / "lab.log"
    # Nothing from a calling make (`make test` runs this test) or a Jupyter setting of the caller.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHONPATH", "MAKE", "MFLAGS"))}
    env.update(
        HOME=str(home),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
    )
    cmd = [
        "make",
        "--no-print-directory",
        "-C",
        str(ROOT),
        "-o",
        f"{venv}/.installed",
        "lab",
        f"VENV={venv}",
        "BROWSER=no",
        f"LAB_PORT={port}",
        f"LAB_TOKEN={token}",
    ]
    extra = {"user": user, "group": user, "extra_groups": []} if user is not None else {}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=home,
            start_new_session=True,
            **extra,
        )
    return proc, port, token, log


def _check_lab_starts(home, user=None, venv=VENV):
    proc, port, token, log = _make_lab(home, user, venv)
    try:
        deadline, answer = time.monotonic() + START, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = _status(port, token)
                break
            except OSError:  # not listening yet
                time.sleep(0.5)
        text = log.read_text(errors="replace")
        assert answer is not None, (
            f"JupyterLab did not answer on port {port} within {START} s (exit {proc.poll()}):\n{text[-3000:]}"
        )
        code, body = answer
        assert code == 200 and "started" in body, (code, body)
        assert _status(port)[0] == 403, "JupyterLab answered /api/status without the token"
        # The command make ran: --allow-root exactly when the user is root, the token not on it.
        command = next(line for line in text.replace("\\\n", " ").splitlines() if "jupyter lab" in line)
        uid = os.getuid() if user is None else user
        assert ("--allow-root" in command) == (uid == 0), command
        assert token not in command.split("jupyter lab", 1)[1] and "--no-browser" in command
    finally:
        _stop(proc)
    assert proc.poll() is not None and not _group_alive(proc.pid)
    with socket.socket() as s:  # nothing listens on the port any more (a closed connection may linger)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


@pytest.fixture
def home(tmp_path):
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.mark.server
@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
def test_make_lab_starts_jupyterlab_as_the_current_user(home):
    _check_lab_starts(home)


def _runs_as(user, cmd):
    """Return "" when ``user`` can run ``cmd`` here, else why not."""
    try:
        done = subprocess.run(cmd, user=user, group=user, extra_groups=[], capture_output=True, text=True, cwd="/")
        return (done.stderr or done.stdout).strip()[-300:] if done.returncode else ""
    except PermissionError as err:
        return str(err)


def _venv_usable_by(user, folder):
    """Return a VENV folder whose Python and JupyterLab ``user`` can run, or None.

    This environment's own, when the user can run its Python. Else (a Python under /root, as pyenv
    installs it for root) a small venv in ``folder`` made from the system's Python of the same version,
    seeing this environment's packages through a .pth line, with a ``jupyter`` command of its own.
    """
    if not _runs_as(user, [str(VENV / "bin" / "python"), "-c", "import jupyterlab"]):
        return VENV
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not system.exists() or _runs_as(user, [str(system), "-c", "pass"]):
        return None
    venv = folder / "venv"
    if subprocess.run([str(system), "-m", "venv", "--without-pip", str(venv)], capture_output=True).returncode:
        return None
    purelib = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    Path(purelib, "_cnnviz_test_dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    for command, module in (("jupyter", "jupyter_core.command"), ("jupyter-lab", "jupyterlab.labapp")):
        script = venv / "bin" / command  # `jupyter lab` runs the jupyter-lab beside it
        script.write_text(f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom {module} import main\nsys.exit(main())\n")
        script.chmod(0o755)
    return venv if not _runs_as(user, [str(venv / "bin" / "python"), "-c", "import jupyterlab"]) else None


@pytest.mark.slow  # it may build a small virtual environment the user can run
@pytest.mark.skipif(
    not shutil.which("make") or os.getuid() != 0,
    reason="switching to an unprivileged user needs root (as a user, the test above is that case)",
)
def test_make_lab_as_an_unprivileged_user_runs_jupyterlab_without_allow_root():
    why = _runs_as(NOBODY, ["make", "-s", "-C", str(ROOT), "-n", "-o", f"{VENV}/.installed", "lab", f"VENV={VENV}"])
    if why:
        pytest.skip(f"uid {NOBODY} cannot read the checkout {ROOT}: {why}")
    # pytest's tmp_path is private to root: the unprivileged user's home is a folder of its own in /tmp.
    with tempfile.TemporaryDirectory(prefix="cnnviz-lab-") as folder:
        home = Path(folder)
        home.chmod(0o777)
        venv = _venv_usable_by(NOBODY, home)
        if venv is None:
            pytest.skip(f"uid {NOBODY} can run neither {VENV}/bin/python nor a system Python {sys.version_info[:2]}")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHONPATH", "MAKE", "MFLAGS"))}
        env.update(HOME=str(home), JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"))
        as_user = {
            "user": NOBODY,
            "group": NOBODY,
            "extra_groups": [],
            "capture_output": True,
            "text": True,
            "env": env,
            "cwd": home,
            "timeout": 120,
        }
        # What make would run (-n: nothing is started): no --allow-root for a user that is not root.
        dry = subprocess.run(
            [
                "make",
                "--no-print-directory",
                "-C",
                str(ROOT),
                "-n",
                "-o",
                f"{venv}/.installed",
                "lab",
                f"VENV={venv}",
                "BROWSER=no",
                "LAB_PORT=8999",
            ],
            **as_user,
        )
        assert dry.returncode == 0, dry.stderr
        command = next(line for line in dry.stdout.replace("\\\n", " ").splitlines() if "jupyter lab" in line)
        assert "--allow-root" not in command and "--no-browser" in command, command
        # (that command's Python imports JupyterLab as this user: _venv_usable_by returns None otherwise)


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
def test_make_lab_with_a_python_older_than_311_says_what_to_install(tmp_path):
    old = tmp_path / "python3.10"  # answers like Python 3.10: its version, and False to "is this 3.11+?"
    old.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "Python 3.10.13"; exit 0; }\nexit 1\n')
    old.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "lab", f"VENV={tmp_path / 'venv'}", f"PYTHON={old}"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode != 0 and not (tmp_path / "venv").exists()
    assert "needs Python 3.11 or newer" in done.stdout and "is Python 3.10.13" in done.stdout
    assert "make lab PYTHON=" in done.stdout
