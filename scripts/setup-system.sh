#!/usr/bin/env bash
# System packages Podium's local stack, tests and parity run need, installed with apt when missing.
# Called by .ci/run (and by `npm start`'s setup); safe to run again: it installs only what lacks.
set -euo pipefail

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
[ -x /usr/bin/python3 ] || need_apt+=(python3)
# sklearn: test/scoring compares every built-in metric with scikit-learn's own values.
for module in numpy pandas PIL sklearn; do
  /usr/bin/python3 -c "import $module" >/dev/null 2>&1 || case $module in
    numpy) need_apt+=(python3-numpy) ;;
    pandas) need_apt+=(python3-pandas) ;;
    PIL) need_apt+=(python3-pil) ;;
    sklearn) need_apt+=(python3-sklearn) ;;
  esac
done
# torch, tifffile: `npm start` runs training jobs (and `podium test-submission` runs archives) with
# the host's Python; the demo's PyTorch example trains and predicts there as in the runtime image.
need_apt_slim=()
/usr/bin/python3 -c "import torch" >/dev/null 2>&1 || need_apt_slim+=(python3-torch)
/usr/bin/python3 -c "import tifffile" >/dev/null 2>&1 || need_apt_slim+=(python3-tifffile)
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
# Job containers (npm run parity): podman on runc (crun refuses hybrid cgroup v1 hosts), catatonit
# for the job definitions' init process, mmdebstrap to bootstrap base images without a registry,
# nsenter (util-linux) to relay the storage endpoints into a container's network namespace.
command -v podman >/dev/null 2>&1 || need_apt+=(podman)
command -v runc >/dev/null 2>&1 || need_apt+=(runc)
[ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] || need_apt+=(catatonit)
command -v mmdebstrap >/dev/null 2>&1 || need_apt+=(mmdebstrap)
command -v nsenter >/dev/null 2>&1 || need_apt+=(util-linux)
# s3fs stands in for the GPU instances' Mountpoint for Amazon S3 (the hidden-inputs mount) in parity.
command -v s3fs >/dev/null 2>&1 || need_apt+=(s3fs)
# The web app's browser tests (test/web) drive Debian's Chromium with playwright-core.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup-system: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi
if [ ${#need_apt_slim[@]} -gt 0 ]; then
  echo "setup-system: installing ${need_apt_slim[*]} (without recommended packages)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  [ ${#need_apt[@]} -gt 0 ] || $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt_slim[@]}"
fi
