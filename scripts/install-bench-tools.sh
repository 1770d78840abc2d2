#!/usr/bin/env bash
# Installs the Debian tools `npm run bench` measures Sluice against: redis-server and
# redis-tools (Redis Streams + redis-benchmark), nats-server (NATS JetStream), rabbitmq-server
# (RabbitMQ streams, its rabbitmq_stream plugin), fio (disk fdatasync bandwidth) and kcat (a
# librdkafka producer/consumer). All six exist in Debian 12 (bookworm): redis-server 7.0,
# nats-server 2.9, rabbitmq-server 3.10, fio 3.33, kcat 1.7. Idempotent: a tool already on PATH
# (rabbitmq-server: in /usr/sbin, off a non-root PATH) is left alone. The benchmark skips (and reports as skipped) any peer still missing.
set -euo pipefail
# shellcheck source=apt-install-missing.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install-missing.sh"
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
command -v fio >/dev/null 2>&1 || missing+=(fio)
[ -x /usr/sbin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
[ ${#missing[@]} -eq 0 ] && exit 0
# The Debian redis-server and rabbitmq-server packages start system services on install; the
# benchmark runs its own instances on ephemeral ports, so stop the services if policy-rc.d did
# not prevent them.
apt_install_missing install-bench-tools "${missing[@]}"
if command -v systemctl >/dev/null 2>&1; then
  for service in redis-server rabbitmq-server; do
    if systemctl is-active --quiet "$service" 2>/dev/null; then $SUDO systemctl stop "$service" || true; fi
  done
fi
