"""AgentNFe: NFS-e issued from WhatsApp conversations, managed by accounting firms.

The application factory is agentnfe.app.create_app; importing this package loads nothing else."""
