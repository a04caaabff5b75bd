#!/bin/sh
# Starts a Pulse node in a container. Configuration comes from the environment: PulseConfig itself reads
# PULSE_* and the short names (KAFKA_BOOTSTRAP_SERVERS, DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, ...),
# so nothing is translated here.
set -e
PULSE_UID=10001
PULSE_GID=10001
lake="${PULSE_LAKE_DIR:-/data/lake}"

if [ "$(id -u)" = 0 ]; then
  # docker-compose bind-mounts the host's ./data/lake here; Docker creates it owned by root when it is missing.
  # Hand that one folder (not the files of an existing lake) to pulse, then drop root for good.
  mkdir -p "$lake"
  if ! setpriv --reuid="$PULSE_UID" --regid="$PULSE_GID" --clear-groups test -w "$lake"; then
    chown "$PULSE_UID:$PULSE_GID" "$lake"
  fi
  export HOME=/app
  exec setpriv --reuid="$PULSE_UID" --regid="$PULSE_GID" --clear-groups "$0" "$@"
fi

# Any other user (docker run --user, rootless setups): say what to fix instead of failing at the first lake roll.
# Only the node that writes the lake needs it.
case ",${PULSE_ROLES:-lake-writer}," in
  *,lake-writer,*)
    if [ ! -w "$lake" ]; then
      echo "pulse: the lake folder $lake is not writable by uid $(id -u): make its host folder (./data/lake in" \
        "docker-compose.yml) writable for that uid, e.g. sudo chown $(id -u) data/lake" >&2
      exit 1
    fi
    ;;
esac

# The cluster (Hazelcast and the event bus) must announce an address other containers can reach:
# this container's own, unless PULSE_CLUSTER_HOST says otherwise.
if [ -z "${PULSE_CLUSTER_HOST:-}" ]; then
  PULSE_CLUSTER_HOST="$(hostname -i | awk '{print $1}')"
  export PULSE_CLUSTER_HOST
fi
# shellcheck disable=SC2086
exec java $JAVA_OPTS -jar /app/pulse.jar "$@"
