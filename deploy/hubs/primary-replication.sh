#!/bin/sh
# Runs once, when the primary's data directory is first initialised (the postgres image's
# /docker-entrypoint-initdb.d): a role for the replicas' streaming connections, and pg_hba
# access for it. README, "Hubs": adding a hub.
set -eu
psql -v ON_ERROR_STOP=1 -v password="$REPLICATION_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
