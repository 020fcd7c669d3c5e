#!/bin/sh
# Create Temporal's two PostgreSQL databases and bring their schemas up to date (idempotent).
set -eu
for db in temporal temporal_visibility; do
  case "$db" in
    temporal) schema=temporal ;;
    *) schema=visibility ;;
  esac
  sql="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -p ${DB_PORT} -u ${POSTGRES_USER} --pw ${POSTGRES_PWD} --db ${db}"
  $sql create || true
  $sql setup-schema -v 0.0 || true
  $sql update-schema -d "/etc/temporal/schema/postgresql/v12/${schema}/versioned"
done
