"""The teacher's kit (issue 18): TEACHING.md, the answer key, the student edition and the nbgrader assignments,
all generated from the notebooks' marks and cnnviz.exercises, and kept true to them."""

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnnviz import exercises

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".ci"))
import teach  # noqa: E402  (.ci/teach.py: a maintainer's tool, not part of the cnnviz package)

COURSE = teach.course_notebooks()
NBS = {path.stem: teach.load(path) for path in COURSE}
SHARED_YARDSTICK = ROOT.parent / "shared" / "tools" / "course_time.py"


# ---- TEACHING.md ----


def test_teaching_md_is_linked_from_the_readme_first_screen():
    readme = (ROOT / "README.md").read_text()
    assert "TEACHING.md" in readme[: readme.index("## The path through the notebooks")]


def test_the_generated_blocks_of_teaching_md_are_up_to_date():
    """Every generated word is current (the numbers: the next test holds the minutes to the yardstick)."""
    text = teach.TEACHING.read_text()
    assert re.sub(r"\d+", "#", teach.teaching_text(text)) == re.sub(r"\d+", "#", text), (
        "TEACHING.md is out of date with the notebooks: run `make teaching`"
    )


def test_the_guide_states_each_notebook_s_objectives_as_its_title_cell_does():
    text = teach.TEACHING.read_text()
    for name, nb in NBS.items():
        goals = teach.objectives(nb)
        if name != "00_index":
            assert 3 <= len(goals) <= 5, f"{name}'s title cell states {len(goals)} objectives"
        section = text[text.index(f"(`{name}`)") :]
        for i, goal in enumerate(goals, 1):
            assert f"{i}. {goal}" in section, (name, goal)


def _schedule_minutes(text):
    table = text[text.index("| notebook | core min | optional min |") :]
    return {
        m.group(1): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"^\| `(\d\d_\w+)` \| (\d+) \| (\d+) \|$", table.split("\n\n")[0], re.MULTILINE)
    }


def test_the_schedule_s_minutes_are_the_yardstick_s_within_rounding():
    shown = _schedule_minutes(teach.TEACHING.read_text())
    measured = teach.measured_class_seconds()
    assert set(shown) == set(NBS)
    for name, nb in NBS.items():
        y = teach.yardstick(nb)
        compute = max(y["compute_s"], measured.get(name, 0)) / 60  # the class-mode run, stored or measured
        if teach.wholly_optional(nb):  # no core path (08): its run is not core time
            compute = y["compute_s"] / 60
            assert shown[name][0] == round(y["core"]) == 0, (name, "a wholly optional notebook adds to the core path")
        # within rounding; a notebook re-run or edited since moves its minutes: `make teaching` writes them again
        assert abs(shown[name][0] - (y["core"] - y["compute_s"] / 60 + compute)) <= 0.5, (name, "run make teaching")
        assert abs(shown[name][1] - y["optional"]) <= 0.5, (name, "run make teaching")
    assert {"05_cats_vs_dogs", "06_cifar10", "07_what_the_network_learned"} <= set(measured)


def test_the_day_fits_9_to_16_30_with_breaks_and_three_labs_hold_every_notebook():
    rows = [row for row in teach.teaching_minutes() if row[2] > 0]  # notebooks with a core path
    day = teach.day_schedule(rows)
    assert day[0][0] == "09:00"
    assert [what for _, _, what, _ in day if "break" in what or what == "lunch"] == [
        "coffee break",
        "lunch",
        "coffee break",
    ]
    teaching = sum(m for _, _, what, m in day if what.startswith("`"))
    assert teaching == sum(r[2] for r in rows)
    reading, labs = teach.lab_schedule(rows)
    assert len(labs) == 3 and [n for n, _ in reading] + [n for lab in labs for n, _ in lab] == [r[0] for r in rows]
    assert all(sum(m for _, m in lab) <= teach.LAB_MINUTES for lab in labs), labs
    assert sum(m for _, m in reading) <= 60, "more than an hour of reading before the first lab"
    beside = teach.TEACHING.read_text().split("Beside the day, wholly optional")[1].split("\n")[0]
    assert [r[0] for r in teach.teaching_minutes() if r[2] == 0] == re.findall(r"`(\d\d_\w+)`", beside)


@pytest.mark.skipif(not SHARED_YARDSTICK.is_file(), reason="the team's course_time.py is not beside this checkout")
def test_the_in_repo_yardstick_is_the_team_s():
    out = subprocess.run(
        [sys.executable, str(SHARED_YARDSTICK), str(ROOT / "notebooks")], capture_output=True, text=True, check=True
    ).stdout
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in NBS:
            y = teach.yardstick(NBS[parts[0]])
            assert (int(parts[-2]), int(parts[-1])) == (round(y["core"]), round(y["optional"])), line


# ---- the answer key ----


