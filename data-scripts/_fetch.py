"""Shared helpers of the vptlab data scripts (standard library only).

- download with resume (HTTP Range into ``<file>.part``, then rename), retries, progress on stderr;
- checksums: the ones a source publishes (full or as a prefix), otherwise a sha256 recorded at first
  download in ``<root>/.checksums.json`` and verified on every later run;
- safe unpacking of zip and tar(.gz/.bz2/.xz): absolute paths, ``..`` components, links pointing
  outside the target folder and special files are refused before anything is written;
- idempotence: a verified file is not fetched again, an archive already unpacked is not unpacked again;
- ``--dry-run``: every URL with its destination and the checksum it will verify; nothing is fetched
  and nothing is written;
- ``--offline-source DIR``: a URL's basename is looked up in DIR instead of the network (tests, mirrors).
"""

import argparse
import datetime
import hashlib
import http.client
import json
import os
import posixpath
import re
import shutil
import stat
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

USER_AGENT = "vptlab-data-scripts/1.0 (python urllib)"
CHUNK = 1 << 20
CHECKSUMS_FILE = ".checksums.json"


class FetchError(Exception):
    """A failure that names the file or URL concerned."""


class ChecksumError(FetchError):
    pass


class UnsafeArchiveError(FetchError):
    pass


