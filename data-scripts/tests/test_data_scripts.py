"""Offline tests of data-scripts/ (standard library only).

Run from the repository root:  python3 -m unittest discover -s data-scripts/tests -v
Small archives are built in temporary folders and served through --offline-source (or a local HTTP
server on 127.0.0.1 for the Range/resume path); nothing is fetched from the network.
"""

import argparse
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
sys.path.insert(0, SCRIPTS)
import _fetch as F  # noqa: E402

ADE_URL = "http://data.csail.mit.edu/places/ADEchallenge/ADEChallengeData2016.zip"


def run(script, *args):
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *args], capture_output=True, text=True,
                          timeout=120)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def sha256_file(path):
    return hashlib.sha256(read_bytes(path)).hexdigest()


def make_zip(path, files, symlinks=None, raw_names=None):
    """files: name -> bytes; symlinks: name -> target; raw_names: names written verbatim (e.g. absolute)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
        for name, data in (raw_names or {}).items():
            info = zipfile.ZipInfo("x")
            info.filename = name  # bypass any normalisation
            z.writestr(info, data)


def make_tar(path, files, symlinks=None, hardlinks=None, mode="w:gz"):
    with tarfile.open(path, mode) as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            t.addfile(info)
        for name, target in (hardlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.LNKTYPE
            info.linkname = target
            t.addfile(info)


def vtab_task_files(n_test=5, classes=47):
    """A tiny but complete VTAB-1K task: relative path -> bytes."""
    files = {}
    lines = {}
    for split, n in (("train800", 800), ("val200", 200), ("test", n_test)):
        out = []
        for i in range(n):
            p = f"images/{split}/{i:06d}.jpg"
            files[p] = b"\xff\xd8\xff fake jpeg"
            out.append(f"{p} {i % classes}")
        lines[split] = out
    both = []
    for i, line in enumerate(lines["train800"] + lines["val200"]):
        p = f"images/train800val200/{i:06d}.jpg"
        files[p] = b"\xff\xd8\xff fake jpeg"
        both.append(f"{p} {line.split(' ')[1]}")
    lines["train800val200"] = both
    for split, out in lines.items():
        files[f"{split}.txt"] = ("\n".join(out) + "\n").encode()
    return files


def idx_gz(path, magic, dims, payload):
    with gzip.open(path, "wb") as f:
        f.write(magic.to_bytes(4, "big"))
        for d in dims:
            f.write(d.to_bytes(4, "big"))
        f.write(payload)


def ade_zip(path, n_train=3, n_val=2, top="ADEChallengeData2016/"):
    files = {}
    for split, n, tag in (("training", n_train, "train"), ("validation", n_val, "val")):
        for i in range(1, n + 1):
            files[f"{top}images/{split}/ADE_{tag}_{i:08d}.jpg"] = b"jpeg" * 10
            files[f"{top}annotations/{split}/ADE_{tag}_{i:08d}.png"] = b"png" * 10
    files[f"{top}objectInfo150.txt"] = b"Idx\tRatio\n"
    make_zip(path, files)


class TempCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vptlab-data-scripts-")
        self.root = os.path.join(self.tmp, "root")
        self.src = os.path.join(self.tmp, "src")
        self.empty = os.path.join(self.tmp, "empty")
        os.makedirs(self.src)
        os.makedirs(self.empty)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def listing(self, top):
        out = []
        for d, dirs, files in os.walk(top):
            for n in dirs + files:
                out.append(os.path.relpath(os.path.join(d, n), top))
        return sorted(out)


# ----------------------------------------------------------------------------------------------------


class SafeUnpackTest(TempCase):
    def setUp(self):
        super().setUp()
        self.box = os.path.join(self.tmp, "box")  # everything outside "target" must stay as it is
        self.target = os.path.join(self.box, "target")
        os.makedirs(self.box)
        with open(os.path.join(self.box, "keep.txt"), "w") as f:
            f.write("keep")

    def assert_refused(self, archive, fragment):
        before = self.listing(self.box)
        with self.assertRaises(F.UnsafeArchiveError) as cm:
            F.safe_unpack(archive, self.target)
        self.assertIn(fragment, str(cm.exception))
        self.assertEqual(before, self.listing(self.box), "nothing may be written outside (or inside) the target")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "evil")))

    def test_zip_and_targz_unpack_with_prefix_and_internal_symlink(self):
        files = {"top/a/x.txt": b"x", "top/b.txt": b"b", "stray.txt": b"s"}
        z = os.path.join(self.src, "a.zip")
        make_zip(z, files, symlinks={"top/link": "a/x.txt"})
        t = os.path.join(self.src, "a.tar.gz")
        make_tar(t, files, symlinks={"top/link": "a/x.txt"}, hardlinks={"top/hard": "top/b.txt"})
        for archive in (z, t):
            target = os.path.join(self.tmp, "out-" + os.path.basename(archive))
            n = F.safe_unpack(archive, target, prefix=["top"])
            self.assertGreaterEqual(n, 2)
            with open(os.path.join(target, "a", "x.txt"), "rb") as f:
                self.assertEqual(b"x", f.read())
            self.assertTrue(os.path.islink(os.path.join(target, "link")))
            with open(os.path.join(target, "link"), "rb") as f:
                self.assertEqual(b"x", f.read())
            self.assertFalse(os.path.exists(os.path.join(target, "stray.txt")), "members outside the prefix are skipped")
        with open(os.path.join(self.tmp, "out-a.tar.gz", "hard"), "rb") as f:
            self.assertEqual(b"b", f.read())

    def test_dotdot_is_refused(self):
        z = os.path.join(self.src, "evil.zip")
        make_zip(z, {"ok.txt": b"ok", "../evil": b"evil"})
        self.assert_refused(z, "'..'")
        t = os.path.join(self.src, "evil.tar.gz")
        make_tar(t, {"ok.txt": b"ok", "sub/../../evil": b"evil"})
        self.assert_refused(t, "'..'")

    def test_absolute_path_is_refused(self):
        z = os.path.join(self.src, "abs.zip")
        make_zip(z, {"ok.txt": b"ok"}, raw_names={os.path.join(self.tmp, "evil"): b"evil"})
        with zipfile.ZipFile(z) as zz:
            self.assertTrue(any(n.startswith("/") for n in zz.namelist()))
        self.assert_refused(z, "absolute path")
        t = os.path.join(self.src, "abs.tar")
        make_tar(t, {"ok.txt": b"ok", os.path.join(self.tmp, "evil"): b"evil"}, mode="w")
        self.assert_refused(t, "absolute path")

    def test_symlinks_pointing_outside_are_refused(self):
        for i, target in enumerate(("/etc", "../..", "b/../../../outside")):
            z = os.path.join(self.src, f"link{i}.zip")
            make_zip(z, {"ok.txt": b"ok"}, symlinks={"a/link": target})
            self.assert_refused(z, "symlink")
            t = os.path.join(self.src, f"link{i}.tar.gz")
            make_tar(t, {"ok.txt": b"ok"}, symlinks={"a/link": target})
            self.assert_refused(t, "symlink")

    def test_hardlink_pointing_outside_is_refused(self):
        t = os.path.join(self.src, "hard.tar.gz")
        make_tar(t, {"ok.txt": b"ok"}, hardlinks={"h": "../keep.txt"})
        self.assert_refused(t, "hardlink")
        t2 = os.path.join(self.src, "hard2.tar.gz")
        make_tar(t2, {"ok.txt": b"ok"}, hardlinks={"h": "/etc/passwd"})
        self.assert_refused(t2, "hardlink")

    def test_write_through_a_chain_of_links_is_refused(self):
        # x/y -> .. is inside (it names the target itself); x/y/z -> .. then resolves to the target's parent.
        t = os.path.join(self.src, "chain.tar.gz")
        make_tar(t, {"x/f.txt": b"f"}, symlinks={"x/y": "..", "x/y/z": ".."})
        with self.assertRaises(F.UnsafeArchiveError) as cm:
            F.safe_unpack(t, self.target)
        self.assertIn("resolves outside", str(cm.exception))
        self.assertEqual(["keep.txt", "target"], [n for n in self.listing(self.box) if os.sep not in n])
        self.assertFalse(os.path.lexists(os.path.join(self.target, "z")))

    def test_vtab_script_refuses_an_evil_archive(self):
        files = {f"dtd/{k}": v for k, v in vtab_task_files().items()}
        files["dtd/../../evil"] = b"evil"
        t = os.path.join(self.src, "vtab-evil.tar.gz")
        make_tar(t, files)
        r = run("vtab-1k", "--root", self.root, "--from-archive", t)
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertIn("refused", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "evil")))
        self.assertFalse(os.path.exists(os.path.join(self.root, "vtab-1k", "dtd")))


# ----------------------------------------------------------------------------------------------------


class FetchVerifyTest(TempCase):
    def test_ade20k_fetch_verify_unpack_and_idempotence(self):
        ade_zip(os.path.join(self.src, "ADEChallengeData2016.zip"))
        r = run("ade20k", "--root", self.root, "--offline-source", self.src)
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertIn(f"fetching {ADE_URL}", r.stdout)
        base = os.path.join(self.root, "ade20k", "ADEChallengeData2016")
        self.assertTrue(os.path.isfile(os.path.join(base, "annotations", "validation", "ADE_val_00000002.png")))
        self.assertIn("WARN", r.stdout)  # 3 / 2 images instead of 20,210 / 2,000
        self.assertIn("20,210", r.stdout)
        db = read_json(os.path.join(self.root, ".checksums.json"))
        entry = db["ade20k/ADEChallengeData2016.zip"]
        self.assertEqual(sha256_file(os.path.join(self.src, "ADEChallengeData2016.zip")), entry["sha256"])
        self.assertEqual(ADE_URL, entry["url"])
        self.assertIn("date", entry)
        # Second run: nothing to fetch (the offline source is empty) and nothing to unpack.
        r2 = run("ade20k", "--root", self.root, "--offline-source", self.empty)
        self.assertEqual(0, r2.returncode, r2.stdout + r2.stderr)
        self.assertNotIn("fetching", r2.stdout)
        self.assertIn("not fetched again", r2.stdout)
        self.assertIn("not unpacked again", r2.stdout)
        self.assertIn("ready (1): ade20k", r2.stdout)

    def test_recorded_sha256_is_checked_on_later_runs(self):
        ade_zip(os.path.join(self.src, "ADEChallengeData2016.zip"))
        self.assertEqual(0, run("ade20k", "--root", self.root, "--offline-source", self.src).returncode)
        local = os.path.join(self.root, "ade20k", "ADEChallengeData2016.zip")
        with open(local, "ab") as f:
            f.write(b"tampered")
        r = run("ade20k", "--root", self.root, "--offline-source", self.empty)
        self.assertEqual(1, r.returncode)
        self.assertIn(local, r.stderr)
        self.assertIn("recorded", r.stderr)
        self.assertIn("not used", r.stderr)
        # Deleting the file fetches it again, and the fresh copy is checked against the record too.
        os.remove(local)
        with open(os.path.join(self.src, "ADEChallengeData2016.zip"), "ab") as f:
            f.write(b"upstream changed")
        r = run("ade20k", "--root", self.root, "--offline-source", self.src)
        self.assertEqual(1, r.returncode)
        self.assertIn("ADEChallengeData2016.zip", r.stderr)
        self.assertFalse(os.path.exists(local))
        self.assertTrue(os.path.exists(local + ".rejected"))

    def test_a_partial_download_is_resumed(self):
        src = os.path.join(self.src, "ADEChallengeData2016.zip")
        ade_zip(src)
        data = read_bytes(src)
        part = os.path.join(self.root, "ade20k", "ADEChallengeData2016.zip.part")
        os.makedirs(os.path.dirname(part))
        with open(part, "wb") as f:
            f.write(data[:len(data) // 2])
        r = run("ade20k", "--root", self.root, "--offline-source", self.src)
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertIn(f"at byte {len(data) // 2} of {len(data)}", r.stdout)
        self.assertEqual(data, read_bytes(os.path.join(self.root, "ade20k", "ADEChallengeData2016.zip")))
        self.assertFalse(os.path.exists(part))

    def test_published_md5_mismatch_names_the_file(self):
        idx_gz(os.path.join(self.src, "train-images-idx3-ubyte.gz"), 0x803, [2, 28, 28], bytes(2 * 784))
        r = run("fashion-mnist", "--root", self.root, "--offline-source", self.src, "--system-dir", "none",
                "--only", "train-images")
        self.assertEqual(1, r.returncode)
        self.assertIn("train-images-idx3-ubyte.gz: checksum mismatch", r.stderr)
        self.assertIn("8d4fb7e6c68d591d4c3dfef9ec88bf0d", r.stderr)
        dest = os.path.join(self.root, "fashion-mnist", "train-images-idx3-ubyte.gz")
        self.assertFalse(os.path.exists(dest), "a file failing its checksum is not used")
        self.assertTrue(os.path.exists(dest + ".rejected"))

    def test_timm_hash_prefix_mismatch_names_the_file(self):
        with open(os.path.join(self.src, "jx_vit_large_p16_384-b3be5167.pth"), "wb") as f:
            f.write(b"not the checkpoint")
        r = run("checkpoints", "--root", self.root, "--offline-source", self.src, "--only", "sup_in21k_in1k384_vitl16")
        self.assertEqual(1, r.returncode)
        self.assertIn("jx_vit_large_p16_384-b3be5167.pth: checksum mismatch: expected sha256 prefix b3be5167", r.stderr)

    def test_checkpoint_without_published_hash_is_recorded_then_verified(self):
        with open(os.path.join(self.src, "mae_pretrain_vit_large.pth"), "wb") as f:
            f.write(b"PK fake checkpoint")
        r = run("checkpoints", "--root", self.root, "--offline-source", self.src, "--only", "mae_vitl16")
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertIn("recorded sha256", r.stdout)
        self.assertIn("./vptlab checkpoint inspect", r.stdout)
        db = read_json(os.path.join(self.root, ".checksums.json"))
        self.assertEqual("https://dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_large.pth",
                         db["checkpoints/mae_pretrain_vit_large.pth"]["url"])
        r2 = run("checkpoints", "--root", self.root, "--offline-source", self.empty, "--only", "mae_vitl16")
        self.assertEqual(0, r2.returncode, r2.stdout + r2.stderr)
        self.assertIn("present and verified", r2.stdout)
        self.assertNotIn("fetching", r2.stdout)

    def test_fashion_mnist_from_a_system_copy(self):
        sysdir = os.path.join(self.tmp, "usr-share-datasets-fashion-mnist")
        os.makedirs(sysdir)
        for split, n in (("train", 3), ("t10k", 2)):
            idx_gz(os.path.join(sysdir, f"{split}-images-idx3-ubyte.gz"), 0x803, [n, 28, 28], bytes(n * 784))
            idx_gz(os.path.join(sysdir, f"{split}-labels-idx1-ubyte.gz"), 0x801, [n], bytes(range(n)))
        r = run("fashion-mnist", "--root", self.root, "--offline-source", self.empty, "--system-dir", sysdir)
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertIn("copying", r.stdout)
        self.assertIn("items, Fashion-MNIST has 60000", r.stdout)
        self.assertNotIn("fetching", r.stdout)
        db = read_json(os.path.join(self.root, ".checksums.json"))
        self.assertEqual(4, len(db))
        r2 = run("fashion-mnist", "--root", self.root, "--offline-source", self.empty, "--system-dir", sysdir)
        self.assertEqual(0, r2.returncode, r2.stdout + r2.stderr)
        self.assertIn("not copied again", r2.stdout)
        # A broken IDX file is an error naming it.
        idx_gz(os.path.join(self.root, "fashion-mnist", "t10k-labels-idx1-ubyte.gz"), 0x801, [5], bytes(2))
        r3 = run("fashion-mnist", "--root", self.root, "--system-dir", sysdir, "--only", "t10k-labels")
        self.assertEqual(1, r3.returncode)
        self.assertIn("t10k-labels-idx1-ubyte.gz", r3.stderr)


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    data = b""
    honor_range = True
    cut_first = False  # the first full response stops half way (a dropped connection)
    seen = None

    def do_GET(self):
        cls = type(self)
        if self.path != "/file.bin":
            self.send_error(404)
            return
        rng = self.headers.get("Range")
        cls.seen.append(rng)
        data = cls.data
        if rng and cls.honor_range:
            start = int(rng.split("=")[1].split("-")[0])
            body = data[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cls.cut_first:
            cls.cut_first = False
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HttpResumeTest(TempCase):
    def setUp(self):
        super().setUp()
        self._env = {k: os.environ.get(k) for k in ("no_proxy", "NO_PROXY")}
        os.environ["no_proxy"] = os.environ["NO_PROXY"] = "127.0.0.1,localhost"

    def tearDown(self):
        for k, v in self._env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        super().tearDown()

    def serve(self, **attrs):
        handler = type("H", (_RangeHandler,), dict(seen=[], **attrs))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return handler, f"http://127.0.0.1:{server.server_address[1]}/file.bin"

    def ctx(self):
        args = argparse.Namespace(root=self.root, dry_run=False, offline_source=None, retries=2, timeout=10)
        c = F.Context(args, F.Report("test"))
        c.backoff = 0.01
        return c

    def test_http_range_resume(self):
        data = os.urandom(300_000)
        handler, url = self.serve(data=data)
        part_path = os.path.join(self.root, "files", "file.bin.part")
        os.makedirs(os.path.dirname(part_path))
        with open(part_path, "wb") as f:
            f.write(data[:123_456])
        item = F.Item("file", [url], "files/file.bin")
        got = F.fetch(self.ctx(), item)
        self.assertEqual(data, read_bytes(got.path))
        self.assertEqual(["bytes=123456-"], handler.seen)
        self.assertEqual(hashlib.sha256(data).hexdigest(), F.ChecksumDB(self.root).get("files/file.bin")["sha256"])

    def test_http_dropped_connection_is_retried_and_resumed(self):
        data = os.urandom(200_000)
        handler, url = self.serve(data=data, cut_first=True)
        got = F.fetch(self.ctx(), F.Item("file", [url], "files/file.bin",
                                         [F.Checksum("sha256", hashlib.sha256(data).hexdigest(), "test")]))
        self.assertEqual(data, read_bytes(got.path))
        self.assertEqual(2, len(handler.seen))
        self.assertIsNone(handler.seen[0])
        self.assertEqual("bytes=100000-", handler.seen[1])

    def test_http_server_ignoring_range_restarts(self):
        data = os.urandom(50_000)
        handler, url = self.serve(data=data, honor_range=False)
        part_path = os.path.join(self.root, "files", "file.bin.part")
        os.makedirs(os.path.dirname(part_path))
        with open(part_path, "wb") as f:
            f.write(b"garbage" * 100)
        got = F.fetch(self.ctx(), F.Item("file", [url], "files/file.bin"))
        self.assertEqual(data, read_bytes(got.path))

    def test_http_404_fails_naming_the_url(self):
        _, url = self.serve(data=b"x")
        with self.assertRaises(F.FetchError) as cm:
            F.fetch(self.ctx(), F.Item("missing", [url.replace("file.bin", "nope.bin")], "files/nope.bin"))
        self.assertIn("nope.bin", str(cm.exception))
        self.assertIn("404", str(cm.exception))


# ----------------------------------------------------------------------------------------------------


class VtabTest(TempCase):
    def test_from_zip_with_a_top_folder_and_from_targz(self):
        files = vtab_task_files()
        z = os.path.join(self.src, "vtab-1k.zip")
        make_zip(z, {f"vtab-1k/dtd/{k}": v for k, v in files.items()})
        t = os.path.join(self.src, "vtab.tar.gz")
        make_tar(t, {f"dtd/{k}": v for k, v in files.items()})
        for i, archive in enumerate((z, t)):
            root = os.path.join(self.tmp, f"root{i}")
            r = run("vtab-1k", "--root", root, "--from-archive", archive)
            self.assertEqual(0, r.returncode, r.stdout + r.stderr)
            self.assertIn("ready (1): dtd", r.stdout)
            self.assertIn("test.txt has 5 lines", r.stdout)
            self.assertIn("WARN", r.stdout)  # 5 test lines instead of 1,880
            self.assertIn("manual steps remain (1)", r.stdout)  # the 18 other tasks
            self.assertIn("get_vtab1k.py", r.stdout)
            self.assertTrue(os.path.isfile(os.path.join(root, "vtab-1k", "dtd", "images", "test", "000004.jpg")))
            again = run("vtab-1k", "--root", root, "--from-archive", archive, "--only", "dtd")
            self.assertEqual(0, again.returncode)
            self.assertIn("not unpacked again", again.stdout)
            self.assertIn("manual steps remain (0)", again.stdout)

    def test_validation_names_file_and_line(self):
        t = os.path.join(self.src, "vtab.tar.gz")
        make_tar(t, {f"dtd/{k}": v for k, v in vtab_task_files().items()})
        self.assertEqual(0, run("vtab-1k", "--root", self.root, "--from-archive", t, "--only", "dtd").returncode)
        task = os.path.join(self.root, "vtab-1k", "dtd")

        def edit(split, lineno, new):
            path = os.path.join(task, split + ".txt")
            lines = read_bytes(path).decode().split("\n")
            lines[lineno - 1] = new(lines[lineno - 1])
            write_text(path, "\n".join(lines))

        os.remove(os.path.join(task, "images", "train800", "000004.jpg"))  # line 5
        edit("val200", 3, lambda l: l.split(" ")[0] + " 47")  # dtd has 47 classes: 0..46
        edit("test", 2, lambda l: l.split(" ")[0])  # no label
        r = run("vtab-1k", "--root", self.root, "--validate-only", "--only", "dtd")
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        err = r.stderr
        self.assertIn(os.path.join(task, "train800.txt") + ":5: image not found: images/train800/000004.jpg", err)
        self.assertIn(os.path.join(task, "val200.txt") + ":3: label 47 out of range 0..46", err)
        self.assertIn(os.path.join(task, "test.txt") + ":2: malformed line", err)
        self.assertIn(os.path.join(task, "train800.txt") + ":5", r.stdout)  # and in the final summary

    def test_line_counts_are_checked(self):
        files = {f"dtd/{k}": v for k, v in vtab_task_files().items()}
        files["dtd/val200.txt"] = b"\n".join(files["dtd/val200.txt"].split(b"\n")[:150]) + b"\n"
        t = os.path.join(self.src, "short.tar.gz")
        make_tar(t, files)
        r = run("vtab-1k", "--root", self.root, "--from-archive", t, "--only", "dtd")
        self.assertEqual(1, r.returncode)
        self.assertIn("val200.txt: 150 lines, expected 200", r.stderr)


# ----------------------------------------------------------------------------------------------------


class FgvcTest(TempCase):
    def build_flowers(self, val_lacks=5):
        n_classes = 102
        files = {}
        splits = {"train": {}, "val": {}, "test": {}}
        k = 0
        for split in splits:
            for c in range(1, n_classes + 1):
                if split == "val" and c == val_lacks:
                    continue
                k += 1
                name = f"jpg/image_{k:05d}.jpg"
                files[name] = b"jpeg"
                splits[split][name] = c
        make_tar(os.path.join(self.src, "102flowers.tgz"), files)
        for f in ("imagelabels.mat", "setid.mat"):
            with open(os.path.join(self.src, f), "wb") as fh:
                fh.write(b"MATLAB 5.0 MAT-file fake")
        z = os.path.join(self.src, "fgvc_split.zip")
        make_zip(z, {f"fgvc_split/OxfordFlower/{s}.json": json.dumps(d).encode() for s, d in splits.items()})
        return z

    def test_flowers_download_unpack_splits_and_class_coverage(self):
        z = self.build_flowers()
        r = run("fgvc", "--root", self.root, "--only", "flowers", "--offline-source", self.src, "--splits-archive", z)
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertIn("https://www.robots.ox.ac.uk/~vgg/data/flowers/102/102flowers.tgz", r.stdout)
        self.assertIn("ready (1): flowers (with warnings)", r.stdout)
        self.assertIn("val.json: lacks 1 of the 102 classes (class id(s) 5); the per-split label remap", r.stdout)
        ds = os.path.join(self.root, "fgvc", "flowers")
        self.assertTrue(os.path.isfile(os.path.join(ds, "jpg", "image_00001.jpg")))
        self.assertTrue(os.path.isfile(os.path.join(ds, "setid.mat")))
        self.assertTrue(os.path.isfile(os.path.join(ds, "test.json")))
        # A split entry without an image is an error naming the JSON file and the entry.
        test_json = os.path.join(ds, "test.json")
        d = read_json(test_json)
        d["jpg/image_99999.jpg"] = 3
        write_text(test_json, json.dumps(d))
        r2 = run("fgvc", "--root", self.root, "--only", "flowers", "--validate-only")
        self.assertEqual(1, r2.returncode)
        self.assertIn(f"{test_json}: entry 'jpg/image_99999.jpg': image not found", r2.stderr)
        # A non-integer class id too.
        d = {"jpg/image_00001.jpg": "3"}
        write_text(os.path.join(ds, "val.json"), json.dumps(d))
        r3 = run("fgvc", "--root", self.root, "--only", "flowers", "--validate-only")
        self.assertEqual(1, r3.returncode)
        self.assertIn("val.json: class id of 'jpg/image_00001.jpg' is not an integer", r3.stderr)

    def test_license_gated_dataset_is_a_manual_step_with_exit_0(self):
        r = run("fgvc", "--root", self.root, "--only", "nabirds", "--offline-source", self.empty)
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertIn("License-gated", r.stdout)
        self.assertIn("https://dl.allaboutbirds.org/nabirds", r.stdout)
        self.assertIn("cornell.box.com", r.stdout)
        self.assertIn("drive.google.com", r.stdout)

    def test_from_archive_for_a_gated_dataset(self):
        files = {f"nabirds/images/0295/img{i}.jpg": b"j" for i in range(3)}
        files["nabirds/README"] = b"r"
        t = os.path.join(self.src, "nabirds.tar.gz")
        make_tar(t, files)
        r = run("fgvc", "--root", self.root, "--only", "nabirds", "--from-archive", f"nabirds={t}")
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.root, "fgvc", "nabirds", "images", "0295", "img1.jpg")))
        self.assertIn("VPT split files for: nabirds", r.stdout)


# ----------------------------------------------------------------------------------------------------


class DryRunAndCliTest(TempCase):
    SCRIPTS = ("checkpoints", "fashion-mnist", "vtab-1k", "fgvc", "ade20k")

    def test_dry_run_lists_the_public_urls_and_fetches_nothing(self):
        out = ""
        for script in self.SCRIPTS:
            r = run(script, "--dry-run", "--root", self.root)
            self.assertEqual(0, r.returncode, script + r.stdout + r.stderr)
            self.assertNotIn("fetching", r.stdout)
            out += r.stdout
        self.assertFalse(os.path.exists(self.root), "--dry-run writes nothing")
        for url in (
                "https://dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_base.pth",
                "https://dl.fbaipublicfiles.com/mae/pretrain/mae_pretrain_vit_large.pth",
                "https://dl.fbaipublicfiles.com/moco-v3/vit-b-300ep/vit-b-300ep.pth.tar",
                "https://dl.fbaipublicfiles.com/moco-v3/vit-b-300ep/linear-vit-b-300ep.pth.tar",
                "https://storage.googleapis.com/vit_models/imagenet21k/ViT-B_16.npz",
                "https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-vitjx/jx_vit_large_p16_384-b3be5167.pth",
                ADE_URL,
                "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz",
                "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/t10k-labels-idx1-ubyte.gz",
                "https://data.caltech.edu/records/65de6-vp158/files/CUB_200_2011.tgz",
                "https://www.robots.ox.ac.uk/~vgg/data/flowers/102/102flowers.tgz",
                "http://vision.stanford.edu/aditya86/ImageNetDogs/images.tar",
                "https://drive.google.com/drive/folders/1mnvxTkYxmOr2W9QjcgS64UBpoJ4UmKaM",
                "https://github.com/ZhangYuanhan-AI/NOAH",
        ):
            self.assertIn(url, out)
        self.assertIn("md5 8d4fb7e6c68d591d4c3dfef9ec88bf0d", out)
        self.assertIn("sha256 prefix b3be5167", out)
        self.assertIn("sha256 recorded at first download", out)

    def test_help_and_usage_errors(self):
        for script in self.SCRIPTS:
            r = run(script, "-h")
            self.assertEqual(0, r.returncode, script)
            self.assertIn("--offline-source", r.stdout)
            self.assertIn("--dry-run", r.stdout)
            bad = run(script, "--only", "no-such-name", "--root", self.root)
            self.assertEqual(2, bad.returncode, script)
            self.assertIn("no-such-name", bad.stderr)


if __name__ == "__main__":
    unittest.main()
