"""Flask-Admin back-office for accountants and support staff: views, login, tenant scoping, dashboard."""
