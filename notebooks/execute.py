"""Run the notebooks top to bottom and save their outputs (tables and charts) in place.

    python notebooks/execute.py                 # every notebook here
    python notebooks/execute.py 04_history.ipynb

Runs this source tree's kqlite in a kernel started from this interpreter (not whatever
kernel named python3 the machine has), so the outputs are what this checkout draws. Needs
nbclient and ipykernel (`pip install '.[test]'`). tests/test_notebooks.py runs them the
same way, without saving.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KERNEL = "kqlite-notebooks"


def run(path: Path, timeout: int = 300, allow_errors: bool = False) -> nbformat.NotebookNode:
    """The notebook after running it in a fresh kernel; raises CellExecutionError on an exception."""
    nb = nbformat.read(path, as_version=4)
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "JUPYTER_RUNTIME_DIR")}
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp, "kernels", KERNEL)
        spec.mkdir(parents=True)
        env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               "IPYTHONDIR": str(Path(tmp, "ipython"))}  # no history or profile written to $HOME
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "kqlite notebooks", "language": "python", "env": env}))
        os.environ.update(JUPYTER_PATH=tmp, JUPYTER_RUNTIME_DIR=str(Path(tmp, "runtime")))
        try:
            NotebookClient(nb, timeout=timeout, kernel_name=KERNEL, allow_errors=allow_errors,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    # saved notebooks name the usual kernel, not this temporary one
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    return nb


def main(names: list[str]) -> None:
    paths = [HERE / n for n in names] if names else sorted(HERE.glob("*.ipynb"))
    for path in paths:
        nbformat.write(run(path), path)
        print(f"ran {path.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
