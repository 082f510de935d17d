"""Flask-Admin model views for accountants and support, each scoped to the user's firm."""
