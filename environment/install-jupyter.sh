#!/usr/bin/env bash
# Installs Jupyter (Debian/Ubuntu packages) and a Java kernel named "java" whose classpath holds the vptlab
# library and its runtime dependencies, so that notebooks can `import dev.vptlab...` directly.
# Idempotent: run it again after the library's dependencies change (the kernel's classpath is fixed here).
#
#   bash environment/install-jupyter.sh [options]
#
#   (default)       rapaio-jupyter-kernel 3.0.1, from Maven Central (a self-contained jar, Java 17 bytecode)
#   --jjava         JJava 1.0-a7 (dflib), IJava's maintained continuation, from its release kernelspec zip:
#                   JJAVA_ZIP=local.zip, or downloaded from GitHub where the internet is reachable
#   --ijava         IJava 1.3.0 (unmaintained since 2019), from its GitHub release zip. Needs internet (or
#                   IJAVA_ZIP=local.zip). NOT TESTED by this project: its machines cannot reach GitHub.
#   --cuda          GPU classpath: build with `mvn -Dcuda` and leave the CPU libtorch jar out, so that DJL
#                   loads a CUDA libtorch 2.7.1 (PYTORCH_LIBRARY_PATH if set now, else downloaded once);
#                   see README "GPU"
#   --xmx SIZE      kernel JVM heap (default 4g; tensors live off-heap, in libtorch)
#   --user          per-user kernelspec even when run as root (default: system-wide as root, per-user
#                   otherwise; a per-user "java" kernelspec shadows a system-wide one)
#   --rebuild       rebuild the library even if its jar exists
#   --no-apt        do not install packages; fail if something is missing
#   --check         afterwards, start the kernel once and check that it sees vptlab
#
# Environment: JJAVA_URL, JJAVA_ZIP, JJAVA_SHA256 (for --jjava), IJAVA_URL, IJAVA_ZIP, IJAVA_SHA256 (for --ijava),
# PYTORCH_LIBRARY_PATH (for --cuda). A *_SHA256 makes the zip's checksum a condition of the install; without it
# the checksum is printed, to be pinned for the next machine.
set -euo pipefail

RJK_VERSION=3.0.1
RJK_SHA256=cffac185dafff9a4d62ffdbeb357822b56931c41421c576314a84d3605addd09   # Maven Central, sha1 verified
JJAVA_VERSION=1.0-a7
JJAVA_URL="${JJAVA_URL:-https://github.com/dflib/jjava/releases/download/$JJAVA_VERSION/jjava-$JJAVA_VERSION-kernelspec.zip}"
IJAVA_VERSION=1.3.0
IJAVA_URL="${IJAVA_URL:-https://github.com/SpencerPark/IJava/releases/download/v$IJAVA_VERSION/ijava-$IJAVA_VERSION.zip}"
KERNEL_NAME=java

kernel=rapaio cuda=0 xmx=4g user=auto rebuild=0 apt=1 check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ijava) kernel=ijava ;;
    --jjava) kernel=jjava ;;
    --cuda) cuda=1 ;;
    --xmx) [ $# -ge 2 ] || { echo "--xmx needs a size, e.g. 8g" >&2; exit 2; }; xmx="$2"; shift ;;
    --xmx=*) xmx="${1#--xmx=}" ;;
    --user) user=1 ;;
    --rebuild) rebuild=1 ;;
    --no-apt) apt=0 ;;
    --check) check=1 ;;
    -h|--help) sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$xmx" =~ ^[0-9]+[kKmMgG]?$ ]] || { echo "--xmx: not a heap size: $xmx" >&2; exit 2; }

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { echo "install-jupyter: $*" >&2; }
die() { say "error: $*"; exit 1; }
[ "$user" = auto ] && { [ "$(id -u)" -eq 0 ] && user=0 || user=1; }

# ---- 1. packages: JDK 17 (with jshell), Maven, Python 3, Jupyter (core, client, nbconvert, notebook) ----
# One list of what the project calls and which Debian package brings it: install-prerequisites.sh.
prereq=(bash "$repo/environment/install-prerequisites.sh")
[ "$apt" = 1 ] || prereq+=(--no-apt)
"${prereq[@]}" || die "prerequisites missing (see above)"

# The kernel runs on the JDK found now (absolute path, so a later PATH change cannot swap it).
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; else java="$(readlink -f "$(command -v java)")"; fi
jv="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[ "${jv%%.*}" -ge 17 ] 2>/dev/null || die "$java is Java $jv; the kernel needs a JDK >= 17"
"$java" --list-modules 2>/dev/null | grep -q '^jdk.jshell@' || die "$java has no jdk.jshell module: install a JDK, not a JRE"

