"""cnnviz leaves one CPU free of TensorFlow's intra-op threads (steady training speed, bench/cifar10_steady.py)."""

import os
import subprocess
import sys

from cnnviz import config


def test_intra_op_threads_is_one_fewer_than_the_cpus_and_at_least_one(monkeypatch):
    for cpus, expected in ((1, 1), (2, 1), (4, 3), (16, 15)):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid, n=cpus: set(range(n)), raising=False)
        assert config.intra_op_threads() == expected


def _env_after_import(extra):
    env = {k: v for k, v in os.environ.items() if k != "TF_NUM_INTRAOP_THREADS"} | extra
    code = "import os, cnnviz; print(os.environ['TF_NUM_INTRAOP_THREADS'])"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_import_sets_the_intra_op_threads_before_tensorflow_and_keeps_a_value_the_user_set():
    assert _env_after_import({}) == str(config.intra_op_threads())
    assert _env_after_import({"TF_NUM_INTRAOP_THREADS": "2"}) == "2"
