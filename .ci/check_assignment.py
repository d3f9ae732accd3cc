"""The course pack's assignment as an instructor grades it, with otter-grader itself.

Usage: python .ci/check_assignment.py SITE_DIR

Unzips the site's course pack, then grades three submissions with ``otter run`` (no
Docker) against the pack's autograder, all at once: the solutions notebook (every question
full marks), the student notebook as handed out (every question zero, and no crash), and
the solutions with one answer wrong (that question zero, every other one full marks).
Each is named as the notebook handed out, as the pack's README asks: otter then checks each
answer where its ``grader.check`` cell stands. (Under another name it checks them all at
the end, and the solutions lose the questions whose variables a later exercise reuses.)
The Python running this script must have cnnlesson and otter-grader installed
(``nox -s assignment`` installs the pack's wheel with its ``grading`` extra).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

#: The answer made wrong, and how: the biases forgotten.
WRONG_QUESTION = "network-conv-params"
RIGHT, WRONG = "answer = (5 * 5 * 32 + 1) * 32", "answer = 5 * 5 * 32 * 32"


def scores(results: Path) -> dict[str, tuple[float, float]]:
    """Each question's score and maximum in an ``otter run`` results.json."""
    tests = json.loads(results.read_text("utf-8"))["tests"]
    return {t["name"]: (t["score"], t["max_score"]) for t in tests if t.get("max_score")}


def grade(submissions: dict[str, Path], autograder: Path, out: Path) -> dict[str, dict]:
    """Run ``otter run`` on every submission at once; their scores by name."""
    runs = {}
    for name, notebook in submissions.items():
        (out / name).mkdir(parents=True)
        log = (out / f"{name}.log").open("w")
        runs[name] = (subprocess.Popen(
            [sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder),
             "-o", str(out / name), str(notebook)], stdout=log, stderr=subprocess.STDOUT), log)
    results = {}
    for name, (run, log) in runs.items():
        code = run.wait()
        log.close()
        if code:
            print((out / f"{name}.log").read_text("utf-8")[-4000:])
            sys.exit(f"FAIL: otter run stopped with exit status {code} on the {name} notebook")
        results[name] = scores(out / name / "results.json")
    return results


def main(site: Path) -> int:
    packs = sorted((site / "downloads").glob("cnnlesson-course-pack-*.zip"))
    if not packs:
        sys.exit(f"FAIL: no course pack in {site / 'downloads'}; build the site first "
                 "(nox -s docs)")
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        zipfile.ZipFile(packs[-1]).extractall(work)
        folder = next(work.glob("cnnlesson-course-pack-*")) / "assignment"
        student = next(folder.glob("*.ipynb"))
        solutions = folder / "instructor" / "solutions" / student.name
        autograder = folder / "instructor" / "autograder.zip"
        text = solutions.read_text("utf-8")
        if text.count(json.dumps(RIGHT)[1:-1]) != 1:
            sys.exit(f"FAIL: the solutions notebook should hold '{RIGHT}' once")
        wrong = work / "submissions" / "wrong" / student.name
        wrong.parent.mkdir(parents=True)
        wrong.write_text(text.replace(json.dumps(RIGHT)[1:-1], WRONG), "utf-8")
        start = time.monotonic()
        results = grade({"solutions": solutions, "unanswered": student, "wrong": wrong},
                        autograder, work / "results")
        seconds = time.monotonic() - start
    failures = []
    for name, got in results.items():
        total = sum(score for score, _ in got.values())
        possible = sum(most for _, most in got.values())
        zero = sorted(question for question, (score, _) in got.items() if score == 0)
        print(f"{name:>10}: {total:g} / {possible:g}; zero on "
              f"{'every question' if len(zero) == len(got) else ', '.join(zero) or 'none'}")
        for question, (score, most) in got.items():
            expected = 0 if name == "unanswered" or (
                name == "wrong" and question == WRONG_QUESTION) else most
            if score != expected:
                failures.append(f"{name}: {question} scored {score:g}, not {expected:g}")
    if set(results["wrong"]) != set(results["solutions"]) or WRONG_QUESTION not in results["wrong"]:
        failures.append(f"the graded questions differ, or {WRONG_QUESTION} is not among them")
    print(f"otter run graded the three notebooks in {seconds:.0f} s")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python .ci/check_assignment.py SITE_DIR")
    sys.exit(main(Path(sys.argv[1]).resolve()))
