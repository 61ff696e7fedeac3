"""`make test-browser` installs Chromium only where apt-get can run without a password, and otherwise says what to do.

Only the refusals are run here (they must not install anything): no apt-get on the machine (macOS,
Fedora), and a user who is not root and has no password-less sudo. The install itself (root with
apt-get) is what CI's `make test-browser` does.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MISSING = "/nonexistent/chromium"
NOBODY = 65534
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(not MAKE, reason="make is not installed")


def _make_chromium(cwd, path=None, **kw):
    """Run only the Makefile's Chromium rule, for a Chromium that does not exist."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}  # nothing from `make test`
    env["PATH"] = path or os.environ["PATH"]
    return subprocess.run(
        [MAKE, "-s", "-C", str(ROOT), "-o", f"{sys.prefix}/.installed", MISSING, f"CHROMIUM={MISSING}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=60,
        **kw,
    )


def test_without_apt_get_it_says_what_to_install_and_how_to_point_at_it(tmp_path):
    bin_ = tmp_path / "bin"  # a PATH with `id` and nothing else: no apt-get, no sudo
    bin_.mkdir()
    (bin_ / "id").symlink_to(shutil.which("id"))
    done = _make_chromium(tmp_path, path=str(bin_))
    assert done.returncode != 0
    assert f"found none at {MISSING}" in done.stdout and "brew install --cask chromium" in done.stdout
    assert "make test-browser CHROMIUM=/path/to/chromium" in done.stdout
    assert "apt-get" not in done.stdout + done.stderr.replace("make:", "")


@pytest.mark.skipif(
    os.getuid() != 0 or not shutil.which("apt-get"),
    reason="needs root (to become an unprivileged user) on a machine with apt-get",
)
def test_a_user_without_password_less_sudo_is_told_the_command_and_never_prompted():
    try:  # run from / : pytest's tmp folder is private to root
        done = _make_chromium("/", user=NOBODY, group=NOBODY, extra_groups=[])
    except PermissionError as err:
        pytest.skip(f"uid {NOBODY} cannot run make here: {err}")
    if "No such file or directory" in done.stderr and "Makefile" in done.stderr:
        pytest.skip(f"uid {NOBODY} cannot read the checkout {ROOT}")
    assert done.returncode != 0
    assert "sudo apt-get install chromium" in done.stdout and "does not ask for a password" in done.stdout
    assert "make test-browser CHROMIUM=/path/to/chromium" in done.stdout
    assert "password for" not in done.stdout + done.stderr  # sudo never asked