# ---- 2. the library: jar + runtime dependencies in lib/target ----
jar="$repo/lib/target/vptlab-0.1.0-SNAPSHOT.jar"
deps="$repo/lib/target/deps"
mvnflags=(-B -ntp -q)
[ "$cuda" = 1 ] && mvnflags+=(-Dcuda)
if [ "$rebuild" = 1 ] || [ ! -f "$jar" ] || [ ! -d "$deps" ]; then
  say "building the library (mvn ${mvnflags[*]} -Dmaven.test.skip=true package)"
  (cd "$repo" && mvn "${mvnflags[@]}" -Dmaven.test.skip=true package) || die "library build failed"
fi
[ -f "$jar" ] || die "no $jar after the build"

# The exact runtime classpath: Maven's list of runtime artifacts, taken from lib/target/deps. Jars left
# there by earlier builds (another version of a dependency, or the CPU libtorch in a --cuda install) are
# skipped: copy-dependencies never deletes them.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cpjars=("$jar")
if (cd "$repo" && mvn "${mvnflags[@]}" -pl lib dependency:build-classpath -DincludeScope=runtime \
      -Dmdep.outputFile="$tmp/cp.txt") >"$tmp/mvn.log" 2>&1 && [ -s "$tmp/cp.txt" ]; then
  while IFS= read -r f || [ -n "$f" ]; do   # (the file ends without a newline)
    b="$(basename "$f")"
    [ -f "$deps/$b" ] || die "$deps/$b missing: run with --rebuild"
    cpjars+=("$deps/$b")
  done < <(tr ':' '\n' < "$tmp/cp.txt" | sed '/^$/d')   # Maven's order
  stale="$(cd "$deps" && for f in *.jar; do grep -qF "/$f" "$tmp/cp.txt" || echo "$f"; done | tr '\n' ' ')"
  [ -z "$stale" ] || say "left off the classpath (not a current runtime dependency): $stale"
else
  say "warning: mvn dependency:build-classpath failed (see below); using every jar in $deps"
  tail -n 5 "$tmp/mvn.log" >&2
  while IFS= read -r f; do
    if [ "$cuda" = 1 ] && [[ "$(basename "$f")" == pytorch-native-cpu-* ]]; then continue; fi
    cpjars+=("$f")
  done < <(find "$deps" -maxdepth 1 -name '*.jar' | sort)
fi
say "kernel classpath: the vptlab jar + $(( ${#cpjars[@]} - 1 )) dependency jars"

# JVM flags and environment shared by both kernels (the same as the vptlab launcher's).
offline=true
# MKL's strict reproducible mode, as ./vptlab sets it (dev.vptlab.util.NativeDeterminism).
envjson='{"MKL_CBWR": "AVX2,STRICT"}'
if [ "$cuda" = 1 ]; then
  export PYTORCH_VERSION="${PYTORCH_VERSION:-2.7.1}" PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu128}"
  cudaenv=(PYTORCH_VERSION="$PYTORCH_VERSION" PYTORCH_FLAVOR="$PYTORCH_FLAVOR")
  if [ -n "${PYTORCH_LIBRARY_PATH:-}" ]; then
    [ -d "$PYTORCH_LIBRARY_PATH" ] || die "PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH is not a directory"
    cudaenv+=(PYTORCH_LIBRARY_PATH="$PYTORCH_LIBRARY_PATH")
  else
    offline=false
    say "--cuda without PYTORCH_LIBRARY_PATH: DJL will download libtorch $PYTORCH_VERSION-$PYTORCH_FLAVOR once (needs internet)"
  fi
  envjson="$(python3 -c 'import json,sys; e=json.loads(sys.argv[1]); e.update(a.split("=",1) for a in sys.argv[2:]); print(json.dumps(e))' "$envjson" "${cudaenv[@]}")"
fi
jvmflags=("-Xmx$xmx" -Djava.awt.headless=true "-Dai.djl.offline=$offline")

installflag=()
[ "$user" = 1 ] && installflag=(--user)
if [ "$user" = 0 ] && [ "$(id -u)" -ne 0 ]; then die "a system-wide kernelspec needs root"; fi

# Writes/patches kernel.json: argv, display name and env (merged into what is there).
# args: kernel.json path, display name, JSON object of env, then the argv
write_kernel_json() {
  python3 - "$@" <<'PY'
import json, os, sys
path, name, env_json, *argv = sys.argv[1:]
spec = {}
if os.path.exists(path):
    with open(path) as f:
        spec = json.load(f)
spec["argv"] = argv
spec["display_name"] = name
spec["language"] = "java"
spec["interrupt_mode"] = "message"
spec.setdefault("env", {}).update(json.loads(env_json))
with open(path + ".tmp", "w") as f:
    json.dump(spec, f, indent=2, sort_keys=True)
    f.write("\n")
os.replace(path + ".tmp", path)
PY
}
# The env JSON object: $envjson (the --cuda variables) plus the given NAME=VALUE pairs.
env_with() {
  python3 -c 'import json,sys; e=json.loads(sys.argv[1]); e.update(a.split("=",1) for a in sys.argv[2:]); print(json.dumps(e))' "$envjson" "$@"
}

