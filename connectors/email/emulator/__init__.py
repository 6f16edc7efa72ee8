"""An in-process mail provider for tests, the demo and ``syncd emulate email``.

The same files as every system's emulator, for a vendor that speaks IMAP and SMTP rather
than HTTP: ``app`` (the emulator: its servers, the webmail and control app, ``build``),
``routes`` (the IMAP commands, as Dovecot answers them; the selected state's in
``selected``), ``state`` (the mail store), ``records`` (accounts, folders, messages),
``render`` (FETCH answers) and ``actor`` (a supplier, and the :data:`KIT` the demo and the
tests use); ``imap`` and ``wire`` serve IMAP (``syntax``: its grammar, ``search``: SEARCH),
``smtp`` the submission servers (aiosmtpd), ``tls`` the certificate.
"""

from __future__ import annotations

from .actor import KIT, SupplierActor, config
from .app import MailEmulator, build

__all__ = ["KIT", "MailEmulator", "SupplierActor", "build", "config"]
