"""Persona fixtures shared by the suite (filled in by the people app's tests)."""
