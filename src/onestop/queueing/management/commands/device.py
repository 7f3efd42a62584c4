"""``onestop device register|revoke|list``: the kiosks and display boards of a centre."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from onestop.centres.models import Centre
from onestop.core.audit import SystemActor
from onestop.queueing.models import Device
from onestop.queueing.services.devices import device_register, device_revoke

ACTOR = SystemActor("device-command")


class Command(BaseCommand):
    help = "Register, revoke and list the kiosks and display boards of centres."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        register = sub.add_parser(
            "register", help="Register a device and print its address with the token, once."
        )
        register.add_argument("centre", help="centre code")
        register.add_argument("kind", choices=Device.Kind.values)
        register.add_argument("name", help="a name staff recognise, e.g. 'Entrance kiosk'")
        register.add_argument(
            "--base-url",
            default="",
            help="the site's address, e.g. https://onestop.example (else a path is printed)",
        )
        revoke = sub.add_parser(
            "revoke",
            help="Withdraw a device's registration (web servers refuse it within ONESTOP_DEVICE_AUTH_CACHE_SECONDS).",
        )
        revoke.add_argument("device_id", type=int)
        revoke.add_argument("--reason", default="")
        listing = sub.add_parser("list", help="List devices (of one centre).")
        listing.add_argument("centre", nargs="?", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "register":
            self._register(options["centre"], options["kind"], options["name"], options["base_url"])
        elif subcommand == "revoke":
            device = Device.objects.select_related("centre").filter(pk=options["device_id"]).first()
            if device is None:
                raise CommandError(f"no device with id {options['device_id']}")
            device_revoke(actor=ACTOR, device=device, reason=options["reason"])
            self.stdout.write(f"revoked device {device.pk} ({device})")
        else:
            devices = Device.objects.select_related("centre")
            if options["centre"]:
                devices = devices.filter(centre__code=options["centre"])
            for device in devices:
                state = "active" if device.is_active else "revoked"
                seen = device.last_seen_at.isoformat(timespec="seconds") if device.last_seen_at else "never"
                self.stdout.write(
                    f"{device.pk}\t{device.centre.code}\t{device.kind}\t{state}\t{seen}\t{device.name}"
                )

    def _register(self, code: str, kind: str, name: str, base_url: str) -> None:
        centre = Centre.objects.filter(code=code).first()
        if centre is None:
            raise CommandError(f"no centre with code {code!r}")
        try:
            device, token = device_register(actor=ACTOR, centre=centre, kind=kind, name=name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        path = reverse(
            "queueing:kiosk" if kind == Device.Kind.KIOSK else "queueing:board", args=[centre.code]
        )
        self.stdout.write(
            f"Registered {device.get_kind_display().lower()} {device.pk} “{device.name}” of {centre.code}."
        )
        self.stdout.write("Open this address once on the device (the token is not shown again):")
        self.stdout.write(f"{base_url.rstrip('/')}{path}?token={token}")
