"""The work-profile form of one counter: for each queue of the centre, whether the counter serves
it and in which order."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.centres.models import Counter
from onestop.queueing.models import Queue


class WorkProfileForm(forms.Form):
    """One select per queue ("Not served", "1st", "2nd", …). Fields are named ``queue_<id>`` under
    the prefix ``counter-<id>`` so that every counter's form on the page has its own field ids."""

    def __init__(
        self, *args: Any, counter: Counter, queues: list[Queue], current: dict[int, int], **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", f"counter-{counter.pk}")
        super().__init__(*args, **kwargs)
        self.counter = counter
        self.queues = queues
        choices = [("", _("Not served"))] + [(str(i), str(i)) for i in range(1, len(queues) + 1)]
        for queue in queues:
            position = current.get(queue.pk)
            self.fields[f"queue_{queue.pk}"] = forms.ChoiceField(
                label=str(queue),
                choices=choices,
                required=False,
                initial=str(position + 1) if position is not None else "",
                error_messages={"invalid_choice": _("Choose an order from the list.")},
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        taken: dict[str, str] = {}
        for queue in self.queues:
            order = cleaned.get(f"queue_{queue.pk}")
            if not order:
                continue
            if order in taken:
                self.add_error(
                    f"queue_{queue.pk}",
                    _("%(queue)s has the same order as %(other)s. Give each queue its own place.")
                    % {"queue": queue, "other": taken[order]},
                )
            taken[order] = str(queue)
        return cleaned

    def ordered_queues(self) -> list[Queue]:
        """The chosen queues in the order the counter serves them."""
        chosen = [
            (int(self.cleaned_data[f"queue_{q.pk}"]), q)
            for q in self.queues
            if self.cleaned_data.get(f"queue_{q.pk}")
        ]
        return [queue for _, queue in sorted(chosen, key=lambda pair: pair[0])]
