#!/bin/bash
# waits for the tiny bench run, then runs the draft's test copy under nbval (quick mode) under the lock
cd /work/main
while [ ! -f /tmp/bash_jobs.0/84961f462f78/rc ]; do sleep 5; done
cp /tmp/fast_tiny.json /work/wip08/assets/cifar10_fast.json
.venv/bin/python /work/wip08/make_nb.py
.venv/bin/python /work/wip08/make_test_copy.py build/wip08test/08_fast_training.ipynb
date -u
flock /tmp/cnnviz-train.lock sh -c 'uptime; date -u; time env CNNVIZ_MODE=quick CNNVIZ_OFFLINE=1 CNNVIZ_CACHE_DIR=$PWD/build/test-cache CNNVIZ_DATA_DIR=/work/shared/data MPLBACKEND=agg .venv/bin/python -m pytest build/wip08test/08_fast_training.ipynb --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q -rs; uptime'
