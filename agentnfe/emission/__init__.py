"""Notes: the emission kernel, its writer (`registro`), gateways, certificates and PDF links."""
