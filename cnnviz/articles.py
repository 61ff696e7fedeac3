"""The five articles the course corrects: who wrote them, and the tables they print, quoted.

``SOURCES`` names each article the way learner-facing text does (``SOURCES["ali"].short`` is
"Ali (2019)"): by author and year, never by a file number. The tables below are quotations, not
results: every value a notebook shows as right is computed by ``cnnviz.ops``/``cnnviz.xo``; the
tables are only set beside those values to show where an article went wrong.
Pure NumPy: imports neither Keras nor matplotlib.
"""

from typing import NamedTuple

import numpy as np


class Article(NamedTuple):
    """One article: short name for prose, full reference, and what it covers."""

    short: str  # how notebooks cite it, e.g. "Ali (2019)"
    author: str
    title: str
    year: str  # "n.d." when the text gives no date
    summary: str


SOURCES = {
    "ali": Article(
        "Ali (2019)",
        "Amir Ali",
        "Convolutional Neural Network (CNN) with Practical Implementation",
        "2019",
        "the X/O network computed by hand (convolution, ReLU, pooling, votes), then a Keras cats-vs-dogs classifier",
    ),
    "dishashree": Article(
        "Dishashree (n.d.)",
        "Dishashree (named in the article's comments)",
        "untitled in our copy: an Analytics Vidhya tutorial on the architecture of CNNs",
        "n.d.",
        "from one weight per pixel to a 2-D kernel in five cases; stride, padding, output "
        "sizes; a one-convolution Keras network for cats and dogs",
    ),
    "mwiti": Article(
        "Mwiti (2018)",
        "Derrick Mwiti",
        "Convolutional Neural Networks: An Intro Tutorial",
        "2018",
        "convolution, ReLU, pooling, flattening and softmax in words, then a Keras classifier "
        "for any folder of class subfolders (brain scans: benign / malignant)",
    ),
    "anonymous": Article(
        "Anonymous (n.d.)",
        "no author given",
        "Convolution Neural Network",
        "n.d.",
        "why convolution (parameters, locality), a worked 5x5 convolution, then a small "
        "CIFAR-10 network trained for 5 epochs",
    ),
    "spahovic": Article(
        "Spahović (n.d.)",
        "Berin Spahović",
        "untitled in our copy: a Keras tutorial on CNN architecture",
        "n.d.",
        "receptive fields, pooling and output sizes, then a deeper "
        "CIFAR-10 network with dropout and early stopping, trained for 50 epochs",
    ),
}


def _table(text):
    return np.array([[float(t) for t in line.split()] for line in text.strip().splitlines()])


# Ali (2019), "Selection of Image": the first X and O it shows (8 rows each).
X_FIRST = _table("""
-1 -1 -1 -1 -1 -1 -1 -1 -1
-1  1 -1 -1 -1 -1 -1  1 -1
-1 -1  1 -1 -1 -1  1 -1 -1
-1 -1 -1  1 -1  1 -1 -1 -1
-1 -1 -1 -1  1 -1 -1 -1 -1
-1 -1  1 -1 -1  1 -1 -1 -1
-1  1 -1 -1 -1 -1  1 -1 -1
-1 -1 -1 -1 -1 -1 -1 -1 -1
""")

O_FIRST = _table("""
-1 -1 -1 -1 -1 -1 -1 -1 -1
-1 -1 -1  1  1  1 -1 -1 -1
-1 -1  1 -1 -1 -1  1 -1 -1
-1  1 -1 -1 -1 -1 -1  1 -1
-1  1 -1 -1 -1 -1 -1  1 -1
-1 -1  1 -1 -1 -1  1 -1 -1
-1 -1 -1  1  1  1 -1 -1 -1
-1 -1 -1 -1 -1 -1 -1 -1 -1
""")

# Ali (2019), "Feature Filter # 1/2/3 Extraction": the X drawn again for each filter (8 rows each).
X_FEATURE = {
    1: _table("""
-1 -1 -1 -1 -1 -1 -1 -1 -1
-1  1 -1 -1 -1 -1 -1  1 -1
-1 -1  1 -1 -1 -1  1 -1 -1
-1 -1 -1  1 -1  1 -1 -1 -1
-1 -1 -1 -1  1 -1 -1 -1 -1
-1 -1  1 -1 -1 -1  1 -1 -1
-1  1 -1 -1 -1 -1 -1  1 -1
-1 -1 -1 -1 -1 -1 -1 -1 -1
"""),
    2: _table("""
-1 -1 -1 -1 -1 -1 -1 -1 -1
-1  1 -1 -1 -1 -1 -1  1 -1
-1 -1  1 -1 -1 -1  1 -1 -1
-1 -1 -1  1 -1  1 -1 -1 -1
-1 -1 -1 -1  1 -1  1 -1 -1
-1 -1  1 -1 -1 -1 -1  1 -1
-1  1 -1 -1 -1 -1 -1  1 -1
-1 -1 -1 -1 -1 -1 -1 -1 -1
"""),
    3: _table("""
-1 -1 -1 -1 -1 -1 -1 -1 -1
-1  1 -1 -1 -1 -1  1 -1 -1
-1 -1  1 -1 -1 -1  1 -1 -1
-1 -1 -1  1 -1  1 -1 -1 -1
-1 -1 -1 -1  1 -1 -1 -1 -1
-1 -1  1 -1 -1 -1  1 -1 -1
-1  1 -1 -1 -1 -1 -1  1 -1
-1 -1 -1 -1 -1 -1 -1 -1 -1
"""),
}

