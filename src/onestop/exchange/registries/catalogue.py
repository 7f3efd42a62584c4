"""Every built-in registry module, imported so their handlers register (filled in by the registries)."""
