#!/usr/bin/env bash
# The course pack as a student meets it: unzipped in a folder outside the repository,
# a fresh virtual environment, the pack's wheel installed (its dependencies from the
# package index), then one example run as a script and as a notebook (nbclient), and the
# lesson notebook of the network page, with the quick profile and the local CIFAR-10 copy
# named by CNNLESSON_CIFAR10_DIR. Each must finish and draw its figures.
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

python3 -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install --quiet --upgrade pip
# As the pack's README says, plus what runs a notebook without Jupyter's interface.
"$py" -m pip install --quiet cnnlesson-*.whl nbclient ipykernel

export CNNLESSON_PROFILE=quick
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

# The lesson notebook also on JAX, as the pack's README tells a student to choose it.
"$py" -m pip install --quiet jax
for run in "tensorflow examples/$example.ipynb" "tensorflow lessons/network.ipynb" \
           "jax lessons/network.ipynb"; do
backend="${run%% *}" notebook="${run#* }"
echo "== notebook: $notebook (KERAS_BACKEND=$backend)"
KERAS_BACKEND="$backend" "$py" - "$notebook" "$work/figures/notebook" <<'EOF'
import base64
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

path, folder = Path(sys.argv[1]), Path(sys.argv[2])
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=1800, kernel_name="python3",
               resources={"metadata": {"path": str(path.parent)}}).execute()
count = 0
for cell in notebook.cells:
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            count += 1
            (folder / f"{path.stem}_figure_{count}.png").write_bytes(
                base64.b64decode(data["image/png"]))
print(f"the notebook ran {len(notebook.cells)} cells and drew {count} figures")
sys.exit(0 if count else "FAIL: the notebook drew no figure")
EOF
done
echo "course pack: the script and the notebooks ran"