# Ali (2019), 3.1.1: the X drawn beside the fourth worked window (row 0, column 3).
X_WINDOW_0_3 = _table("""
-1 -1 -1 -1 -1 -1 -1 -1 -1
-1  1 -1 -1 -1 -1 -1  1 -1
-1 -1  1 -1 -1 -1  1 -1 -1
-1 -1 -1  1 -1  1 -1 -1 -1
-1 -1 -1 -1  1 -1 -1 -1 -1
-1 -1  1 -1 -1 -1  1 -1 -1
-1 -1  1 -1 -1 -1 -1  1 -1
-1  1 -1 -1 -1 -1 -1 -1 -1
-1 -1 -1 -1 -1 -1 -1 -1 -1
""")

# Ali (2019), 3.1.1: the terms it adds up for the last window (row 6, column 6) and the mean it prints.
LAST_WINDOW_TERMS = [1, 1, 1, 1, 1, 1, 1, -1]
LAST_WINDOW_MEAN = 0.77
FIRST_WINDOW_MEAN = 0.77

# Ali (2019), 3.1.1 to 3.1.3: the three 7x7 maps of the X.
X_MAPS = [
    _table("""
0.77 -0.11 0.11 0.33 0.55 -0.11 0.33
-0.11 1.00 -0.11 0.33 -0.11 0.11 -0.11
0.11 -0.11 1.00 -0.33 0.11 -0.11 0.55
0.33 0.33 -0.33 0.55 -0.33 0.33 0.33
0.55 -0.11 0.11 -0.33 1.00 -0.11 0.11
-0.11 0.11 -0.11 0.33 -0.11 1.00 -0.11
0.33 -0.11 0.55 0.33 0.11 -0.11 0.77
"""),
    _table("""
0.33 -0.55 0.11 -0.11 0.11 -0.55 0.33
-0.55 0.55 -0.55 0.33 -0.55 0.55 -0.55
0.11 -0.55 0.55 -0.77 0.55 -0.55 0.11
-0.11 0.33 -0.77 1.00 -0.77 0.33 -0.11
0.11 -0.55 0.55 -0.77 0.55 -0.55 0.11
-0.55 0.55 -0.55 0.33 -0.55 0.55 -0.55
0.33 -0.55 0.11 -0.11 0.11 -0.55 0.33
"""),
    _table("""
0.33 -0.11 0.55 0.33 0.11 -0.11 0.77
-0.11 0.11 -0.11 0.33 -0.11 1.00 -0.11
0.55 -0.11 0.11 -0.33 1.00 -0.11 0.11
0.33 0.33 -0.33 0.55 -0.33 0.33 0.33
0.11 -0.11 1.00 -0.33 0.11 -0.11 0.55
-0.11 1.00 -0.11 0.33 -0.11 0.11 -0.11
0.77 -0.11 0.11 0.33 0.55 -0.11 0.33
"""),
]

# Ali (2019), 3.2.1: "Relu layer for convolutional layer 1" (8 rows).
X_RELU_1 = _table("""
0.77 0 0.11 0.33 0.55 0 0.33
0 1.00 0 0.33 0 0.11 0
0.11 0 1.00 0 0.11 0 0.55
0.33 0.33 0 0.55 0 0.33 0.33
0.55 0 0.11 0 1.00 0 0.11
0 0.11 0 0.33 0 1.00 0
0 0.11 0 0.33 0 1.00 0
0.33 0 0.55 0.33 0.11 0 0.77
""")

# Ali (2019), 3.3.1 to 3.3.3: the three 4x4 max-pooled maps of the X.
X_POOL1 = [
    _table("""
1.00 0.33 0.55 0.33
0.33 1.00 0.33 0.55
0.55 0.33 1.00 0.11
0.33 0.55 0.11 0.77
"""),
    _table("""
0.55 0.33 0.55 0.33
0.33 1.00 0.55 0.11
0.55 0.55 0.55 0.11
0.33 0.11 0.11 0.33
"""),
    _table("""
0.33 0.55 1.00 0.77
0.55 1.55 1.00 0.33
1.00 1.00 0.11 0.55
0.77 0.33 0.55 0.33
"""),
]

