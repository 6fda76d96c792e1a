#!/usr/bin/env bash
# Executes notebooks headlessly on the Jupyter kernel "java" (environment/install-jupyter.sh) and writes
# each executed notebook and its HTML rendering into OUTDIR.
#
#   notebooks/execute.sh PROFILE OUTDIR [NOTEBOOK.ipynb ...]
#
# PROFILE reaches the notebooks as env VPTLAB_PROFILE (smoke|quick|...), OUTDIR (absolute) as VPTLAB_RESULTS:
# notebooks write their results there. Default notebooks: notebooks/*.ipynb, in name order, one fresh kernel
# each. Stops with a non-zero status at the first notebook with a cell error, a cell running past the
# timeout, or a dead kernel; the cell and its error are printed and kept in OUTDIR/NAME.log.
#
# Env: VPTLAB_CELL_TIMEOUT (seconds per cell, default 1800; -1 = none), VPTLAB_KERNEL_STARTUP_TIMEOUT
# (seconds until a new kernel answers, default 30; it takes 2-4 s, and a start that hangs is retried up to
# 4 times), VPTLAB_NO_BUILD=1 (do not rebuild the library when its sources are newer than its jar).
# Check the results with: python3 notebooks/check_outputs.py executed OUTDIR/*.ipynb
set -euo pipefail

