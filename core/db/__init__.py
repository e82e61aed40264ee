"""Persistence: SQLAlchemy models, engine with automatic migrations, repository and unit of work."""
