"""Infrastructure every feature stands on: settings, database and queue wiring, logs, metrics, encryption, the clock, proxies and host names, health and backups."""
