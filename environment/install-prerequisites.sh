#!/usr/bin/env bash
# Installs every command the README's two commands call (./test.sh and ./reproduce.sh) on Debian/Ubuntu when
# it is missing, then checks each one and names the Debian package of any that still does not run.
# Idempotent. The Java kernel itself needs the built library and is installed by environment/install-jupyter.sh
# (test.sh and reproduce.sh run it; it runs this script first).
#
#   bash environment/install-prerequisites.sh [--no-apt] [--list]
#
#   --no-apt   install nothing: only check, and fail naming the packages that are missing
#   --list     print the table of checks and packages, and exit
set -euo pipefail

apt=1
case "${1:-}" in
  --no-apt) apt=0 ;;
  --list) apt=list ;;
  "") ;;
  *) echo "install-prerequisites: unknown option $1 (--no-apt, --list)" >&2; exit 2 ;;
esac

# One line per requirement: the check (a shell command that must succeed), then the Debian packages that make
# it succeed. Installed with --no-install-recommends, so each package is named here, none left to a Recommends:
# jupyter-client, for example, is what brings `jupyter kernelspec` (a fresh Debian 12 lacks it otherwise), and
# procps the `ps` that notebooks/execute.sh uses to find a kernel stuck while starting (minimal images lack it).
checks=(
  "command -v javac|openjdk-17-jdk-headless"
  "command -v jshell|openjdk-17-jdk-headless"
  "command -v mvn|maven"
  "command -v python3|python3"
  "command -v ps|procps"
  "test -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz|dataset-fashion-mnist"
  "jupyter --version|jupyter-core python3-jupyter-core"
  "jupyter nbconvert --version|jupyter-nbconvert python3-nbconvert"
  "jupyter notebook --version|jupyter-notebook python3-notebook"
  "jupyter kernelspec --version|jupyter-client python3-jupyter-client"
)

run_check() { bash -c "$1" >/dev/null 2>&1; }

if [ "$apt" = list ]; then
  for c in "${checks[@]}"; do printf '%-78s %s\n' "${c%%|*}" "${c#*|}"; done
  exit 0
fi

need=()
for c in "${checks[@]}"; do
  run_check "${c%%|*}" || need+=(${c#*|})
done
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | awk '!seen[$0]++')
  if [ "$apt" = 0 ]; then
    echo "install-prerequisites: missing (and --no-apt given): ${need[*]}" >&2
    exit 1
  fi
  command -v apt-get >/dev/null 2>&1 || { echo "install-prerequisites: missing ${need[*]}; no apt-get here, install them by hand" >&2; exit 1; }
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "install-prerequisites: installing ${need[*]}" >&2
  # Another apt/dpkg run (e.g. a provisioning script) may hold the lock: wait for it up to 15 minutes.
  lock=(-o DPkg::Lock::Timeout=900)
  $sudo apt-get "${lock[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get "${lock[@]}" install -y -qq --no-install-recommends "${need[@]}"
fi

# Every check again, after the install: a package that installed but does not provide the command is named.
bad=0
for c in "${checks[@]}"; do
  if ! run_check "${c%%|*}"; then
    echo "install-prerequisites: error: '${c%%|*}' fails; it comes from the Debian package(s) ${c#*|}" >&2
    bad=1
  fi
done
[ "$bad" = 0 ] || exit 1
javac -version >&2
