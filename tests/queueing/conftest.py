"""Front-office fixtures.

``front_office``: centre A with two queues (A: two services, B: one service) and three counters —
counter 1 serves A then B, counter 2 serves B then A, counter 3 serves B only — with the persona
``operator_a`` signed in to counter 1. ``other_operator`` is a second operator of centre A (not
signed in anywhere).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from onestop.catalog.models import Service
from onestop.centres.models import Centre, Counter
from onestop.people.models import Role, User
from onestop.queueing.models import CounterQueue, CounterSession, Queue
from tests.factories.catalog import ServiceFactory
from tests.factories.centres import CounterFactory
from tests.factories.people import RoleMembershipFactory
from tests.factories.queueing import CounterSessionFactory, QueueFactory


@dataclass
class FrontOffice:
    centre: Centre
    queue_a: Queue
    queue_b: Queue
    counter1: Counter
    counter2: Counter
    counter3: Counter
    services_a: list[Service]
    service_b: Service
    operator: User
    session: CounterSession


@pytest.fixture
def front_office(centre_a, operator_a) -> FrontOffice:
    services_a = [ServiceFactory(), ServiceFactory()]
    service_b = ServiceFactory()
    queue_a = QueueFactory(
        centre=centre_a, prefix="A", name="Civil registration", position=0, services=services_a
    )
    queue_b = QueueFactory(centre=centre_a, prefix="B", name="Property", position=1, services=[service_b])
    counters = [CounterFactory(centre=centre_a, number=n) for n in (1, 2, 3)]
    profiles = [[queue_a, queue_b], [queue_b, queue_a], [queue_b]]
    CounterQueue.objects.bulk_create(
        CounterQueue(counter=counter, queue=queue, position=i)
        for counter, queues in zip(counters, profiles, strict=True)
        for i, queue in enumerate(queues)
    )
    session = CounterSessionFactory(counter=counters[0], operator=operator_a, started_at=timezone.now())
    return FrontOffice(
        centre=centre_a,
        queue_a=queue_a,
        queue_b=queue_b,
        counter1=counters[0],
        counter2=counters[1],
        counter3=counters[2],
        services_a=services_a,
        service_b=service_b,
        operator=operator_a,
        session=session,
    )


@pytest.fixture
def other_operator(centre_a) -> User:
    return RoleMembershipFactory(user__username="operator_a2", role=Role.OPERATOR, centre=centre_a).user


@pytest.fixture
def operator_b(centre_b) -> User:
    return RoleMembershipFactory(user__username="operator_b", role=Role.OPERATOR, centre=centre_b).user
