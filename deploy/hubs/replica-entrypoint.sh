#!/bin/sh
# A hub's read replica: on first start, seed the data directory from the primary with
# pg_basebackup -R (a copy plus standby.signal and primary_conninfo), then run PostgreSQL
# as a hot standby streaming from it. README, "Hubs": adding a hub.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_basebackup --host="$PRIMARY_HOST" --username=replicator --pgdata="$PGDATA" \
        --write-recovery-conf --wal-method=stream --checkpoint=fast; do
        echo "replica: the primary is not ready yet; retrying in 2 s" >&2
        rm -rf "$PGDATA"
        sleep 2
    done
    chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