# A release zip: JJAVA_ZIP/IJAVA_ZIP (a local copy) or downloaded, checked against *_SHA256 when given.
# args: local zip or "", URL, expected sha256 or "", variable prefix (for messages); prints the zip's path
release_zip() {
  local zip="$1" url="$2" sha="$3" var="$4"
  if [ -z "$zip" ]; then
    zip="$tmp/$(basename "$url")"
    say "downloading $url"
    python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "$url" "$zip" \
      || die "download failed (no internet? set ${var}_ZIP to a local copy of $(basename "$url"))"
  fi
  [ -f "$zip" ] || die "no such file: $zip"
  if [ -n "$sha" ]; then
    echo "$sha  $zip" | sha256sum -c --quiet - >&2 || die "$zip: sha256 differs from ${var}_SHA256"
  else
    say "sha256 of $(basename "$zip"): $(sha256sum "$zip" | cut -d' ' -f1) (set ${var}_SHA256 to pin it)"
  fi
  echo "$zip"
}

installed_dir() {  # where Jupyter resolves the "java" kernelspec now
  jupyter kernelspec list --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["kernelspecs"].get("'"$KERNEL_NAME"'",{}).get("resource_dir",""))'
}

# ---- 3. the kernel ----
if [ "$kernel" = rapaio ]; then
  rjk="rapaio-jupyter-kernel-$RJK_VERSION.jar"
  say "fetching io.github.padreati:rapaio-jupyter-kernel:$RJK_VERSION from Maven Central (or ~/.m2)"
  (cd "$tmp" && mvn -B -ntp -q dependency:copy -Dartifact="io.github.padreati:rapaio-jupyter-kernel:$RJK_VERSION" \
      -DoutputDirectory="$tmp/spec" -Dmdep.overWriteReleases=true) >"$tmp/mvn.log" 2>&1 \
    || { tail -n 20 "$tmp/mvn.log" >&2; die "could not fetch rapaio-jupyter-kernel $RJK_VERSION"; }
  echo "$RJK_SHA256  $tmp/spec/$rjk" | sha256sum -c --quiet - || die "$rjk: sha256 differs from the pinned one"
  # RJK_CLASSPATH is split on ';' by the kernel (each entry may also be a glob).
  cp="$(IFS=';'; echo "${cpjars[*]}")"
  write_kernel_json "$tmp/spec/kernel.json" "Java (vptlab, rjk $RJK_VERSION)" "$(env_with RJK_CLASSPATH="$cp")" \
    "$java" "${jvmflags[@]}" -jar "{resource_dir}/$rjk" "{connection_file}"
  # RJK_TIMEOUT_MILLIS (-1: none; execute.sh bounds each cell instead), RJK_COMPILER_OPTIONS,
  # RJK_INIT_SCRIPT (a file path) and RJK_MIMA_CACHE (%dependency downloads) keep the kernel's defaults.
  jupyter kernelspec install --replace --name "$KERNEL_NAME" "${installflag[@]}" "$tmp/spec" >/dev/null
elif [ "$kernel" = jjava ]; then
  # JJava's release kernelspec zip holds jjava.jar (the kernel), jjava-launcher.jar and kernel.json. The launcher
  # starts the kernel in a child JVM: `java $JJAVA_JVM_OPTS --add-opens … -jar jjava.jar CONNECTION_FILE`, with
  # the `java` found on PATH; the kernel adds JJAVA_CLASSPATH (':'-separated, globs allowed) to its in-process
  # JShell (jjava-launcher KernelLauncher, jjava-distro Env; JJava 1.0-a7).
  zip="$(release_zip "${JJAVA_ZIP:-}" "$JJAVA_URL" "${JJAVA_SHA256:-}" JJAVA)"
  mkdir -p "$tmp/jjava"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$tmp/jjava" \
    || die "$zip is not a zip file"
  for f in jjava.jar jjava-launcher.jar kernel.json; do
    [ -f "$tmp/jjava/$f" ] || die "$zip has no $f at its top level: not a JJava kernelspec zip"
  done
  cp="$(IFS=':'; echo "${cpjars[*]}")"
  # The JDK found now, for the launcher (argv) and for the kernel it starts (first on the kernel's PATH).
  jdkbin="$(dirname "$java")"
  write_kernel_json "$tmp/jjava/kernel.json" "Java (vptlab, JJava $JJAVA_VERSION)" \
    "$(env_with JJAVA_CLASSPATH="$cp" JJAVA_JVM_OPTS="${jvmflags[*]}" PATH="$jdkbin:/usr/local/bin:/usr/bin:/bin")" \
    "$java" -jar "{resource_dir}/jjava-launcher.jar" "{resource_dir}/jjava.jar" "{connection_file}"
  jupyter kernelspec install --replace --name "$KERNEL_NAME" "${installflag[@]}" "$tmp/jjava" >/dev/null
