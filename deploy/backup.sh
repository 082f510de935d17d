#!/usr/bin/env bash
# Nightly backup (cron or a systemd timer) with `python -m agentnfe backup`: database (pg_dump -Fc in server
# mode), encryption key and stored PDFs in one tar.gz with checksums; restore with `python -m agentnfe restore`.
# Usage: backup.sh [DEST_DIR]   (default /var/backups/agentnfe; keeps the newest 14)
set -euo pipefail
set -a
# shellcheck disable=SC1091
[ -f /etc/agentnfe/agentnfe.env ] && . /etc/agentnfe/agentnfe.env
set +a
cd /opt/agentnfe
exec /opt/agentnfe/.venv/bin/python -m agentnfe backup --dest "${1:-/var/backups/agentnfe}" --keep 14
