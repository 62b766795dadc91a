"""PostgreSQL adapter: SQLAlchemy Core repositories, the unit of work, migrations and health checks.

The declarative models in `models` are the schema's source of truth (Alembic compares them with the
database); repositories use their tables with SQLAlchemy Core and map rows to domain objects by hand.
"""
