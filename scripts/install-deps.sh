#!/usr/bin/env bash
# Installs every Debian 12 package drillhost needs to build, test and run.
# Idempotent: apt-get install of an installed package is a no-op.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (apt-get needs it): sudo $0" >&2
  exit 2
fi

packages=(
  # build
  build-essential cmake pkg-config clang-format
  libboost-dev libboost-filesystem-dev
  libcurl4-openssl-dev libsimdjson-dev libpq-dev libspdlog-dev libfmt-dev
  doctest-dev libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libvalijson-dev
  # the reports (report/): JUnit XML, and the parsers their tests read them back with
  libpugixml-dev python3-junitparser python3-markdown
  # the HTML report's test opens it in headless Chromium over the DevTools protocol
  chromium fonts-dejavu-core python3-websocket
  # the fuzz targets (scripts/fuzz.sh): clang 14 and its libFuzzer/sanitizer runtimes
  clang libclang-rt-14-dev
  # the systems under test and the tools drills drive
  postgresql-15 postgresql-contrib patroni etcd-server etcd-client python3-etcd
  iptables iproute2 procps psmisc util-linux bc openssl openssh-server openssh-client curl
  # the routing layer the embedded cluster runs with --services (Pigsty's layout), and the
  # non-root admin user with passwordless sudo that the ssh transport drives
  haproxy pgbouncer sudo
)

# A policy of ours that a killed run left behind would keep every later package upgrade on this
# machine from restarting its daemons: it goes first, whatever else this run does.
policy=/usr/sbin/policy-rc.d
ours='# install-deps.sh: no daemon starts while packages install'
if [ -f "$policy" ] && grep -qxF "$ours" "$policy"; then rm -f "$policy"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian's maintainer scripts start a package's daemon (postgresql's main cluster, haproxy,
# pgbouncer on 6432) unless policy-rc.d says no: drillhost starts what it needs itself, in its own
# namespaces, and nothing of a package may keep running behind it. Only a policy of ours is removed.
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n%s\nexit 101\n' "$ours" > "$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
  trap 'exit 130' INT TERM HUP  # through the EXIT trap
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# On a machine that boots with systemd, the routing daemons this installed stay off at boot too.
if [ -d /run/systemd/system ]; then
  for unit in haproxy pgbouncer; do
    if printf '%s\n' "${missing[@]}" | grep -qx "$unit"; then systemctl disable --now "$unit" >/dev/null 2>&1 || true; fi
  done
fi
