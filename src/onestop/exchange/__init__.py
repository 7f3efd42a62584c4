"""The data exchange: the directory of members, data services and access rights, the built-in
reference registries, the X-Road message protocol for REST (r1) on both sides, and the signed,
chained exchange log. See docs/decisions/0006-data-exchange.md."""
