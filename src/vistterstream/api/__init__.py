"""HTTP API: one router per resource; schemas in schemas.py; errors mapped once in errors.py."""
