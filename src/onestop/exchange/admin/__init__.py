"""Administration of the exchange directory: member subsystems, data services, purposes and access
rights, and a read-only view of the exchange log.

Every add, change and delete calls the matching ``exchange.services`` function, so each is one
audited transaction and drops the directory snapshot, exactly as from code. The forms check what
those functions would refuse, so a bad entry comes back as a form error rather than a failure.
An access right is never deleted: it is revoked, with a reason, and stays as the record of what
was allowed. The built-in registries are published with a form that runs ``directory_bootstrap``.

The built-in registries' records have no admin: reading a citizen's records here would be an
access to their data that no exchange log entry, and so no data tracker, would show.
"""

# Importing the modules registers their admins.
from onestop.exchange.admin import data_services, log, members, purposes, rights

__all__ = ["data_services", "log", "members", "purposes", "rights"]
