"""NFS-e gateways behind one interface: mock and PlugNotas."""
