#!/usr/bin/env bash
# Installs the Debian tools the integration tests drive: kcat (librdkafka's CLI) and rsyslog with
# its omkafka output (rsyslog-kafka, for the docs/log-ingest.md recipe). Runs before `npm test`
# and in .ci/run. Tests that need a tool fail loudly when it is absent; this script is what makes
# it present.
set -euo pipefail
missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
{ command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ]; } || missing+=(rsyslog)
# omkafka ships as a module file; its path is arch-specific (/usr/lib/<triplet>/rsyslog/omkafka.so).
compgen -G '/usr/lib/*/rsyslog/omkafka.so' >/dev/null || compgen -G '/usr/lib/rsyslog/omkafka.so' >/dev/null || missing+=(rsyslog-kafka)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "install-test-tools: missing ${missing[*]}; install them (apt-get install -y ${missing[*]}) and rerun" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "install-test-tools: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# --no-install-recommends: rsyslog recommends logrotate and more; the tests need none of it.
# policy-rc.d-free: the tests run rsyslogd themselves in the foreground; installing must not
# leave a system rsyslogd running (in containers without systemd nothing starts anyway).
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
