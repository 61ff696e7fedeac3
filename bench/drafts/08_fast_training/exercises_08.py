# ------------------------------------------------------------------ notebook 08
# (draft: append to cnnviz/exercises.py when notebooks/08_fast_training.ipynb enters; tests/test_teaching.py
# requires every registered exercise to be checked by a notebook, so not before)


@exercise(
    "08.1",
    hint="Keras' smoothed target is y * (1 - s) + s / K: the true class gets 1 - s plus its share s / K of the "
    "smoothing, with s = 0.2 and K = 10 classes.",
)
def _label_smoothing_true_target():
    return 1 - 0.2 + 0.2 / 10


@exercise(
    "08.2",
    decimals=0,
    hint="filter i passes input channel i through, and there is one input channel per filter to pass: "
    "as many filters as the smaller of (input channels, filters).",
)
def _identity_filters_24_in_32_out():
    return min(24, 32)


@exercise(
    "08.3",
    hint="1.96 * sqrt(p * (1 - p) / n) with p = 0.78 and n = 5,000, times 100 for percentage points; "
    "a gain smaller than it (or than the seeds' spread) is a tie.",
)
def _interval_78_on_5000():
    return float(1.96 * np.sqrt(0.78 * 0.22 / 5000) * 100)


@exercise(
    "08.4",
    hint="SGD's step is learning rate x gradient (momentum only adds up past steps): a gradient 64 times "
    "larger makes the same step as a learning rate 64 times larger.",
)
def _scaled_bias_peak_rate():
    return 0.05 * 64


@exercise(
    "08.5",
    decimals=0,
    hint="three positions (unmoved, up-left, down-right), each seen as it is and mirrored.",
)
def _multi_crop_passes():
    return 3 * 2


@exercise(
    "08.6",
    decimals=0,
    hint="images per second x seconds = images seen; divided by the batch size = steps. Compute both rows "
    "and subtract.",
)
def _more_steps_per_budget():
    return round((1920 - 1280) * 110 / 64)
