#!/usr/bin/env bash
# Installs the tools a contributor needs beyond the test command (Debian/Ubuntu packages); the tests themselves need
# none of them (fixtures are committed).
#
#   bash environment/install-reference-tools.sh [--fixtures] [--pages]      (default: both)
#
#   --fixtures  the reference scripts in lib/src/test/python/ that regenerate the parity fixtures: Debian's PyTorch, OpenCV (the ADE20K pipeline fixtures)
#               (python3-torch), NumPy, Pillow (the image colour fixtures), gcc + libjpeg (write_ycck_jpeg.c)
#   --pages     headless Chromium, to look at the exported notebook pages as a reader would:
#               chromium --headless --no-sandbox --disable-gpu --screenshot=page.png --window-size=1280,4000 file://…
set -euo pipefail
fixtures=0 pages=0
[ $# -eq 0 ] && fixtures=1 pages=1
for a in "$@"; do
  case "$a" in
    --fixtures) fixtures=1 ;;
    --pages) pages=1 ;;
    *) echo "install-reference-tools: unknown option $a (--fixtures, --pages)" >&2; exit 2 ;;
  esac
done
pkgs=()
[ "$fixtures" = 1 ] && pkgs+=(python3-torch python3-numpy python3-pil python3-opencv gcc libjpeg62-turbo-dev)
[ "$pages" = 1 ] && pkgs+=(chromium)
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
lock=(-o DPkg::Lock::Timeout=900)
$sudo apt-get "${lock[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get "${lock[@]}" install -y -qq --no-install-recommends "${pkgs[@]}"
if [ "$fixtures" = 1 ]; then
  /usr/bin/python3 -c 'import torch, numpy, PIL, cv2; print("reference tools: torch", torch.__version__, "numpy", numpy.__version__, "Pillow", PIL.__version__, "OpenCV", cv2.__version__)'
fi
if [ "$pages" = 1 ]; then chromium --version; fi
