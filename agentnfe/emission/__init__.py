"""Emission service: the only writer of notes; gateways, certificates and PDF links."""