if [ $# -lt 2 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
profile="$1" outdir="$2"
shift 2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cell_timeout="${VPTLAB_CELL_TIMEOUT:-1800}"
startup_timeout="${VPTLAB_KERNEL_STARTUP_TIMEOUT:-30}"
[[ "$cell_timeout" =~ ^(-1|[0-9]+)$ ]] || { echo "execute.sh: VPTLAB_CELL_TIMEOUT must be seconds or -1" >&2; exit 2; }
[[ "$startup_timeout" =~ ^[0-9]+$ ]] || { echo "execute.sh: VPTLAB_KERNEL_STARTUP_TIMEOUT must be seconds" >&2; exit 2; }
export PYDEVD_DISABLE_FILE_VALIDATION=1   # Debian's Python 3.11 + debugpy: a warning on every jupyter start

if [ $# -gt 0 ]; then
  notebooks=("$@")
else
  mapfile -t notebooks < <(find "$here" -maxdepth 1 -name '*.ipynb' | LC_ALL=C sort)
  [ ${#notebooks[@]} -gt 0 ] || { echo "execute.sh: no notebooks in $here" >&2; exit 1; }
fi
for nb in "${notebooks[@]}"; do
  [ -f "$nb" ] || { echo "execute.sh: no such notebook: $nb" >&2; exit 1; }
done

command -v jupyter >/dev/null 2>&1 || { echo "execute.sh: no jupyter; run environment/install-jupyter.sh" >&2; exit 1; }
if ! jupyter kernelspec list --json 2>/dev/null | python3 -c 'import json,sys; sys.exit("java" not in json.load(sys.stdin)["kernelspecs"])'; then
  echo "execute.sh: no Jupyter kernel named 'java'; run environment/install-jupyter.sh" >&2
  exit 1
fi

# The kernel's classpath points at lib/target: rebuild it when the library's sources are newer (as ./vptlab does).
jar="$repo/lib/target/vptlab-0.1.0-SNAPSHOT.jar"
if [ "${VPTLAB_NO_BUILD:-0}" != 1 ] && { [ ! -f "$jar" ] || [ -n "$(find "$repo/lib/src/main" "$repo/lib/pom.xml" "$repo/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; }; then
  echo "execute.sh: building the library (sources newer than its jar)..." >&2
  log="$(mktemp)"
  if ! (cd "$repo" && mvn -B -ntp -Dstyle.color=never -Dmaven.test.skip=true package) >"$log" 2>&1; then
    tail -n 40 "$log" >&2; echo "execute.sh: build failed (full log: $log)" >&2; exit 1
  fi
  rm -f "$log"
fi

mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"
export VPTLAB_PROFILE="$profile" VPTLAB_RESULTS="$outdir"

# One nbconvert run of notebook $1 (output name $2), in the foreground (Ctrl-C stops it and its kernel).
# Meanwhile watch_start reads the log while the kernel starts. When rjk's start-up race shows (the
# exception, or no kernel_info request handled within 10 s of binding its five sockets, where a healthy
# kernel needs well under 1 s), it kills that kernel (the child of our nbconvert child, by pid), and
# nbconvert fails at once with "Kernel died before replying to kernel_info".
execute_once() {
  local log="$outdir/$2.log" watcher rc=0
  : >"$log"
  watch_start "$log" &
  watcher=$!
  jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=java \
    --ExecutePreprocessor.timeout="$cell_timeout" \
    --ExecutePreprocessor.startup_timeout="$startup_timeout" \
    --output-dir "$outdir" --output "$2" "$1" >>"$log" 2>&1 || rc=$?
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
  return "$rc"
}
watch_start() {
  local log="$1" i bound=-1 nbc k
  for ((i = 0; i < 2 * startup_timeout + 20; i++)); do
    sleep 0.5
    grep -q 'Handling message: kernel_info_request' "$log" && return 0
    if [ "$bound" -lt 0 ] && [ "$(grep -cE '(Shell|Control|IOPub|Stdin|Heartbeat)Channel\]: Binding' "$log")" -ge 5 ]; then
      bound=$i
    fi
    if grep -q 'this.handlers" is null' "$log" || { [ "$bound" -ge 0 ] && [ $((i - bound)) -ge 20 ]; }; then
      echo "execute.sh: killing a kernel stuck in rapaio-jupyter-kernel's start-up race" >>"$log"
      for nbc in $(ps -o pid=,args= --ppid $$ | awk '/nbconvert/ {print $1}'); do
        for k in $(ps -o pid= --ppid "$nbc"); do kill -KILL "$k" 2>/dev/null || true; done
      done
      return 0
    fi
  done
}

html=()
total_start=$(date +%s)
for nb in "${notebooks[@]}"; do
  src="$(cd "$(dirname "$nb")" && pwd)/$(basename "$nb")"
  name="$(basename "$nb" .ipynb)"
  if [ "$(dirname "$src")" = "$outdir" ]; then
    echo "execute.sh: OUTDIR must not be the notebook's own folder ($outdir): it would overwrite $nb" >&2
    exit 2
  fi
  echo "execute.sh: $name (profile $profile, cell timeout ${cell_timeout}s)..." >&2
  start=$(date +%s.%N)
  # The kernel's working directory is the notebook's folder; nbconvert exits 1 on the first failing cell.
  # rapaio-jupyter-kernel 3.0.1 has start-up races: a request that arrives before its message handlers
  # exist kills a channel thread ("this.handlers" is null), and the kernel may never answer; rarely it hangs
  # or exits without a word. 1 start in 12 to 1 in 3 failed on the 2-core development machine, depending on
  # its load. No cell has run then, so the notebook is started again, up to 4 times (see watch_start).
  ok=0
  for attempt in 1 2 3 4 5; do
    if execute_once "$src" "$name"; then
      ok=1
      break
    fi
    grep -qE "Kernel didn't respond in|Kernel died before replying to kernel_info" "$outdir/$name.log" || break
    echo "execute.sh: $name: the kernel hung while starting (attempt $attempt of 5); starting it again" >&2
    cp "$outdir/$name.log" "$outdir/$name.start$attempt.log"
  done
  if [ "$ok" != 1 ]; then
    echo "execute.sh: FAILED: $name" >&2
    if grep -q 'CellExecutionError:' "$outdir/$name.log"; then   # the failing cell and its error, without colours
      sed -n '/CellExecutionError:/,$p' "$outdir/$name.log" | sed 's/\x1b\[[0-9;]*m//g' | head -n 80 >&2
    else
      grep -v -e '^\[NbConvertApp\]' -e 'classpath' "$outdir/$name.log" | tail -n 40 >&2
    fi
    echo "execute.sh: $nb failed; full log: $outdir/$name.log" >&2
    exit 1
  fi
  secs=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
  # The page must work offline and on any machine: our template drops the stock one's MathJax and RequireJS.
  if ! jupyter nbconvert --to html --TemplateExporter.extra_template_basedirs="$here/nbconvert" \
      --template vptlab-offline --output-dir "$outdir" --output "$name" "$outdir/$name.ipynb" >>"$outdir/$name.log" 2>&1; then
    tail -n 20 "$outdir/$name.log" >&2
    echo "execute.sh: $name ran, but its HTML conversion failed; log: $outdir/$name.log" >&2
    exit 1
  fi
  echo "execute.sh: $name ok in ${secs}s (kernel start + cells + shutdown)" >&2
  html+=("$outdir/$name.html")
done

echo "execute.sh: ${#html[@]} notebook(s) executed in $(( $(date +%s) - total_start ))s; HTML:" >&2
printf '%s\n' "${html[@]}"
