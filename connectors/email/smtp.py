"""SMTP submission for one mailbox, over the standard library (smtplib): STARTTLS or TLS from
the first byte, always with AUTH. Refused credentials are ``AuthError``; a 4xx reply, a
dropped connection or a timeout ``TransientError``; a 5xx reply (a refused recipient among
them) or a server without STARTTLS or AUTH ``PermanentError``.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from syncd.errors import AuthError, PermanentError, RemoteError, TransientError

from .client import tls_context, transport_error
from .settings import EmailSettings


class Sender:
    """syncd's SMTP submission account."""

    def __init__(self, name: str, settings: EmailSettings) -> None:
        self.name = name
        self.settings = settings

    @contextmanager
    def session(self) -> Iterator[smtplib.SMTP]:
        s = self.settings
        where = f"{self.name}: SMTP {s.smtp_host}:{s.smtp_port}"
        user, password = s.smtp_login()
        try:
            if s.smtp_security == "tls":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.timeout, context=tls_context(s)
                )
            else:
                conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
                conn.starttls(context=tls_context(s))
            conn.login(user, password)
        except smtplib.SMTPAuthenticationError as exc:
            raise AuthError(f"{where}: login refused for {user}: {exc.smtp_code}") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentError(f"{where}: {exc} (STARTTLS and AUTH are required)") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _smtp(where, exc) from None
        try:
            yield conn
        except (smtplib.SMTPException, OSError) as exc:
            raise _smtp(where, exc) from None
        finally:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    def send(self, raw: bytes, to: str) -> None:
        """Submit ``raw`` to ``to`` from syncd's address."""
        with self.session() as conn:
            conn.sendmail(self.settings.address, [to], raw)

    def check(self) -> None:
        with self.session() as conn:
            conn.noop()


def _smtp(where: str, exc: BaseException) -> RemoteError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(400 <= c < 500 for c in codes):
            return TransientError(f"{where}: recipient deferred: {codes}")
        return PermanentError(f"{where}: recipient refused: {codes}")
    if isinstance(exc, smtplib.SMTPResponseException):
        kind = TransientError if 400 <= exc.smtp_code < 500 else PermanentError
        return kind(f"{where}: {exc.smtp_code} {exc.smtp_error[:120]!r}")
    if isinstance(exc, (smtplib.SMTPServerDisconnected, socket.timeout, OSError)):
        return transport_error(where, exc)
    return PermanentError(f"{where}: {type(exc).__name__}: {exc}"[:300])
