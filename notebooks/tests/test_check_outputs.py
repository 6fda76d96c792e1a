"""Tests of notebooks/check_outputs.py (standard library only): python3 -m unittest discover -s notebooks/tests"""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import check_outputs  # noqa: E402


def cell(source, outputs=(), count=None, metadata=None):
    return {"cell_type": "code", "execution_count": count, "id": "x", "metadata": metadata or {},
            "outputs": list(outputs), "source": source}


def notebook(*cells):
    return {"cells": [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# title"}, *cells],
            "metadata": {"kernelspec": {"name": "java", "display_name": "Java", "language": "java"}},
            "nbformat": 4, "nbformat_minor": 5}


PNG = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo="}}
TABLE = {"output_type": "display_data", "metadata": {},
         "data": {"text/html": ["<table class=\"vptlab-table\">\n", "<tr><td>1</td></tr></table>"]}}
HTML_NO_TABLE = {"output_type": "display_data", "metadata": {}, "data": {"text/html": "<p>tables: none</p>"}}
ERROR = {"output_type": "error", "ename": "EvalException", "evalue": "boom", "traceback": []}
STREAM = {"output_type": "stream", "name": "stdout", "text": "<table> in plain text does not count\n"}


class CheckOutputsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, nb):
        path = os.path.join(self.dir.name, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(nb, f)
        return path

    def run_main(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = check_outputs.main(list(argv))
        return rc, out.getvalue(), err.getvalue()

    def test_executed_notebook_with_image_and_table_passes(self):
        p = self.write("ok.ipynb", notebook(cell("a", [PNG], 1), cell("b", [STREAM, TABLE], 2)))
        self.assertEqual(self.run_main("executed", p)[0], 0)

    def test_executed_problems_are_each_reported(self):
        nb = notebook(cell("a", [HTML_NO_TABLE, STREAM], 1), cell("b", [ERROR], 2), cell("c"))
        problems = check_outputs.executed_problems(nb)
        self.assertEqual(len(problems), 4, problems)
        self.assertIn("code cell 2: error output EvalException: boom", problems)
        self.assertIn("code cell 3 was not executed", problems)
        self.assertIn("no image/png output", problems)
        self.assertTrue(any("no results table" in p for p in problems))
        rc, _, err = self.run_main("executed", self.write("bad.ipynb", nb))
        self.assertEqual(rc, 1)
        self.assertIn("1 of 1 file(s) failed", err)

    def test_empty_cells_need_no_execution_count(self):
        nb = notebook(cell("a", [PNG, TABLE], 1), cell("  \n"))
        self.assertEqual(check_outputs.executed_problems(nb), [])

    def test_strip_then_clean(self):
        nb = notebook(cell("a", [PNG, TABLE], 3, {"execution": {"iopub.status.idle": "t"}, "tags": ["keep"]}))
        p = self.write("dirty.ipynb", nb)
        rc, _, err = self.run_main("clean", p)
        self.assertEqual(rc, 1)
        self.assertIn("has outputs", err)
        self.assertIn("execution count", err)
        self.assertIn("execution timings", err)
        self.assertEqual(self.run_main("strip", p)[0], 0)
        self.assertEqual(self.run_main("clean", p)[0], 0)
        with open(p, encoding="utf-8") as f:
            text = f.read()
        stripped = json.loads(text)
        c = stripped["cells"][1]
        self.assertEqual((c["outputs"], c["execution_count"], c["metadata"]), ([], None, {"tags": ["keep"]}))
        self.assertTrue(text.startswith('{\n "cells": [\n'), text[:40])  # nbformat's layout: indent 1, sorted
        before = os.stat(p).st_mtime_ns
        _, out, _ = self.run_main("strip", p)  # already clean: not rewritten
        self.assertEqual((out, os.stat(p).st_mtime_ns), ("", before))

    def test_clean_notebooks_run_on_every_kernel(self):
        ok = notebook(cell("import a.b.*;\nimport c.D;\nvar x = 1;"), cell("x + 1"))
        self.assertEqual(check_outputs.clean_problems(ok), [])
        late_import = notebook(cell("import a.b.*;"), cell("var y = 2;\n  import java.util.List;\n"))
        self.assertEqual(check_outputs.clean_problems(late_import),
                         ["code cell 2 imports (imports belong in the first code cell)"])
        magic = notebook(cell("%maven org:a:1\nvar x = 1;"))
        self.assertEqual(check_outputs.clean_problems(magic), ["code cell 1 uses a magic (kernel-specific)"])
        wide = notebook(cell("var s = \"" + "x" * 100 + "\";"))
        self.assertEqual(check_outputs.clean_problems(wide),
                         ["code cell 1 line 1 has 111 characters (at most 100)"])
        other = notebook(cell("1"))
        other["metadata"]["kernelspec"]["name"] = "java17"
        self.assertEqual(check_outputs.clean_problems(other), ["kernelspec name is 'java17', not 'java'"])
        # a comment or string that mentions import is not an import statement
        self.assertEqual(check_outputs.clean_problems(notebook(cell("1"), cell("// import x;\nvar s = \"import\";"))), [])

    def test_offline_pages_load_nothing_from_elsewhere(self):
        ok = '<html><head><style>a{}</style><script>var x=1;</script></head>' \
             '<body><img src="data:image/png;base64,iVBOR"><a href="https://example.org">link</a></body></html>'
        self.assertEqual(check_outputs.offline_problems(ok), [])
        bad = '<script src="https://cdnjs.cloudflare.com/mathjax/latest.js"></script>' \
              "<script type='text/javascript' src='file:///usr/share/javascript/requirejs/require.min.js'></script>" \
              '<link rel="stylesheet" href="//fonts.example/x.css">'
        self.assertEqual(len(check_outputs.offline_problems(bad)), 3)
        p = self.write("page.html", {"x": 1})
        with open(p, "w", encoding="utf-8") as f:
            f.write(bad)
        rc, _, err = self.run_main("offline", p)
        self.assertEqual(rc, 1)
        self.assertIn("cdnjs", err)
        self.assertEqual(self.run_main("offline")[0], 2)

    def test_usage_and_unreadable_files(self):
        self.assertEqual(self.run_main()[0], 2)
        self.assertEqual(self.run_main("executed")[0], 2)
        rc, _, err = self.run_main("clean", self.write("not.ipynb", {"x": 1}))
        self.assertEqual(rc, 1)
        self.assertIn("cannot read", err)


if __name__ == "__main__":
    unittest.main()
