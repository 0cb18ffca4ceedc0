"""Persistence: SQLAlchemy models, database bootstrap and migrations, secret encryption."""
