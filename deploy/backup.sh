#!/usr/bin/env bash
# Nightly backup (cron or a systemd timer): database dump plus the data dir (keys, stored PDFs).
# Usage: backup.sh [DEST_DIR]   (default /var/backups/agentnfe; keeps 14 days)
set -euo pipefail
set -a
# shellcheck disable=SC1091
[ -f /etc/agentnfe/agentnfe.env ] && . /etc/agentnfe/agentnfe.env
set +a
dest="${1:-/var/backups/agentnfe}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dest"
umask 077
if [[ "${DATABASE_URL:-}" == postgresql* ]]; then
  pg_dump --format=custom --file="$dest/agentnfe-$stamp.dump" "${DATABASE_URL/+psycopg/}"
else
  sqlite3 "${AGENTNFE_DATA_DIR:?}/agentnfe.db" ".backup '$dest/agentnfe-$stamp.db'"
fi
tar --exclude='cache' --exclude='agentnfe.db*' -czf "$dest/agentnfe-data-$stamp.tar.gz" -C "${AGENTNFE_DATA_DIR:?}" .
find "$dest" -name 'agentnfe-*' -mtime +14 -delete
echo "backup written to $dest ($stamp)"