# Ali (2019), 3.4: the three 2x2 maps after "further max pooling".
X_POOL2 = [_table("1.00 0.55\n0.55 1.00"), _table("1.00 0.55\n0.55 0.55"), _table("0.55 1.00\n1.00 0.55")]

# Ali (2019), 3.6 "Fully connected layer (for X)": the list of values it gives for the X (13 of them).
X_VECTOR = [1.00, 0.55, 0.55, 1.00, 1.00, 0.55, 0.55, 0.55, 0.55, 0.55, 1.00, 1.00, 0.55]

# Ali (2019), "Prediction example": the percentages it states for X and O.
PERCENT = {"X": 91, "O": 51}

# Anonymous (n.d.), "Matrix Calculation": a 5x5 input, the 3x3 kernel (its subscripts) and the output it prints.
ANON_IMAGE = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
ANON_KERNEL = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
ANON_OUTPUT = np.array([[12.0, 12.0, 17.0], [10.0, 17.0, 19.0], [9.0, 6.0, 14.0]])

# Anonymous (n.d.) opens with a 16x12 patch of a grayscale photo (16 rows x 12 columns of pixel values)
# and prints it twice: the second copy differs in one pixel (row 8, column 9).
ANON_PATCH = np.array(
    [
        [157, 153, 174, 168, 150, 152, 129, 151, 172, 161, 155, 156],
        [155, 182, 163, 74, 75, 62, 33, 17, 110, 210, 180, 154],
        [180, 180, 50, 14, 34, 6, 10, 33, 48, 106, 159, 181],
        [206, 109, 5, 124, 131, 111, 120, 204, 165, 15, 56, 180],
        [194, 68, 137, 251, 237, 239, 239, 228, 227, 87, 71, 201],
        [172, 105, 207, 233, 233, 214, 220, 239, 228, 98, 74, 206],
        [188, 88, 179, 209, 185, 215, 211, 158, 139, 75, 20, 169],
        [189, 97, 165, 84, 10, 168, 134, 11, 31, 62, 22, 148],
        [199, 168, 191, 193, 158, 227, 178, 143, 182, 105, 36, 190],
        [205, 174, 155, 252, 236, 231, 149, 178, 228, 43, 95, 234],
        [190, 216, 116, 149, 236, 187, 85, 150, 79, 38, 218, 241],
        [190, 224, 147, 108, 227, 210, 127, 102, 36, 101, 255, 224],
        [190, 214, 173, 66, 103, 143, 95, 90, 2, 109, 249, 215],
        [187, 196, 235, 75, 1, 81, 47, 0, 6, 217, 255, 211],
        [183, 202, 237, 145, 0, 0, 12, 108, 200, 138, 243, 236],
        [195, 206, 123, 207, 177, 121, 123, 200, 175, 13, 96, 218],
    ]
)
ANON_PATCH_REPEAT = ANON_PATCH.copy()
ANON_PATCH_REPEAT[8, 9] = 106


def truncate(values, decimals=2):
    """Cut ``values`` after ``decimals`` digits, toward zero (what Ali (2019)'s tables do), instead of rounding."""
    scale = 10.0**decimals
    return np.trunc(np.asarray(values, dtype=float) * scale + np.sign(values) * 1e-9) / scale


def compare(printed, right, decimals=2, beyond_truncation=False):
    """Return a plain sentence on how a printed table differs from the ``right`` values (shape, then cells).

    With ``beyond_truncation=True`` only the cells that truncating cannot explain are listed.
    """
    printed, right = np.asarray(printed, dtype=float), np.asarray(right, dtype=float)
    if printed.shape != right.shape:
        return f"shape {printed.shape} printed, {right.shape} computed"
    expected = truncate(right, decimals) if beyond_truncation else np.round(right, decimals)
    wrong = np.argwhere(np.abs(printed - expected) > 10**-decimals / 2)
    if not len(wrong):
        how = "truncated" if beyond_truncation else "rounded"
        return f"all {right.size} values agree ({how} to {decimals} decimals)"
    cells = ", ".join(
        f"{tuple(int(i) for i in idx)}: {printed[tuple(idx)]:g} printed, "
        f"{np.round(right[tuple(idx)], decimals):g} right"
        for idx in wrong[:6]
    )
    more = f" and {len(wrong) - 6} more" if len(wrong) > 6 else ""
    return f"{len(wrong)} of {right.size} values differ - {cells}{more}"
