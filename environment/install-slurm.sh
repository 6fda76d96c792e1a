#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for environment/slurm-check.sh: installs Debian's Slurm and MUNGE
# when missing, writes its own configuration under one folder (nothing in /etc is changed) and starts munged,
# slurmctld and slurmd as plain daemons (no systemd, no cgroups), as root (through sudo when not root).
#
#   bash environment/install-slurm.sh [--dir DIR] [--no-apt]     install, configure, start (idempotent)
#   bash environment/install-slurm.sh [--dir DIR] --stop         stop the daemons this script started
#   bash environment/install-slurm.sh --list                     the table of checks and packages
#
#   --dir DIR   the cluster's folder (default $VPTLAB_SLURM_DIR or /var/tmp/vptlab-slurm): slurm.conf, the
#               MUNGE key and socket, state, spool, logs, pid files, and `env`, to be sourced by clients:
#               . DIR/env   (sets SLURM_CONF; sbatch, squeue, scancel, sacct then talk to this cluster)
#
# The cluster: one node (this host, `hostname -s`, at 127.0.0.1) with the CPUs and memory `slurmd -C` reports,
# one partition `vptlab`, proctrack/linuxproc and task/none (no cgroups; cgroup.conf names the v1 plugin, which
# slurmd loads but nothing uses, so that no cgroup file system is needed), select/cons_tres by core, no
# accounting database (AccountingStorageType=accounting_storage/none: Debian ships no file-based accounting
# storage, only slurmdbd with MySQL, so sacct has nothing to read), each finished job's line in
# DIR/log/jobcomp.txt (jobcomp/filetxt). Ports 6917 (slurmctld) and 6918 (slurmd), not Slurm's 6817/6818, so
# that it can sit beside a real installation. Only for tests: every job runs on this machine.
#
# Exit status: 0 running (or stopped, with --stop); 1 failed (a bug to look at); 2 usage; 3 the daemons cannot run
# here (they were installed and configured but did not start, or ran as non-root without sudo; the message
# says which and where the logs are); 4 Slurm or MUNGE is missing and cannot be installed (no apt-get, apt-get
# failed, or --no-apt). slurm-check.sh skips on 3 and 4.
set -euo pipefail

dir="${VPTLAB_SLURM_DIR:-/var/tmp/vptlab-slurm}" apt=1 action=start
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || { echo "install-slurm: --dir needs a folder" >&2; exit 2; }; dir="$2"; shift ;;
    --no-apt) apt=0 ;;
    --stop) action=stop ;;
    --list) action=list ;;
    -h|--help) sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-slurm: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
# The daemons and mungekey live in /usr/sbin, which a normal user's PATH lacks on Debian.
export PATH="$PATH:/usr/sbin:/sbin"
say() { echo "install-slurm: $*" >&2; }
cannot_run() { say "CANNOT RUN: $*"; exit 3; }

# One line per requirement: the check, then the Debian packages that make it succeed (--no-install-recommends,
# so each is named). slurm-client brings sbatch, squeue, scancel, sacct; mungekey comes with munge.
checks=(
  "command -v munged|munge"
  "command -v mungekey|munge"
  "command -v slurmctld|slurmctld"
  "command -v slurmd|slurmd"
  "command -v sbatch|slurm-client"
  "command -v squeue|slurm-client"
  "command -v sinfo|slurm-client"
  "command -v scancel|slurm-client"
  "command -v sacct|slurm-client"
  "command -v hostname|hostname"
  "command -v ps|procps"
)
if [ "$action" = list ]; then
  for c in "${checks[@]}"; do printf '%-30s %s\n' "${c%%|*}" "${c#*|}"; done
  exit 0
fi

case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac
case "$dir" in /|/usr|/var|/tmp|/var/tmp|/home|/etc) say "refusing --dir $dir"; exit 2 ;; esac

# The daemons run as root (slurmd starts each job as its submitter): directly when root, else through sudo.
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  elif [ "$action" = start ]; then
    cannot_run "the daemons must run as root and $(id -un) is not root and has no passwordless sudo"
  fi
fi
as_root() { "${sudo[@]}" "$@"; }

