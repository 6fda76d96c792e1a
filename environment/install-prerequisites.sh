#!/usr/bin/env bash
# Installs the prerequisites (JDK 17, Maven, Python 3, Debian's Fashion-MNIST, Jupyter's nbconvert and
# notebook) on Debian/Ubuntu when they are missing. Idempotent. The Java kernel itself needs the built
# library and is installed by environment/install-jupyter.sh (test.sh and reproduce.sh run it).
set -euo pipefail
need=()
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# Fashion-MNIST (Debian package): the real data behind the embedded mini benchmark and its tests.
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
# Jupyter from Debian's packages: the notebooks are executed headlessly by the tests and the main job.
jupyter nbconvert --version >/dev/null 2>&1 || need+=(jupyter-nbconvert python3-nbconvert)
jupyter notebook --version >/dev/null 2>&1 || need+=(jupyter-notebook python3-notebook)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
javac -version >&2
