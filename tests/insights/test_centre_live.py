"""The centre manager's live view: who may see it, the figures it shows (from ticket events), the
htmx refresh partial and the counter work-profile forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from onestop.core.models import AuditEvent
from onestop.queueing.models import CounterQueue
from tests.factories.queueing import TicketFactory

pytestmark = pytest.mark.django_db


def _live(centre) -> str:
    return reverse("insights:centre", args=[centre.code])


def _profile_url(counter) -> str:
    return reverse("insights:counter_profile", args=[counter.centre.code, counter.number])


@pytest.fixture
def noon(time_machine):
    """A working day's noon at the centre, set before the front office is made (request it first):
    "50 minutes ago" must be the same local day, which it is not when the suite runs just after
    midnight in Almaty."""
    time_machine.move_to("2026-03-10 12:00:00+05:00")


def test_manager_sees_the_live_figures_of_their_centre(noon, client, manager_a, front_office):
    now = timezone.now()
    TicketFactory(queue=front_office.queue_a, issued_at=now - timedelta(minutes=30))
    TicketFactory(queue=front_office.queue_b, issued_at=now - timedelta(minutes=3))
    TicketFactory(
        queue=front_office.queue_a,
        done=True,
        issued_at=now - timedelta(minutes=50),
        counter=front_office.counter2,
    )
    client.force_login(manager_a)
    response = client.get(_live(front_office.centre))
    assert response.status_code == 200
    body = response.content.decode()
    ctx = response.context
    assert [(q.prefix, n) for q, n in ctx["queue_rows"]] == [("A", 1), ("B", 1)]
    assert ctx["served"] == 1
    assert ctx["longest_wait"].startswith("30.")  # the A ticket waiting for 30 minutes
    assert ctx["mean_wait"] == "5.0 min" and ctx["mean_service"] == "8.0 min"  # the factory's done ticket
    assert ctx["share_within_target"] == "100 %"
    # Counter 1 is open (operator_a signed in) and idle; 2 and 3 closed.
    assert (ctx["counters_open"], ctx["counters_idle"], ctx["counters_serving"]) == (1, 1, 0)
    assert "Waiting per queue" in body and "<caption>" in body
    assert 'hx-trigger="every 5s"' in body


def test_counter_serving_a_ticket_counts_as_serving(client, manager_a, front_office):
    TicketFactory(queue=front_office.queue_a, called=True, counter=front_office.counter1)
    client.force_login(manager_a)
    ctx = client.get(_live(front_office.centre)).context
    assert (ctx["counters_open"], ctx["counters_idle"], ctx["counters_serving"]) == (1, 0, 1)


def test_figures_partial_is_the_refreshing_fragment(client, manager_a, front_office):
    client.force_login(manager_a)
    response = client.get(reverse("insights:centre_figures", args=[front_office.centre.code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="figures"')
    assert "<html" not in body


def test_manager_of_centre_b_cannot_see_centre_a(client, centre_a, centre_b):
    from onestop.people.models import Role
    from tests.factories.people import RoleMembershipFactory

    manager_b = RoleMembershipFactory(role=Role.CENTRE_MANAGER, centre=centre_b).user
    client.force_login(manager_b)
    assert client.get(_live(centre_a)).status_code == 403
    assert client.get(reverse("insights:centre_figures", args=[centre_a.code])).status_code == 403
    assert client.get(_live(centre_b)).status_code == 200


@pytest.mark.parametrize("persona", ["operator_a", "outsider", "officer_a"])
def test_staff_other_than_managers_and_national_roles_cannot_see_the_live_view(
    client, request, persona, centre_a
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_live(centre_a)).status_code == 403
    assert client.get(reverse("insights:index")).status_code == 403


@pytest.mark.parametrize("persona", ["coordinator", "administrator"])
def test_national_roles_see_every_centre(client, request, persona, centre_a, centre_b):
    client.force_login(request.getfixturevalue(persona))
    body = client.get(reverse("insights:index")).content.decode()
    assert "Centre A" in body and "Centre B" in body
    assert client.get(_live(centre_b)).status_code == 200


def test_index_lists_only_the_managers_centres(client, manager_a, centre_a, centre_b):
    client.force_login(manager_a)
    body = client.get(reverse("insights:index")).content.decode()
    assert _live(centre_a) in body
    assert _live(centre_b) not in body


def test_anonymous_is_sent_to_sign_in(client, centre_a):
    response = client.get(_live(centre_a))
    assert response.status_code == 302
    assert reverse("people:login") in response["Location"]


def test_unknown_centre_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("insights:centre", args=["NOPE"])).status_code == 404


# --- work profiles -------------------------------------------------------------------------------


def _profile(counter) -> list[str]:
    return list(
        CounterQueue.objects.filter(counter=counter)
        .order_by("position")
        .values_list("queue__prefix", flat=True)
    )


def test_manager_sets_a_counters_queues_and_their_order(client, manager_a, front_office):
    client.force_login(manager_a)
    counter = front_office.counter3
    prefix = f"counter-{counter.pk}"
    response = client.post(
        _profile_url(counter),
        {f"{prefix}-queue_{front_office.queue_a.pk}": "1", f"{prefix}-queue_{front_office.queue_b.pk}": "2"},
    )
    assert response.status_code == 302
    assert _profile(counter) == ["A", "B"]
    assert AuditEvent.objects.filter(action="counter.work_profile_set").count() == 1


def test_profile_form_shows_the_current_order(client, manager_a, front_office):
    client.force_login(manager_a)
    forms = client.get(_live(front_office.centre)).context["profile_forms"]
    counter2 = next(f for f in forms if f.counter == front_office.counter2)
    assert counter2[f"queue_{front_office.queue_b.pk}"].initial == "1"
    assert counter2[f"queue_{front_office.queue_a.pk}"].initial == "2"


def test_two_queues_in_the_same_place_is_refused_with_a_message(client, manager_a, front_office):
    client.force_login(manager_a)
    counter = front_office.counter1
    prefix = f"counter-{counter.pk}"
    response = client.post(
        _profile_url(counter),
        {f"{prefix}-queue_{front_office.queue_a.pk}": "1", f"{prefix}-queue_{front_office.queue_b.pk}": "1"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Give each queue its own place." in body
    assert _profile(counter) == ["A", "B"]  # unchanged


def test_coordinator_sees_figures_but_cannot_change_profiles(client, coordinator, front_office):
    client.force_login(coordinator)
    response = client.get(_live(front_office.centre))
    assert response.status_code == 200
    assert "profile_forms" not in response.context
    counter = front_office.counter1
    response = client.post(
        _profile_url(counter), {f"counter-{counter.pk}-queue_{front_office.queue_b.pk}": "1"}
    )
    assert response.status_code == 403
    assert _profile(counter) == ["A", "B"]


def test_manager_of_centre_b_cannot_change_centre_a_profiles(client, front_office, centre_b):
    from onestop.people.models import Role
    from tests.factories.people import RoleMembershipFactory

    client.force_login(RoleMembershipFactory(role=Role.CENTRE_MANAGER, centre=centre_b).user)
    assert client.post(_profile_url(front_office.counter1), {}).status_code == 403
    assert _profile(front_office.counter1) == ["A", "B"]


# --- the staff home page links to the new screens ----------------------------------------------


def test_home_links_operators_to_the_desk_and_managers_to_their_live_view(
    client, operator_a, manager_a, centre_a
):
    client.force_login(operator_a)
    assert reverse("desk:console") in client.get(reverse("people:home")).content.decode()
    client.force_login(manager_a)
    assert _live(centre_a) in client.get(reverse("people:home")).content.decode()
