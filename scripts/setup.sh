#!/usr/bin/env bash
# Installs everything Cabin needs on a fresh Debian 12 machine: checks Node, installs the missing system packages,
# then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node >= 20.19 first (package.json "engines"): Debian 12's own nodejs package is Node 18, which is too old.
required="20.19"
node_help="setup: Node >= ${required} is required (Debian 12's own nodejs package is Node 18, too old).
Install Node 20.19+ or 22 from https://nodejs.org/en/download (or NodeSource's Debian packages, or nvm:
'nvm install 22'), make sure 'node' on your PATH is that version, then run this script again."
if ! command -v node >/dev/null 2>&1; then
  echo "setup: 'node' was not found." >&2
  echo "$node_help" >&2
  exit 1
fi
version="$(node -p 'process.versions.node' 2>/dev/null || true)"
IFS=. read -r major minor _ <<<"${version:-0.0.0}"
if ! [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || ((major < 20 || (major == 20 && minor < 19))); then
  echo "setup: found Node ${version:-of unknown version} at $(command -v node)." >&2
  echo "$node_help" >&2
  exit 1
fi

# socat: virtual serial ports for tests and simulators; libusb-1.0-0: the USB library node-hid uses;
# chromium: browser mode of the kiosk and its end-to-end tests; coturn: the TURN relay of the relayed-call test;
# espeak-ng and opus-tools: the build speaks the kiosk's default voice pack offline and encodes it;
# dbus and python3-dbusmock: the fake bluetoothd of the Bluetooth LE tests (a private bus, no adapter needed);
# cups, cups-client and cups-pdf: the kiosk prints the patient's copy with lp (its test prints to a private cups-pdf queue);
# redis-server: the hub nodes of a region share presence, routing and counters through Redis (its tests start their own);
# haproxy: the load balancer in front of a region's hub nodes (resources/hub/haproxy.cfg, tested in front of a hub);
# postgresql: the database of a region's hub nodes (its tests start their own throwaway cluster as the postgres account).
packages=(socat libusb-1.0-0 chromium coturn espeak-ng opus-tools dbus python3-dbusmock poppler-utils fonts-dejavu-core cups cups-client cups-pdf redis-server haproxy postgresql)
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

# Electron's own install script is already denied (package.json "allowScripts"); this keeps it from fetching its
# binary even where scripts do run.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1

echo "setup: installing npm packages"
if [ -f package-lock.json ]; then npm ci --no-fund --no-audit; else npm install --no-fund --no-audit; fi
