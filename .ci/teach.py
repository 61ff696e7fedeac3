"""The teacher's kit, generated from one source: the notebooks' cell marks and ``cnnviz.exercises``.

A maintainer's tool, run from the checkout (it reads the notebooks, TEACHING.md and bench/README.md beside
this folder); not part of the cnnviz package, which a student installs. Pure Python and NumPy (never imports
Keras). ``python .ci/teach.py COMMAND`` (the Makefile's ``make teaching``, ``make answers``, ``make student``,
``make assignments``):

- ``teaching``: rewrite the generated blocks of TEACHING.md (objectives, core path and optional
  parts, exercises and common mistakes, the one-day and three-labs schedules);
- ``answers OUT.md``: every exercise's question, its computed answer and why;
- ``student DIR``: the student edition, where "write it yourself" cells are stubs with their check;
- ``assignments DIR``: an nbgrader course (``source/`` -> ``nbgrader generate_assignment``).

The marks a course notebook carries (cell metadata; the teacher's notebook reads as before):

- tag ``optional``: depth beside the core path;
- tag ``solution``: a cell the student writes; ``metadata["cnnviz"]["stub"]`` is the cell as the
  student gets it (the lines it shares with the solution stay, the rest is a comment saying what to
  write and ``raise NotImplementedError``), ``metadata["cnnviz"]["check"]`` the code that checks it
  against cnnviz's exact reference (it raises on a wrong answer), and optionally
  ``metadata["cnnviz"]["needs"]`` the ids of the cells it needs run first (default: every cell of the
  core path before it), which keeps an nbgrader assignment small;
- tag ``predict``: a cell whose output answers a "predict, then run" question (cleared for students).
"""

import copy
import json
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from cnnviz import exercises, learn, widgets, xo

ROOT = Path(__file__).resolve().parents[1]  # the checkout: this file is .ci/teach.py
NOTEBOOKS = ROOT / "notebooks"
TEACHING = ROOT / "TEACHING.md"
BENCH_README = ROOT / "bench" / "README.md"
COURSE_GLOB = "[0-9][0-9]_*.ipynb"
GENERATED = "cnnviz-generated"  # metadata key of cells the student edition adds
NBGRADER_SCHEMA = 3


# ------------------------------------------------------------------ reading the notebooks


def course_notebooks(folder=NOTEBOOKS):
    """Return the paths of the course's numbered notebooks, in order."""
    return sorted(Path(folder).glob(COURSE_GLOB))


def load(path):
    """Return a notebook as a dict (nbformat 4 JSON)."""
    return json.loads(Path(path).read_text())


def save(nb, path):
    """Write a notebook as Jupyter does (one-space indent, a final newline)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def source(cell):
    """Return a cell's source as one string."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def is_optional(cell):
    return "optional" in tags(cell)


def wholly_optional(nb):
    """True if every cell of the notebook is tagged ``optional`` (a notebook beside the class day, like 08)."""
    return all(is_optional(cell) for cell in nb["cells"])


def title(nb):
    """Return the notebook's title: the first '# ' heading of its first cell, without the '#'."""
    m = re.search(r"^#\s+(.+)$", source(nb["cells"][0]), re.MULTILINE)
    return m.group(1).strip() if m else ""


def objectives(nb):
    """Return the objectives the title cell lists (its first numbered or bulleted list), one string each."""
    items, started = [], False
    for line in source(nb["cells"][0]).split("\n"):
        m = re.match(r"\s*(?:\d+\.|-)\s+(.*)", line)
        if m:
            items.append(m.group(1).strip())
            started = True
        elif started and line.startswith((" ", "\t")) and line.strip():
            items[-1] += " " + line.strip()
        elif started:
            break
    return items


def headings(nb, optional):
    """Return the '## ' headings of the core path (``optional=False``) or of the optional cells."""
    out = []
    for cell in nb["cells"][1:]:
        if cell["cell_type"] == "markdown" and is_optional(cell) == optional:
            out += [h.strip() for h in re.findall(r"^##\s+(.+)$", source(cell), re.MULTILINE)]
    return out


EXERCISE_ID = re.compile(r"[\"'](\d\d\.\d+)[\"']")


def exercises_used(nb):
    """Return {exercise id: True if it sits in an optional cell} for every exercise a notebook checks."""
    used = {}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "exercises" in source(cell):
            for exercise_id in EXERCISE_ID.findall(source(cell)):
                used.setdefault(exercise_id, is_optional(cell))
    return used