pidfiles=("$dir/run/slurmd.pid" "$dir/run/slurmctld.pid" "$dir/munge/munged.pid")
alive() { [ -f "$1" ] && as_root kill -0 "$(cat "$1")" 2>/dev/null; }
stop_all() {
  local f pid i
  # The jobs first (all of them are this cluster's: the partition is its own), so that no run goes on after
  # slurmd has gone; at most 15 s.
  if alive "$dir/run/slurmctld.pid" && [ -f "$dir/etc/slurm.conf" ]; then
    as_root env SLURM_CONF="$dir/etc/slurm.conf" scancel -p vptlab 2>/dev/null || true
    for i in $(seq 30); do
      [ -z "$(SLURM_CONF="$dir/etc/slurm.conf" squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  for f in "${pidfiles[@]}"; do
    alive "$f" || continue
    pid="$(cat "$f")"
    as_root kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do as_root kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if as_root kill -0 "$pid" 2>/dev/null; then say "$(basename "$f" .pid) ($pid) did not stop; killing it"; as_root kill -9 "$pid" 2>/dev/null || true; fi
    say "stopped $(basename "$f" .pid) ($pid)"
  done
}
if [ "$action" = stop ]; then
  stop_all
  exit 0
fi

# Packages.
run_check() { bash -c "$1" >/dev/null 2>&1; }
need=()
for c in "${checks[@]}"; do run_check "${c%%|*}" || need+=(${c#*|}); done
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | awk '!seen[$0]++')
  [ "$apt" = 1 ] || { say "missing (and --no-apt given): ${need[*]}"; exit 4; }
  command -v apt-get >/dev/null 2>&1 || { say "missing ${need[*]}; no apt-get here, install them by hand"; exit 4; }
  say "installing ${need[*]}"
  lock=(-o DPkg::Lock::Timeout=900)
  # The packages' own services are not wanted (the daemons below have their own configuration); where the
  # package scripts would start them (a booted Debian without systemd), they fail harmlessly for lack of slurm.conf.
  as_root apt-get "${lock[@]}" update -qq \
    && as_root env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -qq --no-install-recommends "${need[@]}" \
    || { say "apt-get could not install ${need[*]} (no package mirror reachable?)"; exit 4; }
fi
bad=0
for c in "${checks[@]}"; do
  if ! run_check "${c%%|*}"; then say "error: '${c%%|*}' fails; it comes from the Debian package(s) ${c#*|}"; bad=1; fi
done
[ "$bad" = 0 ] || exit 1

# Configuration. DIR and all in it belong to root, whoever runs this: munged refuses files in a folder that
# another user owns (or could replace), up to /. Readable by all but the MUNGE key, the state and the spool.
stop_all
as_root rm -rf "$dir"/{etc,munge,state,spool,log,run,env}
as_root mkdir -p "$dir"/{etc,munge,state,spool,log,run}
as_root chown root:root "$dir" "$dir"/{etc,munge,state,spool,log,run}
as_root chmod 755 "$dir" "$dir"/{etc,log,run}
as_root chmod 711 "$dir/munge"
as_root chmod 700 "$dir"/state "$dir"/spool
write() { as_root tee "$1" >/dev/null; as_root chmod 644 "$1"; } # FILE < text
host="$(hostname -s)"
node="$(slurmd -C | head -n 1)"
case "$node" in NodeName=*" CPUs="*" RealMemory="*) ;; *) say "error: unexpected 'slurmd -C' output: $node"; exit 1 ;; esac
node="NodeName=$host NodeAddr=127.0.0.1 ${node#NodeName=* } State=UNKNOWN"
conf="$dir/etc/slurm.conf"
write "$conf" <<EOF
# Written by environment/install-slurm.sh: a one-node test cluster. Regenerated on every start.
ClusterName=vptlab
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=6917
SlurmdPort=6918
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
ReturnToService=2
MailProg=/bin/true
PlugStackConfig=$dir/etc/plugstack.conf
$node
PartitionName=vptlab Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
: | write "$dir/etc/plugstack.conf"
# slurmd 22.05 loads a cgroup plugin whatever the other plugins are, and its default (autodetect) fails where
# /sys/fs/cgroup holds no cgroup file system (a chroot, some containers) and, outside systemd, on cgroup v2.
# The v1 plugin does nothing until asked, and nothing here asks (proctrack/linuxproc, task/none, no jobacct).
printf '# Written by environment/install-slurm.sh: no cgroup is used (see slurm.conf).\nCgroupPlugin=cgroup/v1\n' \
  | write "$dir/etc/cgroup.conf"
printf 'export SLURM_CONF=%q\n' "$conf" | write "$dir/env"

# MUNGE: a fresh key of this cluster's own, a socket in DIR (so that a system munged, if any, is left alone).
as_root mungekey --create --keyfile="$dir/munge/munge.key" --force
as_root chmod 400 "$dir/munge/munge.key"
as_root munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
  || cannot_run "munged did not start; see $dir/munge/munged.log: $(as_root tail -n 3 "$dir/munge/munged.log" 2>/dev/null | tr '\n' ' ')"
munge -S "$dir/munge/munge.socket" -n | unmunge -S "$dir/munge/munge.socket" >/dev/null \
  || cannot_run "munged runs but a credential does not round-trip; see $dir/munge/munged.log"

# slurmctld, then slurmd; both daemonize and write their pid files.
export SLURM_CONF="$conf"
as_root env SLURM_CONF="$conf" slurmctld -f "$conf" \
  || cannot_run "slurmctld did not start; see $dir/log/slurmctld.log: $(as_root tail -n 3 "$dir/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
as_root env SLURM_CONF="$conf" slurmd -f "$conf" \
  || cannot_run "slurmd did not start; see $dir/log/slurmd.log: $(as_root tail -n 3 "$dir/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"

# Up when the node is idle (it registers with slurmctld a moment after starting).
state=""
for _ in $(seq 60); do
  state="$(sinfo -h -n "$host" -o '%T' 2>/dev/null || true)"
  case "$state" in idle*|mixed*|allocated*) break ;; esac
  sleep 0.5
done
case "$state" in
  idle*|mixed*|allocated*) ;;
  *) for f in "${pidfiles[@]}"; do alive "$f" || say "$(basename "$f" .pid) is not running"; done
     cannot_run "the node is '${state:-unknown}', not idle, 30 s after start; see $dir/log/slurmctld.log and slurmd.log: $(as_root tail -n 3 "$dir/log/slurmd.log" 2>/dev/null | tr '\n' ' ')" ;;
esac
say "running: node $host ($(sed -n 's/.* CPUs=\([0-9]*\).*RealMemory=\([0-9]*\).*/\1 CPUs, \2 MB/p' "$conf")), partition vptlab; clients: . $dir/env"
