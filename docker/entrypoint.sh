#!/bin/sh
# The cluster (Hazelcast and the event bus) must announce an address other containers can reach:
# this container's own, unless PULSE_CLUSTER_HOST says otherwise.
set -e
if [ -z "${PULSE_CLUSTER_HOST:-}" ]; then
  PULSE_CLUSTER_HOST="$(hostname -i | awk '{print $1}')"
  export PULSE_CLUSTER_HOST
fi
# shellcheck disable=SC2086
exec java $JAVA_OPTS -jar /app/pulse.jar "$@"
