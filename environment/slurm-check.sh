#!/usr/bin/env bash
# The Slurm check: a plan's runs through a real (one-node) Slurm, one of them killed and re-submitted, and the
# result compared with the same plan run locally. test.sh calls it last.
#
#   bash environment/slurm-check.sh [--keep]
#
#   --keep   leave the cluster running and the work folder in place (default: daemons stopped at the end)
#
# Steps: start the cluster (environment/install-slurm.sh, which installs slurm-wlm and munge when missing);
# plan 4 smoke runs (cvpt-vtab on the mini benchmark's fm-item and fm-position, 2 seeds, the embedded MAE trunk,
# 3 epochs on 64 images) twice, into a Slurm folder and a local one, and check that the two plans differ only in
# that folder; `plan slurm --submit` the first (a 4-task job array); check that `plan status` shows each task's
# Slurm state and that submitting again while the array is queued is refused; as soon as one run has finished
# an epoch and is still running, `scancel` its array task; when the array is over, check that `plan status`
# says 3 finished and 1 stopped and Slurm's job completion log 3 COMPLETED and 1 CANCELLED; submit again and
# check that only the stopped run is in the new array and that it resumes from its checkpoint; wait until
# `plan status` says all 4 finished; `plan run` the local plan; compare the two folders' runs file by file.
#
# Compared: every file of every run folder except run.lock (an empty lock file). record.json as JSON, identical
# except started_at, finished_at, wall_seconds and each epoch's seconds and images_per_second (clock readings);
# metrics.csv identical except its seconds and images_per_s columns (the same clock readings);
# trainable.safetensors and state.safetensors byte for byte. Nothing else differs: the records hold no host
# names or run folders (the backbone path is the same file in both plans).
#
# When the cluster cannot run here (install-slurm.sh exits 3 or 4: no root or sudo, no apt-get, daemons that
# do not start), this prints SKIP with the reason and exits 0; VPTLAB_SLURM_REQUIRED=1 makes that a failure.
# Work folder: lib/target/slurm-check (VPTLAB_SLURM_CHECK_DIR); cluster: /var/tmp/vptlab-slurm (VPTLAB_SLURM_DIR).
# One check at a time per machine (a lock beside the cluster folder): a second one waits for the first.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
keep=0
case "${1:-}" in --keep) keep=1 ;; "") ;; *) echo "slurm-check: unknown option $1 (--keep)" >&2; exit 2 ;; esac
work="${VPTLAB_SLURM_CHECK_DIR:-$repo/lib/target/slurm-check}"
cluster="${VPTLAB_SLURM_DIR:-/var/tmp/vptlab-slurm}"
t0=$(date +%s)
say() { echo "slurm-check: [$(( $(date +%s) - t0 ))s] $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

lock="$cluster.lock" # read-only and open to all, so that checks of root and of other users wait for each other
( umask 0; [ -e "$lock" ] || : >"$lock" ) 2>/dev/null || true
if { exec 9<"$lock"; } 2>/dev/null; then
  flock -w 3600 9 || fail "another slurm check has held $lock for an hour"
fi

rc=0
bash environment/install-slurm.sh --dir "$cluster" || rc=$?
if [ "$rc" = 3 ] || [ "$rc" = 4 ]; then
  [ "${VPTLAB_SLURM_REQUIRED:-0}" = 1 ] && fail "Slurm cannot run here (install-slurm.sh exit $rc, see above) and VPTLAB_SLURM_REQUIRED=1"
  echo "slurm-check: SKIP: Slurm cannot run on this machine (install-slurm.sh exit $rc: see its message above); nothing was checked"
  exit 0
fi
[ "$rc" = 0 ] || fail "install-slurm.sh failed (exit $rc)"
stop() { [ "$keep" = 1 ] || bash environment/install-slurm.sh --dir "$cluster" --stop || true; }
trap 'rc=$?; stop; exit $rc' EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$cluster/env"

./vptlab --version >/dev/null # built here, once: the array tasks must not each build it
rm -rf "$work"
mkdir -p "$work/ckpt"
cp lib/src/main/resources/dev/vptlab/embedded/mae.safetensors "$work/ckpt/mae_pretrain_vit_base.pth"
plan() { # FOLDER: the plan, its runs in FOLDER/runs
  ./vptlab plan cvpt-vtab --tasks fm-item,fm-position --backbones mae --seeds 2 --checkpoints "$work/ckpt" \
    --set epochs=3 --set warmup-epochs=0 --set train-limit=64 --set test-limit=64 --set test-every=1 \
    --out "$1/runs" --plan "$1/plan.json" >/dev/null
}
plan "$work/slurm"
plan "$work/local"
sed "s#$work/local/#$work/slurm/#g" "$work/local/plan.json" | cmp -s - "$work/slurm/plan.json" \
  || fail "the local plan differs from the Slurm plan by more than its folder"
P="$work/slurm/plan.json"
n=$(grep -c '"index":' "$P")
[ "$n" -ge 4 ] || fail "the plan has $n runs, fewer than 4"
ids="$work/slurm/plan.slurm/array-ids.txt"
res=(--gpus 0 --cpus 1 --mem 2G --time 00:30:00)

job_of() { sed -n 's/^submitted job \([0-9][0-9]*\)$/\1/p' <<<"$1"; }
wait_job() { # JOB SECONDS: until none of the job's tasks is queued or running
  local end=$(( $(date +%s) + $2 ))
  while [ -n "$(squeue -h -r -j "$1" -o %i 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$end" ] || { squeue -r -j "$1" >&2 || true; fail "job $1 still queued or running after $2 s"; }
    sleep 1
  done
}
record() { echo "$work/slurm/runs/$1/record.json"; }
status_counts() { ./vptlab plan status "$P" | grep -E '^[0-9]+ [a-z]+(, [0-9]+ [a-z]+)*$' || true; }

# 1. The whole plan as a job array.
out="$(./vptlab plan slurm "$P" --submit "${res[@]}")"
echo "$out" >&2
job1="$(job_of "$out")"
[ -n "$job1" ] || fail "no job id in plan slurm's output"
grep -q "^#SBATCH --array=0-$((n - 1))$" "$work/slurm/plan.slurm/job.sbatch" || fail "the script's array is not 0-$((n - 1))"
[ "$(cat "$work/slurm/plan.slurm/job_id")" = "$job1" ] || fail "job_id does not hold $job1"
say "submitted job $job1 ($n tasks)"
# While it is queued: plan status shows each task's Slurm state (squeue's: this cluster keeps no accounting),
# and a second submission is refused (it would run the same runs twice).
st="$(./vptlab plan status "$P")"
echo "$st" >&2
queued=$(awk '$1 ~ /^[0-9]+$/ && $4 ~ /^(PENDING|CONFIGURING|RUNNING)$/' <<<"$st" | wc -l)
[ "$queued" = "$n" ] || fail "plan status shows a Slurm state for $queued of the $n queued runs"
if again="$(./vptlab plan slurm "$P" --submit "${res[@]}" 2>&1)"; then
  fail "a second submission while job $job1 is queued was accepted: $again"
fi
grep -q "job $job1 of this plan still has tasks queued or running" <<<"$again" || fail "the second submission failed otherwise: $again"
[ "$(cat "$work/slurm/plan.slurm/job_id")" = "$job1" ] || fail "the refused submission changed job_id"
say "a second submission while job $job1 is queued was refused"

# 2. Kill one run mid-run: the first whose record says running with an epoch done (of 3) and whose checkpoint of that
#    epoch is written (the record is written first; a cancel between the two rightly restarts the run from scratch).
victim="" vidx="" end=$(( $(date +%s) + 900 ))
while [ -z "$victim" ]; do
  i=0
  while read -r id; do
    r="$(record "$id")"
    if [ -f "$r" ] && [ -f "$(dirname "$r")/state.safetensors" ] && grep -q '"status": "running"' "$r" \
        && grep -q '"epoch": 0,' "$r" && ! grep -q '"epoch": 2,' "$r"; then
      victim="$id" vidx=$i; break
    fi
    i=$((i + 1))
  done <"$ids"
  [ -n "$victim" ] && break
  [ -n "$(squeue -h -r -j "$job1" -o %i 2>/dev/null)" ] || fail "job $job1 ended before any run could be caught mid-run"
  [ "$(date +%s)" -lt "$end" ] || fail "no run of job $job1 got through an epoch in 900 s"
  sleep 0.2
done
scancel "${job1}_$vidx"
say "cancelled task ${job1}_$vidx ($victim) after $(grep -c '"epoch": ' "$(record "$victim")") epoch(s)"
wait_job "$job1" 1800
./vptlab plan status "$P" >&2
counts="$(status_counts)"
[ "$counts" = "$((n - 1)) finished, 1 stopped" ] || fail "after the first array: '$counts', not '$((n - 1)) finished, 1 stopped'"
./vptlab plan status "$P" | grep -E "^[0-9]+ +$victim +stopped " >/dev/null || fail "$victim is not the stopped run"
grep -q "JobState=CANCELLED .*ArrayJobId=$job1 ArrayTaskId=$vidx " "$cluster/log/jobcomp.txt" \
  || fail "Slurm's job completion log has no CANCELLED task $vidx of job $job1"
ok=$(grep -c "JobState=COMPLETED .*ArrayJobId=$job1 " "$cluster/log/jobcomp.txt" || true)
[ "$ok" = $((n - 1)) ] || fail "Slurm's job completion log has $ok COMPLETED tasks of job $job1, not $((n - 1))"

# 3. Submit again: only the stopped run, which resumes.
out="$(./vptlab plan slurm "$P" --submit "${res[@]}")"
echo "$out" >&2
grep -q "(1 of $n runs)" <<<"$out" || fail "the re-submission is not 1 of $n runs"
[ "$(cat "$ids")" = "$victim" ] || fail "the re-submitted array holds $(tr '\n' ' ' <"$ids"), not $victim"
job2="$(job_of "$out")"
[ -n "$job2" ] && [ "$job2" != "$job1" ] || fail "no new job id in the re-submission's output"
say "re-submitted $victim as job $job2"
wait_job "$job2" 1800
grep -q "JobState=COMPLETED .*ArrayJobId=$job2 ArrayTaskId=0 " "$cluster/log/jobcomp.txt" || fail "task 0 of job $job2 did not complete"
log2="$work/slurm/plan.slurm/logs/${job2}_0.out"
resumed="$(grep -o "resuming .*/$victim after epoch [0-9]* of [0-9]*" "$log2" || true)"
[ -n "$resumed" ] || { cat "$log2" >&2; fail "the re-submitted task did not resume $victim (its log: $log2)"; }
say "job $job2: $resumed"
./vptlab plan status "$P" >&2
counts="$(status_counts)"
[ "$counts" = "$n finished" ] || fail "after the re-submission: '$counts', not '$n finished'"
tslurm=$(( $(date +%s) - t0 ))
say "Slurm part done"

# 4. The same plan here, then every run folder compared.
./vptlab plan run "$work/local/plan.json" --progress QUIET >&2
counts="$(./vptlab plan status "$work/local/plan.json" | grep -E '^[0-9]+ [a-z]+(, [0-9]+ [a-z]+)*$' || true)"
[ "$counts" = "$n finished" ] || fail "local plan run: '$counts', not '$n finished'"
python3 - "$work/slurm/runs" "$work/local/runs" <<'EOF' || fail "the Slurm runs differ from the local ones (above)"
import csv, io, json, os, sys
a_root, b_root = sys.argv[1:]
CLOCK = {"started_at", "finished_at", "wall_seconds"}          # record.json: when and how long, by the clock
EPOCH_CLOCK = {"seconds", "images_per_second"}                # each epoch's timing
CSV_CLOCK = {"seconds", "images_per_s"}                       # metrics.csv: the same timings
def record(p):
    r = json.load(open(p))
    for k in CLOCK:
        r.pop(k)
    for e in r["epochs"]:
        for k in EPOCH_CLOCK:
            e.pop(k)
    return r
def metrics(p):
    rows = list(csv.DictReader(open(p)))
    return [{k: v for k, v in row.items() if k not in CSV_CLOCK} for row in rows]
print("Slurm runs vs local runs: record.json and metrics.csv apart from their clock readings, the rest byte for byte")
bad = 0
runs = sorted(os.listdir(a_root))
if runs != sorted(os.listdir(b_root)):
    print("run folders differ:", runs, sorted(os.listdir(b_root))); sys.exit(1)
for run in runs:
    fa = sorted(f for f in os.listdir(os.path.join(a_root, run)) if f != "run.lock")
    fb = sorted(f for f in os.listdir(os.path.join(b_root, run)) if f != "run.lock")
    if fa != fb:
        print(run, "files differ:", fa, fb); bad += 1; continue
    differ = []
    for f in fa:
        pa, pb = os.path.join(a_root, run, f), os.path.join(b_root, run, f)
        if f == "record.json":
            ra, rb = record(pa), record(pb)
            if ra != rb:
                keys = sorted(k for k in ra.keys() | rb.keys() if ra.get(k) != rb.get(k))
                differ.append(f"record.json ({', '.join(keys)})")
        elif f == "metrics.csv":
            if metrics(pa) != metrics(pb):
                differ.append(f)
        elif open(pa, "rb").read() != open(pb, "rb").read():
            differ.append(f)
    r = json.load(open(os.path.join(a_root, run, "record.json")))
    about = f"{len(r['epochs'])} epochs, last test top-1 {r['headline']['last_test_top1']:.2f}"
    if differ:
        print(f"{run}: DIFFERS in {'; '.join(differ)} ({about})"); bad += 1
    else:
        print(f"{run}: {len(fa)} files match: {', '.join(fa)} ({about})")
sys.exit(1 if bad else 0)
EOF
say "PASS: $n runs through Slurm (job $job1, task $vidx cancelled mid-run and resumed by job $job2) match a local plan run; Slurm part ${tslurm}s, all $(( $(date +%s) - t0 ))s"