class _Incomplete(Exception):
    """A transfer that ended early; the next attempt resumes it."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def say(msg=""):
    print(msg, flush=True)


def human(n):
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n:.0f} B"
        n /= 1024.0
    return f"{n:.1f} GiB"


def url_basename(url):
    """The last path component of a URL, without its query (``...tgz?download=1`` -> ``...tgz``)."""
    return posixpath.basename(urllib.parse.unquote(urllib.parse.urlsplit(url).path))


# ----------------------------------------------------------------------------------------------------
# Checksums


class Checksum:
    """A published checksum: ``algo`` is md5 or sha256; ``prefix`` when only the leading hex digits are published."""

    def __init__(self, algo, value, source, prefix=False):
        if algo not in ("md5", "sha256"):
            raise ValueError(algo)
        self.algo = algo
        self.value = value.lower()
        self.source = source
        self.prefix = prefix

    def describe(self):
        kind = f"{self.algo} prefix" if self.prefix else self.algo
        return f"{kind} {self.value} (published: {self.source})"

    def matches(self, digests):
        d = digests[self.algo]
        return d.startswith(self.value) if self.prefix else d == self.value


def file_digests(path, label=None):
    """md5 and sha256 of a file in one pass (progress on stderr for large files)."""
    md5 = hashlib.md5()
    sha = hashlib.sha256()
    size = os.path.getsize(path)
    progress = Progress(f"verifying {label or os.path.basename(path)}", size, quiet=size < (64 << 20))
    with open(path, "rb") as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            md5.update(b)
            sha.update(b)
            progress.add(len(b))
    progress.done()
    return {"md5": md5.hexdigest(), "sha256": sha.hexdigest(), "size": size}


class ChecksumDB:
    """``<root>/.checksums.json``: file (relative to root) -> {sha256, url, date, size, source}."""

    def __init__(self, root):
        self.path = os.path.join(root, CHECKSUMS_FILE)
        self.entries = {}
        if os.path.isfile(self.path):
            try:
                with open(self.path, encoding="utf-8") as f:
                    data = json.load(f)
            except (OSError, ValueError) as e:
                raise FetchError(f"{self.path}: cannot read the recorded checksums: {e}")
            if not isinstance(data, dict):
                raise FetchError(f"{self.path}: not a JSON object")
            self.entries = data

    def get(self, rel):
        return self.entries.get(rel)

    def put(self, rel, sha256, url, size, source="recorded at first download"):
        self.entries[rel] = {
            "sha256": sha256,
            "url": url,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "size": size,
            "source": source,
        }
        self.save()

    def save(self):
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.entries, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, self.path)


# ----------------------------------------------------------------------------------------------------
# Items and the run context


class Item:
    """One file to fetch.

    name      the --only name
    urls      the URL and its mirrors, tried in order
    dest      destination, relative to --root (posix separators)
    checksums published checksums (may be empty)
    record    record the sha256 at first download and verify it later; default: unless a full checksum is published
    manual_fallback  lines printed as a manual step when every URL fails (a host known to be unreliable);
              without it a failed download is an error
    """

    def __init__(self, name, urls, dest, checksums=(), record=None, note=None, manual_fallback=None):
        self.name = name
        self.urls = list(urls)
        self.dest = dest
        self.checksums = list(checksums)
        if record is None:
            record = not any(not c.prefix for c in self.checksums)
        self.record = record
        self.note = note
        self.manual_fallback = manual_fallback

    def verification_text(self, db=None, db_path=None):
        parts = [c.describe() for c in self.checksums]
        if self.record:
            entry = db.get(self.dest) if db else None
            if entry:
                parts.append(f"sha256 {entry['sha256']} (recorded {entry.get('date', '?')} in {db_path})")
            elif self.checksums:
                parts.append(f"plus the full sha256, recorded at first download in {db_path}")
            else:
                parts.append(f"none published: sha256 recorded at first download in {db_path}, verified on later runs")
        return "; ".join(parts)


class Report:
    """What is ready, what needs a manual step, warnings and errors; the final summary and the exit code."""

    def __init__(self, title):
        self.title = title
        self.ready = []
        self.manual = []
        self.warnings = []
        self.errors = []
        self.planned = []

    def plan(self, what):
        self.planned.append(what)

    def ok(self, what):
        self.ready.append(what)

    def warn(self, msg):
        self.warnings.append(msg)
        say(f"WARN: {msg}")

    def error(self, msg):
        self.errors.append(msg)
        log(f"ERROR: {msg}")

    def manual_step(self, name, lines):
        self.manual.append((name, list(lines)))

    def finish(self, dry_run=False):
        if self.manual:
            say("")
            say("== Manual steps (these cannot be automated; follow them, then run this script again) ==")
            for name, lines in self.manual:
                say(f"* {name}")
                for line in lines:
                    say(f"    {line}")
        say("")
        say(f"== {self.title}: summary{' (dry run: nothing was fetched or written)' if dry_run else ''} ==")
        if dry_run:
            say(f"would fetch or check ({len(self.planned)}): {', '.join(self.planned) if self.planned else 'none'}")
        else:
            say(f"ready ({len(self.ready)}): {', '.join(self.ready) if self.ready else 'none'}")
        pending = [n for n, _ in self.manual]
        say(f"not ready, manual steps remain ({len(pending)}): {', '.join(pending) if pending else 'none'}")
        say(f"warnings: {len(self.warnings)}")
        if self.errors:
            say(f"errors ({len(self.errors)}):")
            for e in self.errors:
                say(f"  - {e}")
            return 1
        say("errors: 0")
        return 0


class Context:
    def __init__(self, args, report):
        self.root = args.root
        self.dry_run = args.dry_run
        self.offline_source = args.offline_source
        self.retries = max(0, args.retries)
        self.timeout = args.timeout
        self.backoff = 2.0  # seconds before the first retry, doubled after each
        self.report = report
        self._db = None

    @property
    def db(self):
        if self._db is None:
            self._db = ChecksumDB(self.root)
        return self._db

    def peek_db(self):
        """The recorded checksums, read only (for --dry-run); None when unreadable."""
        try:
            return ChecksumDB(self.root)
        except FetchError:
            return None

    def path(self, rel):
        return os.path.join(self.root, *rel.split("/"))


def make_parser(prog, description, epilog=None):
    p = argparse.ArgumentParser(prog=prog, description=description, epilog=epilog,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default="data", metavar="DIR", help="data root (default: data/)")
    p.add_argument("--dry-run", action="store_true",
                   help="list every URL, its destination and the checksum it will verify; fetch and write nothing")
    p.add_argument("--only", metavar="NAME[,NAME]", help="restrict to these names (see the list below)")
    p.add_argument("--offline-source", metavar="DIR",
                   help="take files from DIR instead of the network: a URL's basename names a file in DIR")
    p.add_argument("--retries", type=int, default=4, metavar="N", help="retries per URL on network errors (default 4)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S", help="network timeout in seconds (default 60)")
    return p


def parse_only(parser, value, known):
    """The selected names, in the order of ``known``; an unknown name is a usage error (exit 2)."""
    if not value:
        return list(known)
    wanted = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [w for w in wanted if w not in known]
    if unknown:
        parser.error(f"unknown name(s) for --only: {', '.join(unknown)}; known: {', '.join(known)}")
    return [k for k in known if k in wanted]


# ----------------------------------------------------------------------------------------------------
# Progress


class Progress:
    def __init__(self, label, total, quiet=False, unit="bytes"):
        self.unit = unit
        self.label = label
        self.total = total
        self.n = 0
        self.quiet = quiet
        self.t0 = time.monotonic()
        self.last = 0.0
        self.interval = 1.0 if sys.stderr.isatty() else 10.0

    def add(self, k):
        self.n += k
        if self.quiet:
            return
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self._print()

    def _print(self, final=False):
        dt = max(1e-6, time.monotonic() - self.t0)
        pct = f" ({100.0 * self.n / self.total:.1f}%)" if self.total else ""
        if self.unit == "bytes":
            amount = f"{human(self.n)} / {human(self.total)}{pct}, {human(self.n / dt)}/s"
        else:
            amount = f"{self.n} / {self.total if self.total is not None else '?'} {self.unit}{pct}"
        log(f"  {self.label}: {amount}{' done' if final else ''}")

    def done(self):
        if not self.quiet:
            self._print(final=True)


# ----------------------------------------------------------------------------------------------------
# Downloading


def _parse_content_range(value):
    """``bytes START-END/TOTAL`` or ``bytes */TOTAL`` -> (start or None, total or None)."""
    if not value:
        return None, None
    m = re.match(r"bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)", value.strip())
    if not m:
        return None, None
    start = int(m.group(1)) if m.group(1) is not None else None
    total = int(m.group(3)) if m.group(3) != "*" else None
    return start, total


def _copy_stream(src, out, progress):
    while True:
        b = src.read(CHUNK)
        if not b:
            break
        out.write(b)
        progress.add(len(b))


def _http_once(url, part, ctx, label):
    offset = os.path.getsize(part) if os.path.exists(part) else 0
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    req = urllib.request.Request(url, headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=ctx.timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and offset:
            _, total = _parse_content_range(e.headers.get("Content-Range"))
            if total == offset:
                log(f"  {label}: the partial file is already complete ({human(offset)})")
                return
            os.remove(part)
            raise _Incomplete(f"{url}: HTTP 416 for a {offset}-byte partial file; restarting from the beginning")
        raise
    with resp:
        total = None
        if offset and resp.status == 206:
            start, total = _parse_content_range(resp.headers.get("Content-Range"))
            if start != offset:
                resp.close()
                os.remove(part)
                raise _Incomplete(f"{url}: the server resumed at byte {start}, not {offset}; restarting")
            say(f"  {label}: resuming {os.path.basename(part)} at byte {offset}" + (f" of {total}" if total else ""))
            mode = "ab"
        else:
            if offset:
                log(f"  {label}: the server ignored the Range request; restarting from the beginning")
            offset = 0
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            mode = "wb"
        progress = Progress(f"downloading {label}", total, quiet=total is not None and total < (8 << 20))
        progress.n = offset
        with open(part, mode) as out:
            _copy_stream(resp, out, progress)
        progress.done()
    size = os.path.getsize(part)
    if total is not None and size != total:
        raise _Incomplete(f"{url}: got {size} of {total} bytes")


def _offline_copy(url, part, ctx, label):
    name = url_basename(url)
    src = os.path.join(ctx.offline_source, name)
    if not os.path.isfile(src):
        raise FetchError(f"offline source {ctx.offline_source} has no file '{name}' (for {url})")
    total = os.path.getsize(src)
    offset = os.path.getsize(part) if os.path.exists(part) else 0
    if offset > total:
        os.remove(part)
        offset = 0
    if offset:
        say(f"  {label}: resuming {os.path.basename(part)} at byte {offset} of {total}")
    progress = Progress(f"copying {label}", total, quiet=total < (8 << 20))
    progress.n = offset
    with open(src, "rb") as f, open(part, "ab" if offset else "wb") as out:
        f.seek(offset)
        _copy_stream(f, out, progress)
    progress.done()


NO_RETRY_HTTP = {400, 401, 403, 404, 405, 410, 451}


def download(url, part, ctx, label):
    """Fetches ``url`` into ``part``, resuming what is there; retries transient failures."""
    os.makedirs(os.path.dirname(part) or ".", exist_ok=True)
    if ctx.offline_source:
        say(f"fetching {url}\n  (offline source: {os.path.join(ctx.offline_source, url_basename(url))})")
        _offline_copy(url, part, ctx, label)
        return
    say(f"fetching {url}")
    last = None
    for attempt in range(ctx.retries + 1):
        if attempt:
            wait = min(30.0, ctx.backoff * 2 ** (attempt - 1))
            log(f"  {label}: retry {attempt}/{ctx.retries} in {wait} s ({last})")
            time.sleep(wait)
        try:
            _http_once(url, part, ctx, label)
            return
        except urllib.error.HTTPError as e:
            if e.code in NO_RETRY_HTTP:
                raise FetchError(f"{url}: HTTP {e.code} {e.reason}")
            last = f"HTTP {e.code} {e.reason}"
        except (_Incomplete, urllib.error.URLError, http.client.HTTPException, OSError) as e:
            last = str(e)
    raise FetchError(f"{url}: failed after {ctx.retries + 1} attempts: {last}")


# ----------------------------------------------------------------------------------------------------
# Fetch + verify


class Fetched:
    def __init__(self, path, digests, status):
        self.path = path
        self.digests = digests
        self.status = status  # "present" or "fetched"


def verify(ctx, item, path, digests, fresh_url=None):
    """Published checksums, then the recorded sha256 (written at first download). Raises ChecksumError."""
    for c in item.checksums:
        if not c.matches(digests):
            raise ChecksumError(
                f"{path}: checksum mismatch: expected {c.describe()}, got {c.algo} {digests[c.algo]}; the file is not used")
    if item.record:
        entry = ctx.db.get(item.dest)
        if entry and entry.get("sha256") != digests["sha256"]:
            raise ChecksumError(
                f"{path}: sha256 {digests['sha256']} differs from the one recorded in {ctx.db.path} on "
                f"{entry.get('date', '?')} ({entry.get('sha256')}, from {entry.get('url', '?')}); the file is not used. "
                f"If the upstream file changed on purpose, delete the file and its entry in {ctx.db.path}, then run again")
        if not entry:
            source = "recorded at first download" if fresh_url else "recorded at first use (file was already present)"
            ctx.db.put(item.dest, digests["sha256"], fresh_url or (item.urls[0] if item.urls else None),
                       digests["size"], source)
            say(f"  recorded sha256 {digests['sha256']} for {item.dest} in {ctx.db.path}")


def fetch(ctx, item):
    """Returns a Fetched (verified file), or None when a manual fallback was registered. Raises FetchError."""
    dest = ctx.path(item.dest)
    if os.path.isfile(dest):
        digests = file_digests(dest, item.name)
        verify(ctx, item, dest, digests)
        say(f"{item.name}: {dest} present and verified; not fetched again")
        return Fetched(dest, digests, "present")
    part = dest + ".part"
    errors = []
    used = None
    for url in item.urls:
        try:
            download(url, part, ctx, item.name)
            used = url
            break
        except FetchError as e:
            errors.append(str(e))
            log(f"  {item.name}: {e}")
    if used is None:
        if item.manual_fallback:
            ctx.report.manual_step(item.name, [f"download failed: {'; '.join(errors)}"] + list(item.manual_fallback))
            return None
        raise FetchError(f"{item.name}: could not fetch {item.dest}: {'; '.join(errors)}")
    digests = file_digests(part, item.name)
    try:
        verify(ctx, item, dest, digests, fresh_url=used)
    except ChecksumError:
        os.replace(part, dest + ".rejected")
        log(f"  {item.name}: the rejected download was kept as {dest}.rejected for inspection")
        raise
    os.replace(part, dest)
    say(f"{item.name}: {dest} fetched and verified")
    return Fetched(dest, digests, "fetched")


def describe_dry_run(ctx, item, extra=()):
    db = ctx.peek_db()
    ctx.report.plan(item.name)
    dest = ctx.path(item.dest)
    say(f"[dry-run] {item.name}")
    for i, url in enumerate(item.urls):
        say(f"  {('url:' if i == 0 else 'mirror:').ljust(10)}{url}")
        if ctx.offline_source:
            say(f"  (offline source: {os.path.join(ctx.offline_source, url_basename(url))})")
    say(f"  dest:     {dest}{'  (present: would be verified, not fetched)' if os.path.isfile(dest) else ''}")
    say(f"  verify:   {item.verification_text(db, os.path.join(ctx.root, CHECKSUMS_FILE))}")
    if item.note:
        say(f"  note:     {item.note}")
    for line in extra:
        say(f"  {line}")


# ----------------------------------------------------------------------------------------------------
# Safe unpacking


class _Member:
    __slots__ = ("name", "kind", "link", "mode", "opener")

    def __init__(self, name, kind, link=None, mode=None, opener=None):
        self.name = name
        self.kind = kind  # file, dir, symlink, hardlink
        self.link = link
        self.mode = mode
        self.opener = opener


def _name_parts(name):
    """Normalised path components of an archive member name; refuses absolute paths and '..'."""
    if "\x00" in name:
        raise UnsafeArchiveError(f"member {name!r}: NUL in the name")
    n = name.replace("\\", "/")
    if n.startswith("/") or re.match(r"^[A-Za-z]:", n):
        raise UnsafeArchiveError(f"member {name!r}: absolute path refused")
    parts = [p for p in n.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"member {name!r}: '..' in the path refused (it could escape the target folder)")
    return parts


def _zip_members(zf):
    for info in zf.infolist():
        mode = (info.external_attr >> 16) & 0xFFFF
        if info.is_dir():
            yield _Member(info.filename, "dir")
        elif stat.S_ISLNK(mode):
            yield _Member(info.filename, "symlink", link=zf.read(info).decode("utf-8", "surrogateescape"))
        else:
            yield _Member(info.filename, "file", mode=stat.S_IMODE(mode) if mode else None,
                          opener=(lambda info=info: zf.open(info)))


def _tar_members(tf):
    for m in tf:
        if m.isdir():
            yield _Member(m.name, "dir")
        elif m.isreg():
            yield _Member(m.name, "file", mode=m.mode, opener=(lambda m=m: tf.extractfile(m)))
        elif m.issym():
            yield _Member(m.name, "symlink", link=m.linkname)
        elif m.islnk():
            yield _Member(m.name, "hardlink", link=m.linkname)
        else:
            raise UnsafeArchiveError(f"member {m.name!r}: device, fifo or other special file refused")


def _open_archive(path):
    if zipfile.is_zipfile(path):
        zf = zipfile.ZipFile(path)
        return zf, (lambda: _zip_members(zf))
    try:
        tf = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as e:
        raise FetchError(f"{path}: not a zip or tar archive ({e})")
    return tf, (lambda: _tar_members(tf))


def archive_names(path):
    """Member names of a zip or tar archive (for layout detection before unpacking)."""
    arc, members = _open_archive(path)
    with arc:
        try:
            return [m.name for m in members()]
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as e:
            raise FetchError(f"{path}: corrupt archive: {e}")


def _inside(path, root_real):
    return path == root_real or path.startswith(root_real.rstrip(os.sep) + os.sep)


def _plan(archive, members, prefix, select):
    """Checks every member before anything is written; returns [(member, out_parts, link_parts)]."""
    plan = []
    planned_files = set()
    prefix = list(prefix)
    strip = len(prefix)
    for m in members:
        parts = _name_parts(m.name)
        if len(parts) <= strip or parts[:strip] != prefix:
            continue
        out = parts[strip:]
        if select is not None and not select(out):
            continue
        link_parts = None
        if m.kind == "symlink":
            link = m.link.replace("\\", "/")
            if not link or link.startswith("/") or re.match(r"^[A-Za-z]:", link):
                raise UnsafeArchiveError(f"{archive}: symlink {m.name!r} -> {m.link!r}: absolute link target refused")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname("/".join(out)), link))
            if resolved == ".." or resolved.startswith("../"):
                raise UnsafeArchiveError(f"{archive}: symlink {m.name!r} -> {m.link!r} points outside the target folder")
        elif m.kind == "hardlink":
            try:
                lp = _name_parts(m.link)
            except UnsafeArchiveError:
                raise UnsafeArchiveError(f"{archive}: hardlink {m.name!r} -> {m.link!r} points outside the target folder")
            if len(lp) <= strip or lp[:strip] != prefix or tuple(lp[strip:]) not in planned_files:
                raise UnsafeArchiveError(
                    f"{archive}: hardlink {m.name!r} -> {m.link!r} does not point to a file unpacked before it")
            link_parts = lp[strip:]
        if m.kind == "file":
            planned_files.add(tuple(out))
        plan.append((m, out, link_parts))
    return plan


def safe_unpack(archive, target, prefix=(), select=None):
    """Unpacks a zip or tar(.gz/.bz2/.xz) into ``target``.

    Only members under the folder ``prefix`` (a list of path components) are unpacked, with that prefix
    removed (like tar --strip-components); ``select(parts)`` may skip more members. The whole archive is checked first: an
    absolute path, a '..' component, a symlink or hardlink pointing outside ``target``, or a special
    file refuses the archive and nothing is written. While writing, each destination's real path
    (following links already created) is checked to lie inside ``target``. Returns the number of files.
    """
    arc, members = _open_archive(archive)
    with arc:
        try:
            plan = _plan(archive, members(), prefix, select)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError) as e:
            raise FetchError(f"{archive}: corrupt archive: {e}")
        os.makedirs(target, exist_ok=True)
        root_real = os.path.realpath(target)
        count = 0
        progress = Progress(f"unpacking {os.path.basename(archive)}", len(plan), quiet=len(plan) < 2000, unit="members")
        for m, out, link_parts in plan:
            dest = os.path.join(root_real, *out)
            parent = os.path.dirname(dest)
            if not _inside(os.path.realpath(parent), root_real):
                raise UnsafeArchiveError(f"{archive}: member {m.name!r} would be written outside {target} (through a link)")
            if m.kind == "dir":
                if os.path.islink(dest):
                    raise UnsafeArchiveError(f"{archive}: directory {m.name!r} is a link in the target folder")
                os.makedirs(dest, exist_ok=True)
                if not _inside(os.path.realpath(dest), root_real):
                    raise UnsafeArchiveError(f"{archive}: member {m.name!r} resolves outside {target}")
                continue
            os.makedirs(parent, exist_ok=True)
            if not _inside(os.path.realpath(parent), root_real):
                raise UnsafeArchiveError(f"{archive}: member {m.name!r} would be written outside {target} (through a link)")
            if os.path.islink(dest) or os.path.isfile(dest):
                os.unlink(dest)
            elif os.path.isdir(dest):
                raise UnsafeArchiveError(f"{archive}: member {m.name!r} would replace a directory")
            if m.kind == "symlink":
                real = os.path.realpath(os.path.join(os.path.realpath(parent), m.link))
                if not _inside(real, root_real):
                    raise UnsafeArchiveError(f"{archive}: symlink {m.name!r} -> {m.link!r} resolves outside {target}")
                os.symlink(m.link, dest)
            elif m.kind == "hardlink":
                src = os.path.join(root_real, *link_parts)
                if not _inside(os.path.realpath(src), root_real) or not os.path.isfile(src):
                    raise UnsafeArchiveError(f"{archive}: hardlink {m.name!r} -> {m.link!r} has no file inside {target}")
                shutil.copyfile(src, dest)
                count += 1
            else:
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
                with os.fdopen(fd, "wb") as out_f, m.opener() as src_f:
                    shutil.copyfileobj(src_f, out_f, CHUNK)
                if m.mode is not None and m.mode & 0o111:
                    os.chmod(dest, 0o755)
                count += 1
            progress.add(1)
        progress.done()
    return count


def unpack_once(archive, target, sha256, prefix=(), select=None, tag=""):
    """Unpacks unless a marker in ``target`` says this very archive (same sha256, prefix, tag) was unpacked."""
    marker = os.path.join(target, f".unpacked-{os.path.basename(archive)}.json")
    want = {"archive": os.path.basename(archive), "sha256": sha256, "prefix": "/".join(prefix), "tag": tag}
    if os.path.isfile(marker):
        try:
            with open(marker, encoding="utf-8") as f:
                have = json.load(f)
            if all(have.get(k) == v for k, v in want.items()):
                say(f"  {os.path.basename(archive)} already unpacked into {target}; not unpacked again")
                return None
        except (OSError, ValueError):
            pass
    say(f"  unpacking {archive} into {target}")
    n = safe_unpack(archive, target, prefix=prefix, select=select)
    want["files"] = n
    want["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(marker, "w", encoding="utf-8") as f:
        json.dump(want, f, indent=2)
    say(f"  unpacked {n} files")
    return n


def sha256_of(path):
    return file_digests(path)["sha256"]


def split_names(names):
    """Member names as lists of path components (unsafe names are left out: the unpacking refuses them)."""
    out = []
    for name in names:
        try:
            out.append(_name_parts(name))
        except UnsafeArchiveError:
            continue
    return out


def find_prefix(names, anchor, split=None):
    """The folder (list of components) above the shallowest occurrence of the component sequence ``anchor``
    in the member names (e.g. anchor ("images", "training") in "ADEChallengeData2016/images/training/x.jpg"
    gives ["ADEChallengeData2016"]); None when no member contains it. ``split``: split_names(names), when
    the caller looks for several anchors."""
    anchor = list(anchor)
    k = len(anchor)
    best = None
    for parts in split if split is not None else split_names(names):
        for i in range(0, len(parts) - k + 1):
            if parts[i:i + k] == anchor:
                if best is None or i < len(best):
                    best = parts[:i]
                break
    return best
