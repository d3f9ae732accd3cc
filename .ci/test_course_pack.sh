#!/usr/bin/env bash
# The course pack as a student meets it: unzipped in a folder outside the repository,
# a fresh virtual environment, the pack's wheel installed (its dependencies from the
# package index), then one example run as a script and as a notebook (nbclient), the
# lesson notebook of the network page, and every lesson notebook on JAX, with the quick
# profile and the local CIFAR-10 copy named by CNNLESSON_CIFAR10_DIR.
# Each must finish and draw its figures, with an empty training cache: every model comes
# from the pack's models/ folder (a pack built without a site address), none is trained.
# The notebooks' outputs hold no TensorFlow log line, and every link in the lesson
# notebooks leads to a file of the pack (and a heading in it).
#
# Usage: .ci/test_course_pack.sh SITE_DIR [EXAMPLE]
set -euo pipefail
site="$(cd "${1:?usage: .ci/test_course_pack.sh SITE_DIR [EXAMPLE]}" && pwd)"
example="${2:-plot_first_layer_kernels}"
: "${CNNLESSON_CIFAR10_DIR:?set CNNLESSON_CIFAR10_DIR to the local CIFAR-10 copy}"

pack="$(find "$site/downloads" -name 'cnnlesson-course-pack-*.zip' | sort | tail -n 1)"
if [ -z "$pack" ]; then
    echo "FAIL: the site offers no course pack (no downloads/cnnlesson-course-pack-*.zip)"
    exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "course pack: $(basename "$pack") ($(du -h "$pack" | cut -f1)), unzipped in $work"
python3 -m zipfile -e "$pack" "$work"
cd "$work"/cnnlesson-course-pack-*/
[ -f models/index.json ] || { echo "FAIL: the pack holds no models/index.json"; exit 1; }

python3 -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install --quiet --upgrade pip
# As the pack's README says, plus what runs a notebook without Jupyter's interface and
# reads its Markdown.
"$py" -m pip install --quiet cnnlesson-*.whl nbclient ipykernel markdown-it-py

echo "== links of the lesson notebooks"
"$py" - lessons/*.ipynb <<'EOF'
import ast
import sys
from pathlib import Path
from urllib.parse import unquote

import nbformat
from markdown_it import MarkdownIt

md = MarkdownIt("commonmark")


def markdown_of(notebook):
    """The Markdown of the notebook: its Markdown cells and the text its hidden cells show."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            yield cell.source
        elif cell.source.startswith("page_text("):
            parts = ast.literal_eval("[" + cell.source[len("page_text("):-1] + "]")
            yield "".join(part if isinstance(part, str) else "0" for part in parts)


def links(text):
    for token in md.parse(text):
        for child in token.children or []:
            if child.type == "link_open":
                yield child.attrGet("href")


def anchors(path):
    """The anchors Jupyter gives the notebook's headings: their text, spaces as hyphens."""
    found = set()
    for text in markdown_of(nbformat.read(path, as_version=4)):
        tokens = md.parse(text)
        for opening, inline in zip(tokens, tokens[1:]):
            if opening.type == "heading_open":
                found.add("-".join(inline.content.split()))
    return found


dead, count = [], 0
for name in sys.argv[1:]:
    path = Path(name)
    for href in (h for text in markdown_of(nbformat.read(path, as_version=4))
                 for h in links(text)):
        if href.startswith(("http://", "https://")):
            continue
        count += 1
        target, _, anchor = unquote(href).partition("#")
        file = (path.parent / target) if target else path
        if not file.is_file() or (anchor and anchor not in anchors(file)):
            dead.append(f"{path}: {href}")
print(f"{count} links within the pack checked")
sys.exit("FAIL: dead links\n" + "\n".join(dead) if dead else 0)
EOF

export CNNLESSON_PROFILE=quick
# An empty cache: what the notebooks load must come from the pack.
export CNNLESSON_CACHE_DIR="$work/cache"
mkdir -p "$work/figures/script" "$work/figures/notebook"

echo "== script: examples/$example.py"
# plt.show() would show windows; here it saves every open figure instead.
(cd examples && MPLBACKEND=Agg "$py" - "$example.py" "$work/figures/script" <<'EOF'
import runpy
import sys
from pathlib import Path

import matplotlib.pyplot as plt

script, folder = sys.argv[1], Path(sys.argv[2])


def save_all(*args, **kwargs):
    for number in plt.get_fignums():
        plt.figure(number).savefig(folder / f"figure_{number}.png")


plt.show = save_all
runpy.run_path(script, run_name="__main__")
EOF
)
script_figures=$(find "$work/figures/script" -name '*.png' -size +1k | wc -l)
echo "the script wrote $script_figures figures"
[ "$script_figures" -gt 0 ] || { echo "FAIL: the script wrote no figure"; exit 1; }

# The lesson notebooks also on JAX, as the pack's README tells a student to choose it:
# a page's code must not lean on TensorFlow, nor on anything only the build has.
"$py" -m pip install --quiet jax
runs=("tensorflow examples/$example.ipynb" "tensorflow lessons/network.ipynb")
for notebook in lessons/*.ipynb; do
    runs+=("jax $notebook")
done
for run in "${runs[@]}"; do
backend="${run%% *}" notebook="${run#* }"
echo "== notebook: $notebook (KERAS_BACKEND=$backend)"
KERAS_BACKEND="$backend" "$py" - "$notebook" "$work/figures/notebook" <<'EOF'
import base64
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

path, folder = Path(sys.argv[1]), Path(sys.argv[2])
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=1800, kernel_name="python3",
               resources={"metadata": {"path": str(path.parent)}}).execute()
count = 0
# TensorFlow's C++ log lines ("I0000 00:00:... port.cc:153] ...") and absl's notice.
tensorflow_log = re.compile(r"^[IWEF]\d{4} [\d:.]+ +\d+ \w+\.cc:\d+\]|absl::InitializeLog", re.M)
logs = []
for cell in notebook.cells:
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            count += 1
            (folder / f"{path.stem}_figure_{count}.png").write_bytes(
                base64.b64decode(data["image/png"]))
        if output.get("output_type") == "stream" and tensorflow_log.search(output["text"]):
            logs.append(output["text"][:200])
print(f"the notebook ran {len(notebook.cells)} cells and drew {count} figures")
if logs:
    sys.exit("FAIL: TensorFlow's log lines in the outputs:\n" + "\n".join(logs))
sys.exit(0 if count else "FAIL: the notebook drew no figure")
EOF
done

echo "== nothing trained: every model in the cache came from the pack"
"$py" - <<'EOF'
import sys

from cnnlesson.cache import cached_results

entries = cached_results()  # the cache CNNLESSON_CACHE_DIR names, as the notebooks left it
trained = [entry["cache_key"] for entry in entries if not entry.get("imported_from")]
print(f"{len(entries)} models loaded from the pack, {len(trained)} trained")
sys.exit(f"FAIL: trained although the pack holds them: {trained}" if trained or not entries
         else 0)
EOF
echo "course pack: the script and the notebooks ran on the pack's own models"
