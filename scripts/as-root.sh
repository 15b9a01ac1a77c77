# Sourced by the README's commands: they need root (apt-get, network namespaces, iptables). Run as
# root they go on; run as another user they run again through sudo. Debian's minimal images have no
# sudo, so root must not need it.
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo > /dev/null; then
    echo "$0: run this as root (there is no sudo here to do it for you)" >&2
    exit 2
  fi
  exec sudo "$0" "$@"
fi
