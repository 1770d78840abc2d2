#!/usr/bin/env bash
# Installs the Debian tools the integration tests drive: kcat (librdkafka's CLI), rsyslog with
# its omkafka output (rsyslog-kafka, for the docs/log-ingest.md recipe), the lz4 and zstd CLIs
# (they must decode what our codecs write), etcd (etcd-server, the metadata store of cluster
# mode; the cluster tests start their own throwaway etcd) and iptables (the network-partition
# tests cut links between loopback addresses), and the python Kafka clients python3-kafka
# (kafka-python) and python3-confluent-kafka (over librdkafka), whose admin, producer and consumer
# calls the python interop tests run (packages/broker/test/integration/python-admin.test.ts,
# with Debian's /usr/bin/python3). Runs before `npm test`
# and in .ci/run. Tests that need a tool fail loudly when it is absent; this script is what makes
# it present.
set -euo pipefail
# shellcheck source=apt-install-missing.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install-missing.sh"
missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
{ command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ]; } || missing+=(iptables)
# The reference CLIs that must decode our lz4 and zstd output (protocol compression tests).
[ -x /usr/bin/lz4 ] || missing+=(lz4)
[ -x /usr/bin/zstd ] || missing+=(zstd)
{ command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ]; } || missing+=(rsyslog)
# omkafka ships as a module file; its path is arch-specific (/usr/lib/<triplet>/rsyslog/omkafka.so).
compgen -G '/usr/lib/*/rsyslog/omkafka.so' >/dev/null || compgen -G '/usr/lib/rsyslog/omkafka.so' >/dev/null || missing+=(rsyslog-kafka)
# The Debian modules are installed for /usr/bin/python3 only (a pyenv python3 on PATH lacks them).
/usr/bin/python3 -c 'import kafka' >/dev/null 2>&1 || missing+=(python3-kafka)
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || missing+=(python3-confluent-kafka)
# rsyslog recommends logrotate and more; the tests need none of it. The tests run rsyslogd
# themselves in the foreground (in containers without systemd nothing starts on install).
apt_install_missing install-test-tools "${missing[@]}"
