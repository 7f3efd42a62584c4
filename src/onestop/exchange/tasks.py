"""Periodic jobs of the exchange (filled in below)."""
