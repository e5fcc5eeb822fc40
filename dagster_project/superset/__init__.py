"""Superset 6.1: its own runtime for the local stack (runtime.py) and the REST client (client.py)."""