def question(nb, exercise_id):
    """Return the question of ``exercise_id`` as the notebook words it ('' if not found).

    Two forms are read: a paragraph starting ``**NN.k`` (or ``**Exercise NN.k``), and item k of
    the numbered list in the markdown cell before a cell that checks several exercises at once.
    """
    cells = nb["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            m = re.search(r"\*\*(?:Exercise )?" + re.escape(exercise_id) + r"\b.*?(?=\n\s*\n|\Z)", source(cell), re.S)
            if m:
                return " ".join(m.group(0).split())
    k = exercise_id.split(".")[1]
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code" and f'"{exercise_id}"' in source(cell) and i > 0:
            text = source(cells[i - 1])
            m = re.search(rf"(?:^|\n){k}\.\s+(.+?)(?=\n\d+\.\s|\Z)", text, re.S)
            if m:
                return " ".join(m.group(1).split())
    return ""


# ------------------------------------------------------------------ the yardstick


def _seconds(cell):
    """Stored run time of a code cell, from the execution metadata Jupyter writes."""
    m = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(m["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(m["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return max(0.0, (end - start).total_seconds())


def yardstick(nb):
    """Return {'core': minutes, 'optional': minutes, 'compute_s': stored seconds of the core path}.

    The course's yardstick (the team's ``course_time.py``, same formula): markdown words / 100, plus
    1 per code cell, 0.5 per figure, 4 per ``exercises.check`` and the stored compute time; the
    cells tagged ``optional`` counted apart.
    """
    acc = {False: [0, 0, 0, 0, 0.0], True: [0, 0, 0, 0, 0.0]}
    for cell in nb["cells"]:
        a, src = acc[is_optional(cell)], source(cell)
        if cell["cell_type"] == "markdown":
            a[0] += len(src.split())
        elif cell["cell_type"] == "code":
            a[1] += 1
            a[3] += len(re.findall(r"exercises\.check\(", src))
            a[4] += _seconds(cell)
            a[2] += sum(1 for o in cell.get("outputs", []) if "image/png" in o.get("data", {}))
    minutes = {opt: a[0] / 100 + a[1] + 0.5 * a[2] + 4 * a[3] + a[4] / 60 for opt, a in acc.items()}
    return {"core": minutes[False], "optional": minutes[True], "compute_s": acc[False][4]}


def measured_class_seconds(readme=BENCH_README):
    """Return {notebook name: class-mode run time in seconds} from bench/README.md's table of measured times."""
    out = {}
    if Path(readme).is_file():
        for name, seconds in re.findall(
            r"^\| `(\d\d_\w+)` \| [^|]+\| [^|]+\| (\d+) s\b", Path(readme).read_text(), re.MULTILINE
        ):
            out[name] = int(seconds)
    return out


def teaching_minutes(folder=NOTEBOOKS):
    """Return [(name, title, core minutes, optional minutes)] for the schedule.

    Core minutes are the yardstick's, with the compute term the larger of the notebook's stored run
    and the class-mode run bench/README.md measured (a notebook stored in quick mode, or not yet run,
    would otherwise count its training as free), rounded to whole minutes. A wholly optional notebook has no core
    path, so its measured run is not added to one (its stored run counts in its optional minutes).
    """
    measured = measured_class_seconds()
    rows = []
    for path in course_notebooks(folder):
        nb = load(path)
        y = yardstick(nb)
        extra = 0.0 if wholly_optional(nb) else max(0.0, measured.get(path.stem, 0) - y["compute_s"]) / 60
        rows.append((path.stem, title(nb), round(y["core"] + extra), round(y["optional"])))
    return rows


# ------------------------------------------------------------------ schedules

DAY_START = "09:00"
BREAKS = (("10:30", 15, "coffee break"), ("12:30", 60, "lunch"), ("14:45", 15, "coffee break"))
LAB_MINUTES = 120
DAY_END = "16:30"


def _clock(t):
    return t.strftime("%H:%M")


def day_schedule(rows, day_end=DAY_END):
    """Return the one-day schedule as (start, end, what, minutes) rows.

    Notebooks follow one another from 9:00 with their core minutes; a break starts at the first
    notebook boundary from 10 minutes before its time on (a notebook is never cut in two); the time
    left before ``day_end`` closes the day (questions, the final project), if there is any.
    """
    t = datetime.strptime(DAY_START, "%H:%M")
    out, pending = [], list(BREAKS)
    for name, _title, core, _ in rows:
        while pending and t >= datetime.strptime(pending[0][0], "%H:%M") - timedelta(minutes=10):
            _, length, what = pending.pop(0)
            out.append((_clock(t), _clock(t + timedelta(minutes=length)), what, length))
            t += timedelta(minutes=length)
        end = t + timedelta(minutes=core)
        out.append((_clock(t), _clock(end), f"`{name}`", core))
        t = end
    left = int((datetime.strptime(day_end, "%H:%M") - t).total_seconds() // 60)
    if left > 0:
        out.append((_clock(t), day_end, "wrap-up: the discussion questions left, the final project's brief", left))
    return out


def lab_schedule(rows, lab_minutes=LAB_MINUTES, labs=3):
    """Split the notebooks' core minutes into ``labs`` labs of at most ``lab_minutes``, in order, never cutting a
    notebook; the first notebooks become reading before the first lab when the labs cannot hold them all.

    Returns:
        (reading before the labs, [lab, ...]), each a list of (name, minutes): the least reading that lets every
        lab fit, and of those splits the one whose longest lab is shortest.
    """
    items = [(name, core) for name, _, core, _ in rows]
    for k in range(len(items)):
        rest, best = items[k:], None
        for cuts in _cuts(len(rest), labs):
            parts = [rest[a:b] for a, b in zip((0,) + cuts, cuts + (len(rest),))]
            longest = max(sum(m for _, m in part) for part in parts)
            if longest <= lab_minutes and (best is None or longest < best[0]):
                best = (longest, parts)
        if best:
            return items[:k], best[1]
    raise ValueError(f"no notebook fits a lab of {lab_minutes} min")


def _cuts(n, parts):
    """Yield the increasing tuples of ``parts - 1`` cut points splitting ``n`` items into non-empty parts."""
    if parts == 1:
        yield ()
        return
    for first in range(1, n - parts + 2):
        for rest in _cuts(n - first, parts - 1):
            yield (first,) + tuple(first + r for r in rest)


# ------------------------------------------------------------------ the answer key

# Why each answer is right, in a sentence or two (the numbers are computed by cnnviz.exercises).
WHY = {
    "01.1": "A grey channel picture is light where that channel's values are large; the channel with the "
    "largest mean value is the one the photo holds the most of, and the lightest picture.",
    "01.2": "A dense layer connects every input number to every neuron: a colour image flattened gives height x "
    "width x 3 inputs, each neuron has one weight per input and one bias.",
    "01.3": "A kernel's weights are shared over the whole image, so the count depends on the kernel size, the "
    "input channels and the number of kernels only (plus one bias each), never on the image size.",
    "01.4": "Yellow light is red and green light together with little blue; many pixels are right, the checker "
    "judges the one given.",
    "02.1": "Convolution is translation-equivariant: every window reads the same pixels as before, one column "
    "further right, so each value of the map moves one cell right with the image.",
    "02.2": "The value of one window is the mean of its nine products, pixel times kernel weight; on the bolder X "
    "more of the window's pixels are stroke, so fewer of them agree with the diagonal.",
    "02.3": "A kernel responds most where the image looks like it; a vertical run of +1 weights matches the O's "
    "left side and nothing of the X, whose strokes are diagonal.",
    "02.4": "Keras's output-size formula, floor((n + 2 padding - kernel) / stride) + 1: the windows that fit, "
    "counted with the stride.",
    "02.5": "Changing the centre weight flips the product of the centre pixel only: the mean moves by two ninths.",
    "02.6": "Each filter spans all three channels and gives one map, so the depth is the number of filters and "
    "each side shrinks by kernel - 1.",
    "02.7": "One filter on an RGB image has a 5x5 slice of weights per input channel.",
    "03.1": "With padding='same' a pooling of stride s keeps ceil(n / s) values along a side: the last window "
    "is cut short rather than dropped.",
    "03.2": "ReLU changes a pooled value only when every value of a pooling window is negative; an image that "
    "disagrees with a filter everywhere in a quarter gives such a window.",
    "03.3": "Pooling forgives small shifts: after the two poolings, most of the O's twelve values stay where they "
    "were; the answer counts those that change.",
    "03.4": "Average pooling keeps the mean of the window instead of its largest value, so it is never above max "
    "pooling's value.",
    "03.5": "A kernel that looks like one window of the O's top arc (stroke with background above and below) "
    "responds there more than anywhere on the X.",
    "03.6": "Windows tile a map, with neither overlaps nor gaps, when the stride equals the size; 'same' padding "
    "lets the last window hang over the edge of the 7x7 map.",
    "03.7": "With padding='valid' every window lies wholly inside the map: floor((n - k) / s) + 1.",
    "04.1": "The votes are a dense layer, W @ v + b, and softmax turns the two scores into probabilities that "
    "depend on how far apart the scores are.",
    "04.2": "The votes read filters by quarter, not pixels, and pooling forgets where in a quarter a stroke is: "
    "diagonals beside the X's own strokes give the same votes.",
    "04.3": "The nudge test measures a slope: (loss after a small nudge - loss before) / nudge; it agrees with "
    "learn.backward's gradient to a few decimals.",
    "04.4": "Training from the hand-made network keeps what it had and learns what it missed, measured on the "
    "hard test set the network never trained on.",
    "05.1": "Follow the sizes: a 3x3 valid convolution takes two pixels off a side, a 2x2 pooling halves it; the "
    "dense layer after Flatten holds nearly all the weights, and it grows with the image.",
    "05.2": "One step per batch, and the last batch is smaller rather than dropped: the number of photos divided "
    "by the batch size, rounded up.",
    "05.3": "A new head for three classes is one dense layer: one weight per feature per class plus one bias per "
    "class.",
    "05.4": "Global average pooling leaves one number per map, so the dense layer no longer grows with the image.",
    "05.5": "The half-width of a 95% interval of an accuracy p on n images is 1.96 sqrt(p (1 - p) / n); a "
    "difference smaller than it is a tie.",
    "05.6": "EarlyStopping waits `patience` epochs without a new lowest validation loss; one higher epoch followed "
    "by a new low does not stop it.",
    "06.1": "A convolution has kernel height x width x input channels weights per filter, plus one bias each.",
    "06.2": "Without the hidden dense layer, the flattened maps go straight to the ten outputs; the convolutions "
    "keep their weights.",
    "06.3": "BatchNorm's moving averages keep 0.99 of their value per step: a batch is forgotten (weight under 1%) "
    "after the smallest n with 0.99^n < 0.01.",
    "06.4": "With a one-hot label only the true class counts: cross-entropy is -ln(p of the true class), the "
    "natural logarithm.",
    "06.5": "A convolution costs height x width x filters x 3 x 3 x input channels multiply-adds; halving every "
    "width makes each stage about four times cheaper, except the first.",
    "06.6": "The half-width of a 95% interval, 1.96 sqrt(p (1 - p) / n), in percentage points; ten thousand test "
    "images make it narrow.",
    "06.7": "A class's accuracy is its diagonal entry over its row: all the images that truly belong to it.",
    "07.1": "Layer by layer, rf_out = rf_in + (kernel - 1) x jump_in and jump_out = jump_in x stride.",
    "07.2": "The jump multiplies by each stride on the way; stride-1 convolutions leave it as it is.",
    "07.3": "Along each side the patch starts at 0, stride, 2 stride, ... up to size - patch; one copy per pair "
    "of starts.",
    "07.4": "With one output, 'cat' scores -z: every channel weight flips sign, the sum before the ReLU is -S, "
    "and the ReLU keeps its positive part.",
    "07.5": "What the three channel weights have alike (their mean) against what differs (each weight minus the "
    "mean): the share of the response that is plain brightness.",
    "08.1": "Label smoothing moves a share s of the target away from the true class and spreads it evenly over all K "
    "classes, the true one included: y (1 - s) + s / K.",
    "08.2": "Filter i can copy input channel i only while both exist: a convolution passes as many channels as the "
    "smaller of its inputs and its filters; the other filters keep their random start.",
    "08.3": "The half-width of a 95% interval, 1.96 sqrt(p (1 - p) / n), in percentage points; a difference between "
    "two rows smaller than it (or than the seeds' spread) is a tie.",
    "08.4": "SGD's step is the learning rate times the gradient, and momentum only adds up past steps: a gradient "
    "scaled by 64 moves the offsets as a learning rate scaled by 64 would.",
    "08.5": "Three positions (unmoved, one pixel up-left, one pixel down-right), each seen as it is and mirrored: "
    "one forward pass per view.",
    "08.6": "Steps are images seen divided by the batch size, and images seen are images per second times seconds: "
    "the faster row takes its extra images per second times 110 s, over 64, more steps.",
    "08.7": "Each epoch mirrors an image or not, independently, with probability 1/2: the same side twice is "
    "both mirrored or neither, 1/4 + 1/4. Alternating flips make it 0: every two epochs show both sides.",
    "08.8": "The choice is made on validation images, so the report is the chosen recipe's test score; picking by "
    "test score would make the test a second validation set and its score optimistic.",
}


def _pooling_example():
    """A pooling explorer set so its windows tile the 7x7 map into 2x2 (exercise 03.6), found by search."""
    explorer = widgets.PoolingExplorer()
    for size in range(1, 8):
        for stride in range(1, 8):
            for padding in ("valid", "same"):
                if exercises.pooling_covers(size, stride, padding) == (2, True):
                    try:
                        explorer.size.value, explorer.stride.value, explorer.padding.value = size, stride, padding
                    except Exception:  # a value the sliders do not offer
                        continue
                    if exercises.check("03.6", explorer, verbose=False):
                        return explorer, f"size {size}, stride {stride}, padding '{padding}'"
    raise AssertionError("no pooling explorer setting passes 03.6")


def _first_accepted(exercise_id, candidates):
    """Return the first (candidate, description) the checker accepts for ``exercise_id``."""
    for answer, description in candidates:
        if exercises.check(exercise_id, answer, verbose=False):
            return answer, description
    raise AssertionError(f"no example answer passes {exercise_id}")


def _judged_examples():
    """Return {exercise id: (an accepted answer, how it is described)} for the exercises a judge checks.

    Each is found by trying candidates built from cnnviz's own images and filters, and kept only if
    ``exercises.check`` accepts it: the key never states an answer the checker would refuse.
    """
    ex = {}
    ex["01.4"] = _first_accepted("01.4", [([255, g, 0], "") for g in (255, 230, 200)])
    ex["02.3"] = _first_accepted("02.3", [(np.array([[-1, 1, -1]] * 3), "")])
    ex["03.2"] = _first_accepted("03.2", [(np.full((9, 9), v), "") for v in (1, -1)])
    windows = [xo.O[r : r + 3, c : c + 3] for r in range(2) for c in range(7)]
    ex["03.5"] = _first_accepted("03.5", [(w, "a 3x3 window of the O's top arc") for w in windows])
    ex["03.6"] = _pooling_example()
    shifted = []
    for dr in range(-2, 3):
        for dc in range(-2, 3):
            if (dr, dc) != (0, 0):
                image = np.where((xo.shift(xo.X, dr, dc) > 0) & ~(xo.X > 0), 1, -1)
                shifted.append((image, f"the X moved by ({dr}, {dc}), without its pixels that fall on the X"))
    ex["04.2"] = _first_accepted("04.2", shifted)
    x, y = learn.make_dataset()
    params = learn.init_params(seed=0)
    probs, cache = learn.forward(params, x)
    slope = float(learn.backward(params, probs, cache, y)["weights"][0, 4])
    ex["04.3"] = _first_accepted("04.3", [(slope, "the slope learn.backward gives, to which the nudge test comes")])
    return ex


def _show(answer):
    """Return an answer as the key prints it."""
    if hasattr(answer, "pooled"):
        return None
    if isinstance(answer, str):
        return answer
    arr = np.asarray(answer)
    if arr.ndim == 0:
        value = float(arr)
        return f"{int(value)}" if value.is_integer() else f"{value:.4g}"
    if arr.ndim == 2 and arr.shape[0] > 3:
        return "\n".join(" ".join("#" if v > 0 else "." for v in row) for row in arr)
    return str(
        np.round(arr, 4).tolist()
        if arr.dtype.kind == "f"
        else tuple(arr.tolist())
        if arr.ndim == 1 and isinstance(answer, tuple)
        else arr.tolist()
    )


def answer_key(folder=NOTEBOOKS):
    """Return the answer key as Markdown: every registered exercise's question, computed answer, why and hint.

    Raises:
        AssertionError: if a notebook checks an exercise that ``cnnviz.exercises`` does not register.
    """
    nbs = {path.stem: load(path) for path in course_notebooks(folder)}
    used = {}
    for name, nb in nbs.items():
        for exercise_id, optional in exercises_used(nb).items():
            used[exercise_id] = (name, optional)
    unknown = sorted(set(used) - set(exercises._EXERCISES))
    assert not unknown, f"notebooks check exercises cnnviz.exercises does not know: {unknown}"
    judged = _judged_examples()
    lines = [
        "# Answer key",
        "",
        f"Generated by `make answers` from `cnnviz.exercises` and the notebooks: {len(exercises._EXERCISES)} "
        f"exercises, {len(used)} of them checked in a notebook. Every answer below is computed by the "
        "checker's own code when this file is written; where many answers are right (a kernel to design, "
        "a letter to paint), one the checker accepts is shown. Not for students.",
        "",
    ]
    for exercise_id in sorted(exercises._EXERCISES, key=lambda e: tuple(int(p) for p in e.split("."))):
        ex = exercises._EXERCISES[exercise_id]
        name, optional = used.get(exercise_id, (None, None))
        nb = nbs.get(name) if name else next((nb for n, nb in nbs.items() if n.startswith(exercise_id[:2])), None)
        where = f"`{name}`, {'optional' if optional else 'core'}" if name else "not used by a notebook"
        lines += [f"## {exercise_id} ({where})", ""]
        q = question(nb, exercise_id) if nb else ""
        lines += [f"**Question.** {q or '(no question text found in the notebook)'}", ""]
        if ex.judge:
            answer, description = judged[exercise_id]
            shown = _show(answer)
            lines.append(
                "**An accepted answer** (the checker judges; many are right)"
                + (f": {description}" if description else "")
                + (":" if shown else ".")
            )
            if shown:
                lines += ["", "```", shown, "```"]
        else:
            lines += [f"**Answer.** `{_show(ex.fn())}`"]
        lines += [
            "",
            f"**Why.** {WHY.get(exercise_id, '')} Method, as the hint after a wrong answer says: {ex.hint}",
            "",
        ]
    return "\n".join(lines)


# ------------------------------------------------------------------ the student edition


def _marks(cell):
    return cell.get("metadata", {}).get("cnnviz", {})


def solution_cells(nb):
    """Return the cells tagged ``solution``."""
    return [c for c in nb["cells"] if "solution" in tags(c)]


def _cleared(cell):
    cell = copy.deepcopy(cell)
    if cell["cell_type"] == "code":
        cell["outputs"], cell["execution_count"] = [], None
        cell["metadata"].pop("execution", None)
    return cell


def _new_cell(cell_type, text, cell_id, kind):
    cell = {"cell_type": cell_type, "id": cell_id, "metadata": {GENERATED: kind}, "source": text}
    if cell_type == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def _optional_runs(cells):
    """Yield (start, end) index ranges of consecutive optional cells."""
    i = 0
    while i < len(cells):
        if is_optional(cells[i]):
            j = i
            while j < len(cells) and is_optional(cells[j]):
                j += 1
            yield i, j
            i = j
        else:
            i += 1


def student_edition(nb):
    """Return the student edition of a notebook.

    Each ``solution`` cell becomes its stub, between a callout saying so and a new cell running its
    check; outputs of solution and ``predict`` cells are cleared; each run of optional cells starts
    with a callout saying it is optional and how long it takes. Added cells carry
    ``metadata["cnnviz-generated"]``.
    """
    out = copy.deepcopy(nb)
    cells = []
    runs = dict(_optional_runs(nb["cells"]))
    for i, cell in enumerate(nb["cells"]):
        if i in runs:
            minutes = yardstick({"cells": nb["cells"][i : runs[i]]})["optional"]
            cells.append(
                _new_cell(
                    "markdown",
                    f"> **Optional, about {max(1, round(minutes))} min.** What follows, up "
                    "to the next section of the core path (or the end), goes further: skip it on a "
                    "first pass, and come back to it when you are ahead. Nothing on the core path "
                    "needs it.",
                    f"{cell['id']}-optional",
                    "optional",
                )
            )
        marks = _marks(cell)
        if "solution" in tags(cell):
            stub = _cleared(cell)
            stub["source"] = marks["stub"]
            stub["metadata"].pop("cnnviz")
            cells.append(
                _new_cell(
                    "markdown",
                    "> **Write it yourself.** In this edition the next cell is yours to "
                    "finish: replace its `raise NotImplementedError(...)` by the code its comment "
                    "describes, run it, then run the check below it until the check says *right*.",
                    f"{cell['id']}-yours",
                    "write",
                )
            )
            cells.append(stub)
            cells.append(_new_cell("code", marks["check"], f"{cell['id']}-check", "check"))
        elif "predict" in tags(cell):
            cells.append(_cleared(cell))
        else:
            cells.append(copy.deepcopy(cell))
    out["cells"] = cells
    return out


def restore(student, teacher):
    """Put the teacher's solutions back into a student edition: drop the added cells, take each solution cell's
    source and metadata from the teacher's notebook (matched by cell id). Outputs stay as the student edition
    has them."""
    by_id = {c["id"]: c for c in teacher["cells"]}
    out = copy.deepcopy(student)
    cells = []
    for cell in out["cells"]:
        if GENERATED in cell.get("metadata", {}):
            continue
        if cell["id"] in by_id and "solution" in tags(by_id[cell["id"]]):
            theirs = by_id[cell["id"]]
            cell["source"], cell["metadata"] = copy.deepcopy(theirs["source"]), copy.deepcopy(theirs["metadata"])
        cells.append(cell)
    out["cells"] = cells
    return out


def write_student(out_dir, folder=NOTEBOOKS):
    """Write the student edition of every course notebook into ``out_dir``; return the paths written."""
    written = []
    for path in course_notebooks(folder):
        target = Path(out_dir) / path.name
        save(student_edition(load(path)), target)
        written.append(target)
    return written


# ------------------------------------------------------------------ nbgrader


def _lines(text):
    return text.split("\n")


def nbgrader_marked(solution, stub):
    """Return the solution with nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` around the lines that differ
    from the stub (the lines the two share at the start and the end stay outside, as the student gets them)."""
    a, b = _lines(solution), _lines(stub)
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[len(a) - 1 - end] == b[len(b) - 1 - end]:
        end += 1
    middle = a[start : len(a) - end]
    indent = min((len(line) - len(line.lstrip()) for line in middle if line.strip()), default=0)
    pad = " " * indent
    return "\n".join(a[:start] + [pad + "### BEGIN SOLUTION"] + middle + [pad + "### END SOLUTION"] + a[len(a) - end :])


def _nbgrader(cell, grade_id, solution=False, grade=False, points=None):
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": NBGRADER_SCHEMA,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    cell["metadata"]["nbgrader"] = meta
    return cell


def assignment_cells(nb):
    """Return the cells an assignment needs: the title cell, then, when every solution cell names the cells it
    ``needs``, those cells, each solution cell and the markdown cell just before it; else the whole core path up to
    the last solution cell. Empty if the notebook has no solution cell."""
    cells = nb["cells"]
    solutions = [i for i, c in enumerate(cells) if "solution" in tags(c)]
    if not solutions:
        return []
    if all("needs" in _marks(cells[i]) for i in solutions):
        needed = {cid for i in solutions for cid in _marks(cells[i])["needs"]}
        keep = {0} | set(solutions) | {i - 1 for i in solutions if cells[i - 1]["cell_type"] == "markdown"}
        keep |= {i for i, c in enumerate(cells) if c.get("id") in needed}
        return [cells[i] for i in sorted(keep)]
    return [c for c in cells[: solutions[-1] + 1] if not is_optional(c)]


def nbgrader_source(nb, points=1):
    """Return an nbgrader source notebook built from a course notebook's marks, or None if it has no ``solution`` cell.

    It holds ``assignment_cells(nb)``, outputs cleared: each solution cell is an autograded answer (the lines
    that differ from its stub between nbgrader's markers), followed by a locked test cell worth ``points``
    that runs its check; every other code cell is locked (read-only).
    """
    context = assignment_cells(nb)
    if not context:
        return None
    out, kept = copy.deepcopy(nb), []
    out["metadata"].pop("widgets", None)  # stored widget state: the assignment starts with none
    for cell in context:
        cell = _cleared(cell)
        cell["metadata"].pop("slideshow", None)
        if "solution" in tags(cell):
            marks = cell["metadata"].pop("cnnviz")
            cell["source"] = nbgrader_marked(source(cell), marks["stub"])
            kept.append(_nbgrader(cell, cell["id"], solution=True))
            check = _new_cell("code", marks["check"], f"{cell['id']}-check", "check")
            kept.append(_nbgrader(check, f"{cell['id']}-check", grade=True, points=points))
        elif cell["cell_type"] == "code":
            kept.append(_nbgrader(cell, cell["id"]))
        else:
            kept.append(cell)
    out["cells"] = kept
    return out


def write_assignments(course_dir, folder=NOTEBOOKS, names=None):
    """Write an nbgrader course: ``course_dir/source/<notebook>/<notebook>.ipynb`` for each notebook with marks,
    and ``nbgrader_config.py``. Returns the assignment names.

    Args:
        course_dir: the course folder (``nbgrader generate_assignment`` runs in it).
        folder: where the course notebooks are.
        names: notebook names to include (default: every one with a ``solution`` cell).
    """
    course_dir = Path(course_dir)
    done = []
    for path in course_notebooks(folder):
        if names is not None and path.stem not in names:
            continue
        src = nbgrader_source(load(path))
        if src is not None:
            save(src, course_dir / "source" / path.stem / path.name)
            done.append(path.stem)
    (course_dir / "nbgrader_config.py").write_text(
        "# Written by `make assignments` (.ci/teach.py): an nbgrader course built from the notebooks' marks.\n"
        "c = get_config()  # noqa: F821\n"
        "c.CourseDirectory.course_id = 'cnnviz'\n"
        "c.Execute.timeout = 120\n"
    )
    return done


# ------------------------------------------------------------------ TEACHING.md's generated blocks

DISCUSSION = {
    "00_index": [
        "What do you expect a network to 'see' in a photo of a cat, before we open one up?",
        "Why check five tutorials that teach the same thing, instead of trusting one?",
    ],
    "01_images_as_numbers": [
        "Exercise 01.2 counted a dense layer's weights on a 64x64 photo: how does the count grow "
        "for a phone's photo, and what does that say about learning from a few hundred photos?",
        "What does a convolution give up by reading only small windows?",
    ],
    "02_convolution_by_hand": [
        "Why is one shared kernel a good idea for images, and when would it be a bad one "
        "(think of a face that is always centred)?",
        "The map moves with the image: is that what a classifier wants? What still has to "
        "happen before 'X' or 'O' is decided?",
    ],
    "03_relu_and_pooling": [
        "ReLU changes nothing in Ali's network: why keep it in every real network?",
        "What does max pooling throw away, and when could that matter (a mouth below a nose)?",
    ],
    "04_flatten_and_voting": [
        "The hand-made network fails on bolder letters: who is to blame, the filters or the "
        "votes? How did you find out?",
        "Why does the nudge test agree with the gradient, and why do we not train with it?",
        "Softmax turned votes that clearly favour the X into a modest probability: is a probability a confidence?",
    ],
    "05_cats_vs_dogs": [
        "Ali's small network overfits our photos, the pretrained one far less: what did the "
        "pretrained one bring that our data could not?",
        "Two models within each other's 95% intervals: which would you ship, and what would you measure next?",
    ],
    "06_cifar10": [
        "Each recipe change was measured on validation images: why never on the test set?",
        "Which classes does the network confuse, and would a person confuse them too?",
    ],
    "07_what_the_network_learned": [
        "Grad-CAM highlights the dog's face: does that prove the network 'knows' dogs?",
        "Occlusion and Grad-CAM disagree on an image: which do you trust, and why?",
    ],
    "08_fast_training": [
        "An idea that helps on a GPU in Jordan (2024) ties or loses here: what differs on two cores, in equal time?",
        "The table chose its row on validation images from a few seeds: how sure are you it is the best recipe?",
    ],
}

MISTAKES = {
    "01_images_as_numbers": [
        "forgetting the biases when counting weights (one per neuron, one per kernel)",
        "multiplying a convolution's weights by the image size: they are shared",
    ],
    "02_convolution_by_hand": [
        "loops that run over n positions instead of n - k + 1 (an index error, or a map too large)",
        "summing the products but comparing with a mean (Ali divides by 9)",
        "forgetting the input channels in a filter's weights (02.6, 02.7)",
    ],
    "03_relu_and_pooling": [
        "dropping the cut-short last window of a 'same' pooling (7x7 gives 4x4, not 3x3)",
        "thinking ReLU changes pooled values whenever a map has a negative value",
    ],
    "04_flatten_and_voting": [
        "reading the votes as probabilities",
        "a nudge too large, or the slope's sign flipped",
        "training from the random start in 04.4 instead of from Ali's network",
    ],
    "05_cats_vs_dogs": [
        "rounding the steps per epoch down (the last batch is smaller, not dropped)",
        "comparing test accuracies without their 95% intervals",
    ],
    "06_cifar10": [
        "a class's accuracy read from its column instead of its row",
        "log10 instead of the natural logarithm in a cross-entropy",
    ],
    "07_what_the_network_learned": [
        "a receptive field grown by the kernel alone, without the jump",
        "reading a Grad-CAM map as where the object is, not what raised the score",
    ],
    "08_fast_training": [
        "reading a difference inside the seeds' spread as a gain",
        "1 - s instead of 1 - s + s / K for a smoothed target (the true class gets its share of the smoothing too)",
    ],
}


def _section_table(rows):
    out = ["| notebook | core min | optional min |", "| --- | --- | --- |"]
    out += [f"| `{name}` | {core} | {opt} |" for name, _, core, opt in rows]
    out.append(f"| all | {sum(r[2] for r in rows)} | {sum(r[3] for r in rows)} |")
    return out


def block_notebooks(folder=NOTEBOOKS):
    """The per-notebook part of the guide: objectives, core path, optional parts, exercises, mistakes, discussion."""
    minutes = {name: (core, opt) for name, _, core, opt in teaching_minutes(folder)}
    out = []
    for path in course_notebooks(folder):
        nb = load(path)
        name = path.stem
        core, opt = minutes[name]
        out += [f"### {title(nb)} (`{name}`)", "", f"About **{core} min** on the core path, {opt} min optional."]
        goals = objectives(nb)
        if goals:
            out += ["", "**Objectives** (as the title cell states them):", ""] + [
                f"{i}. {g}" for i, g in enumerate(goals, 1)
            ]
        if wholly_optional(nb):
            out += ["", "**Core path:** none: the whole notebook is optional, beside the class day."]
        else:
            out += ["", "**Core path:** " + ("; ".join(headings(nb, False)) or "the whole notebook") + "."]
        optional = headings(nb, True)
        if optional:
            out += ["", "**Optional** (tagged `optional`; the core path never needs it): " + "; ".join(optional) + "."]
        used = exercises_used(nb)
        if used:
            core_ex = [e for e, o in used.items() if not o]
            opt_ex = [e for e, o in used.items() if o]
            out += [
                "",
                "**Exercises:** "
                + ", ".join(core_ex)
                + (
                    (f" (optional: {', '.join(opt_ex)})" if core_ex else f"optional: {', '.join(opt_ex)}")
                    if opt_ex
                    else ""
                )
                + ". Answers and why: `make answers`.",
            ]
        written = [c for c in solution_cells(nb)]
        if written:
            out += [
                "",
                "**Written by the student** in the student edition (`make student`): "
                + ", ".join(sorted({m for c in written for m in re.findall(r"^def (\w+)", source(c), re.MULTILINE)}))
                + ".",
            ]
        if MISTAKES.get(name):
            out += ["", "**Common mistakes:** " + "; ".join(MISTAKES[name]) + "."]
        if DISCUSSION.get(name):
            out += ["", "**Discuss:**", ""] + [f"- {q}" for q in DISCUSSION[name]]
        out.append("")
    return "\n".join(out).rstrip()


def block_schedule(folder=NOTEBOOKS):
    """The one-day and three-labs schedules, from the yardstick's core minutes."""
    rows = teaching_minutes(folder)
    core = [row for row in rows if row[2] > 0]  # a wholly optional notebook (08) has no place in the day
    beside = [f"`{name}` ({optional} min)" for name, _, minutes, optional in rows if minutes == 0]
    day = day_schedule(core)
    out = [
        "Minutes per notebook (the yardstick: words / 100 + 1 per code cell + 0.5 per figure + 4 per exercise "
        "check + the compute time, the larger of the stored run and bench/README.md's measured class-mode run):",
        "",
    ] + _section_table(rows)
    out += [
        "",
        "**One day** (core path only; a break waits for the end of a notebook):",
        "",
        "| from | to | what | min |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| {a} | {b} | {what} | {m} |" for a, b, what, m in day]
    last_notebook = [row for row in day if row[2].startswith("`")][-1]
    out += [
        "",
        f"The last notebook ends at **{last_notebook[1]}**"
        + (
            "."
            if last_notebook[1] <= DAY_END
            else f": past {DAY_END}, so leave an optional part of a Keras notebook "
            "and its run for homework (the stored outputs show the result), or start earlier."
        ),
    ]
    if beside:
        out += ["", f"Beside the day, wholly optional (early finishers, homework): {', '.join(beside)}."]
    reading, labs = lab_schedule(core)
    out += [
        "",
        f"**Three labs of {LAB_MINUTES} min** (the least reading beforehand that lets every lab fit, then the "
        "split whose longest lab is shortest):",
        "",
        "| lab | notebooks | core min |",
        "| --- | --- | --- |",
    ]
    if reading:
        out.append(
            f"| before lab 1, as reading | {', '.join(f'`{n}` ({m})' for n, m in reading)} | "
            f"{sum(m for _, m in reading)} |"
        )
    for k, lab in enumerate(labs, 1):
        out.append(f"| {k} | {', '.join(f'`{n}` ({m})' for n, m in lab)} | {sum(m for _, m in lab)} |")
    return "\n".join(out)


BLOCKS = {"notebooks": block_notebooks, "schedule": block_schedule}


def _block_re(name):
    return re.compile(rf"(<!-- generated: {name} \(make teaching\) -->\n).*?(<!-- end of {name} -->)", re.S)


def teaching_text(text, folder=NOTEBOOKS):
    """Return TEACHING.md's text with every generated block rewritten."""
    for name, make in BLOCKS.items():
        pattern = _block_re(name)
        if not pattern.search(text):
            raise ValueError(f"TEACHING.md has no generated block '{name}'")
        body = make(folder)
        text = pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
    return text


# ------------------------------------------------------------------ command line


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("teaching", "answers", "student", "assignments"):
        print("usage: python .ci/teach.py teaching | answers OUT.md | student DIR | assignments DIR")
        return 2
    command, rest = argv[0], argv[1:]
    if command == "teaching":
        TEACHING.write_text(teaching_text(TEACHING.read_text()))
        print(f"rewrote the generated blocks of {TEACHING.name}")
    elif command == "answers":
        out = Path(rest[0] if rest else ROOT / "build" / "answers.md")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(answer_key())
        print(f"wrote {out}: {len(exercises._EXERCISES)} exercises")
    elif command == "student":
        written = write_student(rest[0] if rest else ROOT / "build" / "student")
        print(f"wrote {len(written)} notebooks into {Path(written[0]).parent}")
    else:
        done = write_assignments(rest[0] if rest else ROOT / "build" / "nbgrader")
        print(f"wrote the nbgrader source of {', '.join(done)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
