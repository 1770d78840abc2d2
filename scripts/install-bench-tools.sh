#!/usr/bin/env bash
# Installs the Debian tools `npm run bench` measures Sluice against: redis-server and
# redis-tools (Redis Streams + redis-benchmark), nats-server (NATS JetStream), fio (disk
# fdatasync bandwidth) and kcat (a librdkafka producer/consumer). All five exist in Debian 12
# (bookworm): redis-server 7.0, nats-server 2.9, fio 3.33, kcat 1.7. Idempotent: a tool already
# on PATH is left alone. The benchmark skips (and reports as skipped) any peer still missing.
set -euo pipefail
# shellcheck source=apt-install-missing.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install-missing.sh"
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
command -v fio >/dev/null 2>&1 || missing+=(fio)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
[ ${#missing[@]} -eq 0 ] && exit 0
# The Debian redis-server package starts a system service on install; the benchmark runs its own
# instance on an ephemeral port, so stop the service if policy-rc.d did not prevent it.
apt_install_missing install-bench-tools "${missing[@]}"
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  $SUDO systemctl stop redis-server || true
fi
