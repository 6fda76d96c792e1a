#!/usr/bin/env bash
# The fresh-machine check: builds a clean Debian 12 (bookworm) root with debootstrap, puts a clone of this
# repository in the home of a new user (passwordless sudo, as on a fresh desktop or cloud image), and runs the
# README's commands in it exactly as written, timing each step:
#
#   bash environment/install-prerequisites.sh && ./test.sh
#   bash environment/install-prerequisites.sh && ./reproduce.sh [smoke]
#
#   sudo bash environment/fresh-machine-check.sh [--reproduce quick|smoke|none] [--root DIR] [--keep]
#
#   --reproduce P   profile for the main command (default smoke; quick is the README's own and takes ~15 min
#                   more; none skips it)
#   --root DIR      where the root is built (default /var/tmp/vptlab-fresh-root; wiped first; ~3 GB)
#   --keep          leave the root behind (default: unmounted and removed at the end)
#
# Needs root (debootstrap, chroot, mounts) and Debian's package mirror. Nothing of the host's Java, Maven, Python
# or ~/.m2 reaches the root; only three things are copied in, none of which the project needs on a real fresh
# machine: the host's extra CA certificates (/usr/local/share/ca-certificates, for a TLS-intercepting proxy),
# the host's Debian sources and its apt Acquire settings (so that the root uses the same mirror), and
# /etc/resolv.conf. The figures go to stdout as a table and to ROOT/../fresh-machine-check.tsv.
set -euo pipefail

profile=smoke root=/var/tmp/vptlab-fresh-root keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --reproduce) [ $# -ge 2 ] || { echo "--reproduce needs quick|smoke|none" >&2; exit 2; }; profile="$2"; shift ;;
    --root) [ $# -ge 2 ] || { echo "--root needs a folder" >&2; exit 2; }; root="$2"; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$profile" in quick|smoke|none) ;; *) echo "--reproduce: quick, smoke or none, not $profile" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "fresh-machine-check: needs root (debootstrap, chroot, mounts)" >&2; exit 2; }
root="$(realpath -m "$root")"
case "$root" in /|/usr|/var|/home|/tmp|"") echo "fresh-machine-check: refusing --root $root" >&2; exit 2 ;; esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
user=newuser
say() { echo "fresh-machine-check: $*" >&2; }
report="$(dirname "$root")/fresh-machine-check.tsv"

mounts=()
# Processes still running inside the root (an interrupted step's JVMs, a kernel): killed before unmounting.
kill_inside() {
  local p r
  for p in /proc/[0-9]*; do
    r="$(readlink "$p/root" 2>/dev/null)" || continue
    case "$r" in "$root"|"$root"/*) kill -9 "${p#/proc/}" 2>/dev/null || true ;; esac
  done
}
cleanup() {
  local i
  kill_inside
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -R -l "${mounts[$i]}" 2>/dev/null || true; done
  mounts=()
  if [ "$keep" = 0 ] && [ -d "$root" ]; then rm -rf --one-file-system "$root"; fi
}
show_report() {
  echo
  column -t -s $'\t' "$report" 2>/dev/null || cat "$report"
}
trap 'rc=$?; show_report; cleanup; exit $rc' EXIT
trap 'exit 130' INT TERM   # so that the EXIT trap runs when the check is interrupted

# Each step: its name, then the command; the step's wall time and exit status are recorded.
printf 'step\tseconds\tstatus\n' >"$report"
step() {
  local name="$1" start rc=0 secs
  shift
  say "== $name"
  start=$(date +%s.%N)
  # In the background and waited for: bash runs a trap only between commands, and `wait` can be interrupted.
  "$@" &
  wait $! || rc=$?
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
  printf '%s\t%s\t%s\n' "$name" "$secs" "$([ $rc = 0 ] && echo ok || echo "failed ($rc)")" >>"$report"
  say "== $name: ${secs}s, exit $rc"
  return $rc
}

command -v debootstrap >/dev/null 2>&1 || {
  say "installing debootstrap"
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends debootstrap
}

bootstrap() {
  local m
  for m in proc sys dev; do mountpoint -q "$root/$m" 2>/dev/null && umount -R -l "$root/$m"; done   # a killed run's
  cleanup
  mkdir -p "$root"
  # minbase: essential packages and apt only (no Java, no Python, no sudo); ca-certificates, git and sudo are
  # what a new user has at hand when cloning a repository.
  # A mirror hiccup should not fail the check: one more try from scratch.
  if ! debootstrap --variant=minbase --include=ca-certificates,git,sudo bookworm "$root" "$mirror" \
      >"$root.debootstrap.log" 2>&1; then
    say "debootstrap failed (log: $root.debootstrap.log); trying once more"
    rm -rf --one-file-system "$root" && mkdir -p "$root"
    debootstrap --variant=minbase --include=ca-certificates,git,sudo bookworm "$root" "$mirror" \
      >"$root.debootstrap.log" 2>&1 || { tail -n 30 "$root.debootstrap.log" >&2; return 1; }
  fi
  # The host's network setup, so that apt, Maven and git inside reach the same registries as the host does.
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null
  fi
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"
    : >"$root/etc/apt/sources.list"
  fi
  for f in /etc/apt/apt.conf.d/*; do
    grep -q '^ *Acquire::' "$f" 2>/dev/null && cp "$f" "$root/etc/apt/apt.conf.d/"
  done
  # A new user with passwordless sudo, and this repository's HEAD cloned into its home.
  chroot "$root" useradd -m -s /bin/bash "$user"
  echo "$user ALL=(ALL) NOPASSWD:ALL" >"$root/etc/sudoers.d/$user"
  git clone -q --no-hardlinks "$repo" "$root/home/$user/vptlab"
  chroot "$root" chown -R "$user:$user" "/home/$user/vptlab"
  # ../shared is not a user's: the tests must not need it (a copy is not made).
}

mount_all() {
  mount -t proc proc "$root/proc" && mounts+=("$root/proc")
  mount -t sysfs sys "$root/sys" && mounts+=("$root/sys")
  # /dev with everything under it (pts, shm), as a slave: nothing mounted or unmounted inside reaches the host.
  mount --rbind /dev "$root/dev" && mounts+=("$root/dev")
  mount --make-rslave "$root/dev"
}

as_user() {  # a login shell of the new user, in the clone: what a person types
  chroot "$root" /usr/bin/env -i HOME="/home/$user" TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /usr/bin/sudo -u "$user" -H --preserve-env=LANG bash -lc "cd ~/vptlab && $1"
}

total_start=$(date +%s)
step "debootstrap bookworm (minbase) + user + clone" bootstrap
mount_all
step "install-prerequisites.sh (apt: JDK, Maven, Python, Jupyter, Fashion-MNIST)" \
  as_user "bash environment/install-prerequisites.sh"
step "./test.sh (Maven downloads, build, unit + parity tests, kernel, notebooks, Slurm check)" as_user "./test.sh"
if [ "$profile" != none ]; then
  step "install-prerequisites.sh again (nothing to do)" as_user "bash environment/install-prerequisites.sh"
  arg=""
  [ "$profile" = quick ] || arg=" $profile"
  step "./reproduce.sh$arg" as_user "./reproduce.sh$arg"
fi
printf 'total\t%s\tok\n' "$(( $(date +%s) - total_start ))" >>"$report"
