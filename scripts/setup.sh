#!/usr/bin/env bash
# Installs what tinylarge needs on a fresh Debian/Ubuntu machine, idempotently:
# system packages (cross compilers, QEMU, Chromium, PostgreSQL), a project venv in .venv and,
# when ../shared/renode holds the portable Renode, its Mono runtime and an unpacked copy in
# .tinylarge/renode (found by toolchain/emulators/renode.py).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(gcc gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm qemu-system-misc
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf postgresql python3-venv gdb-multiarch
  libstdc++-arm-none-eabi-newlib  # C++ headers for the TFLM harness of ../shared/tflm (bench_firmware.py)
  mosquitto)  # the MQTT broker the aggregator tests and bench start on loopback
# Ubuntu's chromium .deb only installs a snap (no snapd in containers); there the browser test skips.
. /etc/os-release 2>/dev/null || true
[ "${ID:-debian}" = "ubuntu" ] || APT_PACKAGES+=(chromium)

# Portable Renode (Mono build) beside the project; its README names the sha256 and the Mono packages.
RENODE_TARBALL=../shared/renode/renode-1.16.1-mono-portable.tar.xz
RENODE_SHA256=b3028f273aff02f5b31a007499fb7e2cee092c08ecfa398c884ada5183dd669a
# Not under $TMPDIR: Renode deletes $TMPDIR/renode-* folders when it creates a machine.
RENODE_HOME=.tinylarge/renode
if [ -f "$RENODE_TARBALL" ]; then
  APT_PACKAGES+=(mono-runtime libmono-microsoft-csharp4.0-cil libmono-posix4.0-cil libmono-security4.0-cil
    libmono-system4.0-cil libmono-system-core4.0-cil libmono-system-xml4.0-cil libmono-system-xml-linq4.0-cil
    libmono-system-configuration4.0-cil libmono-system-drawing4.0-cil libmono-system-dynamic4.0-cil
    libmono-system-numerics4.0-cil libmono-system-runtime4.0-cil libmono-system-runtime-serialization4.0-cil
    libmono-system-servicemodel4.0a-cil libmono-system-web4.0-cil libmono-system-xaml4.0-cil)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  installed=no
  for attempt in 1 2 3 4 5; do  # retried: another apt may hold the dpkg lock
    if DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
      installed=yes; break
    fi
    echo "setup: apt failed, retrying ($attempt/5)"; sleep 10
  done
  [ "$installed" = yes ] || { echo "setup: could not install ${missing[*]}" >&2; exit 1; }
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.tinylarge-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[train,test,plot,renode]"
  touch "$stamp"
fi

if [ -f "$RENODE_TARBALL" ]; then scripts/unpack_renode.sh "$RENODE_TARBALL" "$RENODE_SHA256" "$RENODE_HOME"; fi
# The offline PlatformIO core (tool-scons from the PyPI wheel, no registry access).
.venv/bin/tinylarge setup-offline >/dev/null
