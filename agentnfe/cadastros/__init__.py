"""The registry of empresas, tomadores and services: validation of what the firm types, the CSV import, the profiles behind each phone and the municipalities' convênios."""
