#!/usr/bin/env bash
# Installs everything Cabin needs on a fresh Debian 12 machine: the system packages, then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# socat: virtual serial ports for tests and simulators; libusb-1.0-0: node-hid; udev: device rules.
packages=(socat libusb-1.0-0)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "setup: installing npm packages"
if [ -f package-lock.json ]; then npm ci --no-fund --no-audit; else npm install --no-fund --no-audit; fi