else
  # IJava's release zip holds install.py and java/{kernel.json, ijava-1.3.0.jar, ...}; install.py copies
  # java/ to the kernelspec directory ("java") and stores --classpath as IJAVA_CLASSPATH (':'-separated)
  # in kernel.json. JVM flags go into kernel.json's argv, which is patched afterwards.
  say "IJava $IJAVA_VERSION: this path is not tested by the project (no GitHub access on its machines)"
  zip="$(release_zip "${IJAVA_ZIP:-}" "$IJAVA_URL" "${IJAVA_SHA256:-}" IJAVA)"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$tmp/ijava"
  [ -f "$tmp/ijava/install.py" ] || die "$zip has no install.py at its top level"
  cp="$(IFS=':'; echo "${cpjars[*]}")"
  # install.py imports jupyter_client: run it with the Python that runs jupyter (not a pyenv/venv python3).
  jpy="$(sed -n '1s/^#! *//p' "$(command -v jupyter)" | cut -d' ' -f1)"
  [[ "$jpy" == */env ]] && jpy=python3
  "${jpy:-python3}" -c 'import jupyter_client' 2>/dev/null || jpy=python3
  (cd "$tmp/ijava" && "${jpy:-python3}" install.py --replace "${installflag[@]}" --classpath "$cp")
  dir="$(installed_dir)"
  [ -n "$dir" ] && [ -f "$dir/kernel.json" ] || die "install.py ran, but Jupyter finds no '$KERNEL_NAME' kernelspec"
  ijar="$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["argv"]; print(a[a.index("-jar")+1])' "$dir/kernel.json")"
  write_kernel_json "$dir/kernel.json" "Java (vptlab, IJava $IJAVA_VERSION)" "$(env_with IJAVA_CLASSPATH="$cp")" \
    "$java" "${jvmflags[@]}" -jar "$ijar" "{connection_file}"
fi

dir="$(installed_dir)"
[ -n "$dir" ] || die "Jupyter finds no '$KERNEL_NAME' kernelspec after installing it"
userdir="$(jupyter --data-dir 2>/dev/null)/kernels/$KERNEL_NAME"
if [ "$user" = 1 ] && [ "$dir" != "$userdir" ]; then
  say "warning: Jupyter resolves '$KERNEL_NAME' to $dir, not to the per-user one just installed ($userdir)"
elif [ "$user" = 0 ] && [ "$dir" = "$userdir" ]; then
  say "warning: the per-user kernelspec $dir shadows the system-wide one just installed; remove it"
fi
say "kernel '$KERNEL_NAME' installed in $dir"

# ---- 4. optional check: one cell, in a fresh kernel ----
if [ "$check" = 1 ]; then
  mkdir -p "$tmp/check"
  python3 - "$tmp/check/check.ipynb" <<'PY'
import json, sys
src = 'System.out.println("vptlab-kernel-check " + dev.vptlab.report.Show.kernel() + " java " + System.getProperty("java.version"));'
nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": "check", "metadata": {}, "outputs": [], "source": src}],
      "metadata": {"kernelspec": {"name": "java", "display_name": "Java", "language": "java"}},
      "nbformat": 4, "nbformat_minor": 5}
json.dump(nb, open(sys.argv[1], "w"))
PY
  # notebooks/execute.sh retries a kernel start that hangs (rjk 3.0.1's start-up race, see there).
  start=$(date +%s.%N)
  VPTLAB_NO_BUILD=1 VPTLAB_CELL_TIMEOUT=300 "$repo/notebooks/execute.sh" check "$tmp/check/out" "$tmp/check/check.ipynb" \
    >"$tmp/check/log" 2>&1 || { tail -n 30 "$tmp/check/log" >&2; die "the kernel check failed"; }
  grep 'attempt' "$tmp/check/log" >&2 || true
  line="$(grep -o 'vptlab-kernel-check [A-Z]* java [0-9.]*' "$tmp/check/out/check.ipynb" | head -n 1)"
  [ -n "$line" ] || die "the check cell ran but printed nothing recognisable"
  case "$line" in *" NONE "*) die "the kernel runs, but vptlab's Show sees no kernel display API: $line" ;; esac
  say "check ok (${line#vptlab-kernel-check }), $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)") s for start + one cell + shutdown + HTML"
fi
