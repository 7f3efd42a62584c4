"""The desk tests reuse the front-office fixture (centre A with queues A and B, three counters with
work profiles, ``operator_a`` signed in to counter 1)."""

from tests.queueing.conftest import front_office, operator_b, other_operator

__all__ = ["front_office", "operator_b", "other_operator"]