def test_every_exercise_a_notebook_checks_is_in_the_key():
    key = teach.answer_key()
    used = {e for nb in NBS.values() for e in teach.exercises_used(nb)}
    assert used, "no notebook checks an exercise"
    missing = sorted(e for e in used if f"\n## {e} (" not in key)
    assert not missing, f"the answer key lacks {missing}: register them in cnnviz.exercises"
    assert sorted(used) == sorted(exercises._EXERCISES), "an exercise is registered but no notebook checks it"
    for exercise_id in exercises._EXERCISES:
        assert teach.WHY.get(exercise_id), f"teach.WHY says nothing about {exercise_id}"
        section = key[key.index(f"\n## {exercise_id} (") :].split("\n## ")[1]
        assert "(no question text found" not in section, f"the key found no question for {exercise_id}"


def test_the_key_s_answers_are_the_checker_s():
    key = teach.answer_key()
    for exercise_id, ex in exercises._EXERCISES.items():
        section = key[key.index(f"\n## {exercise_id} (") :].split("\n## ")[1]
        if ex.judge:
            assert "**An accepted answer**" in section
        else:
            shown = re.search(r"\*\*Answer\.\*\* `(.+)`", section).group(1)
            expected = ex.fn()
            if isinstance(expected, str):
                assert shown == expected
            else:  # printed to 4 significant digits: the checker accepts the value rounded so
                value = np.array(eval(shown, {}), dtype=float)  # a number, tuple or list of lists
                assert np.allclose(value, np.asarray(expected, dtype=float), rtol=1e-3, atol=1e-4), exercise_id
    for exercise_id, (answer, _) in teach._judged_examples().items():
        assert exercises.check(exercise_id, answer, verbose=False), exercise_id


def test_every_exercise_a_notebook_checks_has_a_test_of_its_answer():
    """Each exercise is named in a test giving the checker answers (tests/test_exercises.py, test_seed_checks.py)."""
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py") if p.name != "test_teaching.py")
    untested = sorted(e for nb in NBS.values() for e in teach.exercises_used(nb) if f'"{e}"' not in tests)
    assert not untested, f"no test gives the checker an answer to {untested}"


def test_a_notebook_checking_an_unknown_exercise_breaks_the_key(tmp_path):
    nb = copy.deepcopy(NBS["02_convolution_by_hand"])
    nb["cells"].append(
        {
            "cell_type": "code",
            "id": "x-unknown",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": 'exercises.check("02.99", None)',
        }
    )
    teach.save(nb, tmp_path / "02_convolution_by_hand.ipynb")
    with pytest.raises(AssertionError, match="02.99"):
        teach.answer_key(tmp_path)


# ---- the student edition ----

MARKED = {
    "02_convolution_by_hand": {"conv2d_by_hand"},
    "03_relu_and_pooling": {"relu_by_hand", "max_pool_by_hand"},
    "04_flatten_and_voting": {"nudged"},
    "05_cats_vs_dogs": {"ali2019_cnn"},
    "07_what_the_network_learned": {"grad_cam"},
}


def _without_outputs(nb):
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
            cell["metadata"].pop("execution", None)
    return nb


def test_the_marked_cells_are_the_ones_the_issue_names():
    for name, functions in MARKED.items():
        written = {
            f for c in teach.solution_cells(NBS[name]) for f in re.findall(r"^def (\w+)", teach.source(c), re.MULTILINE)
        }
        assert functions <= written, (name, written)


@pytest.mark.parametrize("name", sorted(NBS))
def test_putting_the_solutions_back_gives_the_teacher_s_notebook(name):
    teacher = NBS[name]
    student = teach.student_edition(teacher)
    restored = teach.restore(student, teacher)
    assert _without_outputs(restored) == _without_outputs(teacher)
    cleared = {c["id"] for c in teacher["cells"] if {"solution", "predict"} & set(teach.tags(c))}
    for mine, theirs in zip(restored["cells"], teacher["cells"]):
        if mine["cell_type"] == "code" and mine["id"] not in cleared:
            assert mine["outputs"] == theirs["outputs"], mine["id"]
        if mine["id"] in cleared:
            assert mine["outputs"] == [], f"{name}: cell {mine['id']} shows its answer in the student edition"


@pytest.mark.parametrize("name", sorted(NBS))
def test_the_student_edition_gives_no_solution_away_and_marks_optional_parts(name):
    teacher = NBS[name]
    student = teach.student_edition(teacher)
    text = "\n".join(teach.source(c) for c in student["cells"])
    for cell in teach.solution_cells(teacher):
        solution, stub = teach.source(cell), cell["metadata"]["cnnviz"]["stub"]
        assert stub != solution and "raise NotImplementedError" in stub
        given = [line for line in solution.split("\n") if line.strip() and line not in stub.split("\n")]
        assert given and not any(line in text.split("\n") for line in given), (name, given[:2])
        assert "cnnviz" not in str([c["metadata"] for c in student["cells"] if c["id"] == cell["id"]])
    runs = len(list(teach._optional_runs(teacher["cells"])))
    notes = [c for c in student["cells"] if c["metadata"].get(teach.GENERATED) == "optional"]
    assert len(notes) == runs and all("Optional, about" in teach.source(c) for c in notes)


