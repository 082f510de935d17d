"""One pooled HTTP client per external service: WhatsApp (Evolution, Meta) and BrasilAPI."""
