#!/usr/bin/env python3
"""Checks notebooks, before commit and after execution (Python 3 standard library only).

  check_outputs.py executed NOTEBOOK.ipynb...   every notebook ran to the end without an error output and
                                                shows at least one image (image/png) and one results table
                                                (a text/html output holding a <table>)
  check_outputs.py clean [NOTEBOOK.ipynb...]    committed notebooks carry no outputs, execution counts or
                                                execution timings (default: notebooks/*.ipynb), and run on every
                                                supported kernel: kernelspec "java", no magics, imports only in
                                                the first code cell, code lines of at most 100 characters
  check_outputs.py strip [NOTEBOOK.ipynb...]    removes those in place (default: notebooks/*.ipynb)
  check_outputs.py offline PAGE.html...         exported pages load nothing from elsewhere (no script, style
                                                sheet or image from a URL or another machine's file path)

Exit status: 0 when every notebook passes, 1 otherwise (one line per problem on stderr), 2 on usage errors.
"""
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = re.compile(r"<table[\s>]", re.IGNORECASE)
IMPORT = re.compile(r"^\s*import\s+[\w.]+(\.\*)?\s*;", re.MULTILINE)
MAGIC = re.compile(r"^\s*%", re.MULTILINE)
# Wider code lines are cut at the right edge of nbconvert's HTML page (and of a notebook at its default width).
MAX_LINE = 100
EXTERNAL = re.compile(r"<(script|link|img|iframe)\b[^>]*?\b(src|href)\s*=\s*[\"']?((?:https?:|file:|//)[^\"'\s>]*)",
                      re.IGNORECASE)


def load(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    if not isinstance(nb, dict) or "cells" not in nb:
        raise ValueError("not a notebook (no 'cells')")
    return nb


def text(value):
    """Notebook strings may be stored as one string or a list of lines."""
    return "".join(value) if isinstance(value, list) else str(value)


def code_cells(nb):
    return [c for c in nb["cells"] if c.get("cell_type") == "code"]


def executed_problems(nb):
    """Problems of an executed notebook; an empty list when it passes."""
    problems = []
    pngs = tables = 0
    for i, cell in enumerate(code_cells(nb), 1):
        src = text(cell.get("source", ""))
        if src.strip() and cell.get("execution_count") is None:
            problems.append(f"code cell {i} was not executed")
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                problems.append(f"code cell {i}: error output {out.get('ename', '?')}: "
                                f"{text(out.get('evalue', '')).strip()[:200]}")
            data = out.get("data", {}) if kind in ("display_data", "execute_result") else {}
            if "image/png" in data and text(data["image/png"]).strip():
                pngs += 1
            if "text/html" in data and TABLE.search(text(data["text/html"])):
                tables += 1
    if pngs == 0:
        problems.append("no image/png output")
    if tables == 0:
        problems.append("no results table (text/html output with a <table>)")
    return problems


def clean_problems(nb):
    problems = []
    for i, cell in enumerate(code_cells(nb), 1):
        if cell.get("outputs"):
            problems.append(f"code cell {i} has outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"code cell {i} has an execution count")
        if "execution" in cell.get("metadata", {}):
            problems.append(f"code cell {i} has execution timings in its metadata")
        src = text(cell.get("source", ""))
        # JJava and IJava hand each snippet to an in-process JShell: an import after the first cell makes JShell
        # recompile the earlier snippets, which resets the variables they declared.
        if i > 1 and IMPORT.search(src):
            problems.append(f"code cell {i} imports (imports belong in the first code cell)")
        if MAGIC.search(src):
            problems.append(f"code cell {i} uses a magic (kernel-specific)")
        for n, line in enumerate(src.split("\n"), 1):
            if len(line) > MAX_LINE:
                problems.append(f"code cell {i} line {n} has {len(line)} characters (at most {MAX_LINE})")
    kernelspec = nb.get("metadata", {}).get("kernelspec", {})
    if kernelspec.get("name") != "java":
        problems.append(f"kernelspec name is {kernelspec.get('name')!r}, not 'java'")
    return problems


def offline_problems(html):
    """Resources an exported page would fetch from elsewhere; an empty list when it is self-contained."""
    return [f"<{m.group(1)}> loads {m.group(3)}" for m in EXTERNAL.finditer(html)]


def strip(nb):
    """Removes outputs, execution counts and timings; returns whether anything changed."""
    changed = False
    for cell in code_cells(nb):
        if cell.get("outputs") != []:
            cell["outputs"] = []
            changed = True
        if cell.get("execution_count") is not None:
            cell["execution_count"] = None
            changed = True
        if "execution" in cell.get("metadata", {}):
            del cell["metadata"]["execution"]
            changed = True
    return changed


def save(nb, path):
    """Writes as nbformat does (indent 1, sorted keys, UTF-8), atomically."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def main(argv):
    if len(argv) < 1 or argv[0] not in ("executed", "clean", "strip", "offline"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mode, paths = argv[0], argv[1:]
    if not paths:
        if mode in ("executed", "offline"):
            print(f"check_outputs.py {mode}: name the files to check", file=sys.stderr)
            return 2
        paths = sorted(glob.glob(os.path.join(HERE, "*.ipynb")))
        if not paths:
            print(f"check_outputs.py {mode}: no notebooks in {HERE}")
            return 0
    failed = 0
    for path in paths:
        if mode == "offline":
            try:
                with open(path, encoding="utf-8") as f:
                    problems = offline_problems(f.read())
            except (OSError, UnicodeDecodeError) as e:
                problems = [f"cannot read: {e}"]
            for p in problems:
                print(f"{path}: {p}", file=sys.stderr)
            failed += bool(problems)
            continue
        try:
            nb = load(path)
        except (OSError, ValueError) as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            failed += 1
            continue
        if mode == "strip":
            if strip(nb):
                save(nb, path)
                print(f"{path}: stripped")
            continue
        problems = executed_problems(nb) if mode == "executed" else clean_problems(nb)
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        if problems:
            failed += 1
        else:
            print(f"{path}: ok")
    if failed:
        hint = " (fix: python3 notebooks/check_outputs.py strip)" if mode == "clean" else ""
        print(f"check_outputs.py {mode}: {failed} of {len(paths)} file(s) failed{hint}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