class _Shell:
    """The bits of get_ipython() a notebook's magics call; here they do nothing."""

    def run_line_magic(self, *args, **kwargs):
        return None

    run_cell_magic = system = run_line_magic


def _run(cells, namespace):
    from IPython.core.inputtransformer2 import TransformerManager

    for cell in cells:
        exec(compile(TransformerManager().transform_cell(teach.source(cell)), "<cell>", "exec"), namespace)
        plt.close("all")


def _run_up_to(nb, target, use_stub):
    """Run the core code cells of ``nb`` up to ``target`` (a solution cell), the target as its stub or its solution;
    return the namespace. A stub's cell that calls the stub stops there, as it would for a student."""
    namespace = {"get_ipython": _Shell, "__name__": "__main__"}
    needs = target["metadata"]["cnnviz"].get("needs")
    before = []
    for cell in nb["cells"]:
        if cell is target:
            break
        if cell["cell_type"] == "code" and not teach.is_optional(cell) and (needs is None or cell["id"] in needs):
            before.append(cell)
    _run(before, namespace)
    if use_stub:
        stub = dict(target, source=target["metadata"]["cnnviz"]["stub"])
        try:
            _run([stub], namespace)
        except NotImplementedError:
            pass
    else:
        _run([target], namespace)
    return namespace


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.keras) if n >= "05" else n  # 05-07 check with Keras
        for n in sorted(NBS)
        if teach.solution_cells(NBS[n])
    ],
)
def test_each_stub_s_check_fails_on_the_stub_and_passes_on_the_solution(name, capsys):
    nb = NBS[name]
    for cell in teach.solution_cells(nb):
        check = {"source": cell["metadata"]["cnnviz"]["check"]}
        namespace = _run_up_to(nb, cell, use_stub=False)
        _run([check], namespace)
        assert ": right" in capsys.readouterr().out.splitlines()[-1]
        namespace = _run_up_to(nb, cell, use_stub=True)
        with pytest.raises((NotImplementedError, AssertionError)):
            _run([check], namespace)


def test_make_student_writes_every_course_notebook(tmp_path):
    written = teach.write_student(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in COURSE)
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".ipynb" and p not in written]


# ---- nbgrader: source -> release -> autograde ----


def _nbgrader(args, course):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # alembic
    out = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), *args, "--force", "--log-level=ERROR"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out


@pytest.mark.slow
def test_nbgrader_gives_a_solved_submission_full_marks_and_a_blank_one_zero(tmp_path):
    from nbgrader.api import Gradebook

    name = "02_convolution_by_hand"  # its marked cells only: a small notebook, seconds to grade
    assert teach.write_assignments(tmp_path, names=[name]) == [name]
    source = teach.load(tmp_path / "source" / name / f"{name}.ipynb")
    assert all("optional" not in teach.tags(c) for c in source["cells"])
    _nbgrader(["generate_assignment", name], tmp_path)
    release = teach.load(tmp_path / "release" / name / f"{name}.ipynb")
    answers = [c for c in release["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    assert answers and all("raise NotImplementedError()" in teach.source(c) for c in answers)
    assert "### BEGIN SOLUTION" not in str(release)
    solutions = {c["id"]: teach.source(c) for c in teach.solution_cells(NBS[name])}
    for student in ("solved", "blank"):
        nb = copy.deepcopy(release)
        if student == "solved":
            for cell in nb["cells"]:
                if cell["id"] in solutions:
                    cell["source"] = solutions[cell["id"]]
        teach.save(nb, tmp_path / "submitted" / student / name / f"{name}.ipynb")
    _nbgrader(["autograde", name], tmp_path)
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        solved = gradebook.find_submission(name, "solved")
        blank = gradebook.find_submission(name, "blank")
        assert solved.max_score == len(answers) and solved.score == solved.max_score
        assert blank.score == 0


def test_make_has_the_kit_s_targets_and_make_test_installs_nbgrader_but_make_lab_does_not():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("teaching", "answers", "student", "assignments"):
        assert re.search(rf"^{target}: ", makefile, re.MULTILINE), target
    assert re.search(r"^test: \$\(TEACH_STAMP\)", makefile, re.MULTILINE)
    assert re.search(r"^lab: \$\(STAMP\)$", makefile, re.MULTILINE)
    assert "$(PIN) -e '.[$(BACKEND)lab,test,teach]'" in makefile  # PIN: -c constraints.txt on Linux x86_64
    pins = (ROOT / "constraints.txt").read_text()
    assert re.search(r"^nbgrader==", pins, re.MULTILINE), "constraints.txt must pin nbgrader, which make test installs"
