"""Time the dataset loaders on the real shared copy and print the figures as JSON.

    .venv/bin/python bench/data_load.py [--data-dir DIR]   (default: CNNVIZ_DATA_DIR, else ../shared/data)

Uses a fresh temporary CNNVIZ_CACHE_DIR, so the first CIFAR-10 load decodes all 60,000 JPEGs from
cifar10-jpeg.tar.gz; the second load (same process) and a load in a new process read the cache.
Then it unpacks cats-vs-dogs-train.tar.gz and times the undecodable-image check on its 2,000
photos: Pillow verify() alone, verify() plus a real decode (what find_bad_images does), and
find_bad_images again once it remembers the good files.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

CHILD = (
    "import time; from cnnviz import data; t = time.perf_counter(); "
    "data.load_cifar10(data_dir={!r}); print(time.perf_counter() - t)"
)


def timed(fn, *args, **kwargs):
    """Return (result, wall seconds) of one call; keep its CPU seconds in timed.cpu."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    timed.cpu = time.process_time() - cpu
    return result, time.perf_counter() - start


def verify_only(path):
    """Return True when Pillow's verify() accepts the file (it does not decode JPEG data)."""
    try:
        with Image.open(path) as image:
            image.verify()
        return True
    except Exception:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("CNNVIZ_DATA_DIR") or str(Path(__file__).resolve().parents[2] / "shared" / "data"),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnnviz-bench-") as cache:
        os.environ["CNNVIZ_CACHE_DIR"] = cache
        from cnnviz import data

        load = os.getloadavg()[0]
        cifar, first = timed(data.load_cifar10, data_dir=args.data_dir)
        first_cpu = timed.cpu
        _, second = timed(data.load_cifar10, data_dir=args.data_dir)
        start = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-c", CHILD.format(args.data_dir)],
            env=dict(os.environ),
            capture_output=True,
            text=True,
            check=True,
        )
        new_process = time.perf_counter() - start

        root, unpack = timed(data.unpack_once, Path(args.data_dir) / "cats-vs-dogs-train.tar.gz")
        photos = data._image_files(root)
        verified, verify_s = timed(lambda: [p for p in photos if not verify_only(p)])
        decoded, decode_s = timed(lambda: [p for p in photos if not data._decodes(p)])
        bad, cold = timed(data.find_bad_images, root)
        bad_again, warm = timed(data.find_bad_images, root)
        assert bad == bad_again == decoded
        print(
            json.dumps(
                {
                    "machine": {
                        "cpus": os.cpu_count(),
                        "load_average_1min_at_start": round(load, 2),
                        "note": "shared machine: other jobs ran at the same time",
                    },
                    "cifar10": {
                        "source": cifar.source,
                        "train_images": len(cifar[0][0]),
                        "test_images": len(cifar[1][0]),
                        "first_load_s": round(first, 2),
                        "first_load_cpu_s": round(first_cpu, 2),
                        "cached_load_same_process_s": round(second, 3),
                        "cached_load_new_process_call_s": round(float(child.stdout.split()[-1]), 3),
                        "cached_load_new_process_total_s": round(new_process, 2),
                        "first_over_cached": round(first / second, 1),
                    },
                    "cats_vs_dogs_check": {
                        "photos": len(photos),
                        "unpack_once_s": round(unpack, 2),
                        "pillow_verify_only_s": round(verify_s, 2),
                        "verify_only_bad": len(verified),
                        "verify_and_decode_s": round(decode_s, 2),
                        "verify_and_decode_bad": len(decoded),
                        "decode_over_verify": round(decode_s / verify_s, 1),
                        "find_bad_images_first_s": round(cold, 2),
                        "find_bad_images_remembered_s": round(warm, 3),
                        "ms_per_photo_first": round(1000 * cold / len(photos), 2),
                    },
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
