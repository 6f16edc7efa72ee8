"""The shared contract's harness on the real mail servers (Dovecot, aiosmtpd).

syncd's connector acts as the ``syncd`` mailbox; the human on the far side is the supplier,
who reads its own mailbox and answers over SMTP. A case exists only once syncd mails it (a
supplier cannot open one), so ``human_create`` has syncd open a case and the supplier answer
it: the case the poll then sees has a person's mail in it.
"""

from __future__ import annotations

import uuid
from typing import Any

from connectors.email import EmailConnector, EmailSettings
from syncd.model import IssueDraft, Ref
from tests.realservers.mail_actor import MailActor

INSTANCE = "suppliers"


def settings(info: dict[str, Any], user: str = "syncd", **kw: Any) -> EmailSettings:
    """The connector's settings on the test servers, as ``user``'s mailbox."""
    found = info["users"][user]
    base = {
        "kind": "email",
        "base_url": "https://webmail.acme.test",
        "address": found["address"],
        "imap_host": info["host"],
        "imap_port": info["imaps_port"],
        "imap_security": "tls",
        "imap_user": user,
        "imap_password": found["password"],
        "smtp_host": info["host"],
        "smtp_port": info["smtp_port"],
        "smtp_security": "starttls",
        "ca_file": info["ca_file"],
        "poll_interval": 1,
    }
    return EmailSettings.model_validate({**base, **kw})


class EmailHarness:
    """What the contract needs, on the real mail servers."""

    def __init__(self, info: dict[str, Any], user: str = "syncd") -> None:
        self.info = info
        self.user = user
        self.supplier = MailActor(info, "supplier")
        self.project = self.supplier.address
        self.connector = EmailConnector(INSTANCE, settings(info, user))
        self._spare: list[EmailConnector] = []

    def bad_auth(self) -> EmailConnector:
        conn = EmailConnector(INSTANCE, settings(self.info, self.user, imap_password="wrong"))
        self._spare.append(conn)
        return conn

    def case_mail(self, ref: Ref) -> Any:
        """The supplier's copy of the mail that opened case ``ref``."""
        return self.supplier.wait_for(
            lambda m: (
                f"[case {ref.key}]" in str(m["Subject"]) and not str(m["Subject"]).startswith("Re:")
            )
        )

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        made = self.connector.create_issue(
            self.project, IssueDraft(title=title, body=body or title), key=f"h-{uuid.uuid4().hex}"
        )
        self.human_comment(made.ref, f"Received: {title}", public=True)
        return made.ref

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        self.supplier.reply(self.case_mail(parent), body)
        # delivered once it is in syncd's inbox
        syncd = MailActor(self.info, self.user)
        syncd.wait_for(lambda m: body in plain_text(m))
        return parent

    def last_webhook(self) -> tuple[dict[str, str], bytes] | None:
        return None  # mail has no webhooks

    def missing(self) -> Ref:
        return Ref.issue(INSTANCE, "SYN-AAAAAAAAAA")

    def close(self) -> None:
        for conn in [self.connector, *self._spare]:
            conn.close()


def plain_text(msg: Any) -> str:
    try:  # the inbox holds hostile mail too (unknown charsets, broken MIME)
        part = msg.get_body(("plain",))
        return str(part.get_content()) if part is not None else ""
    except (LookupError, ValueError, KeyError, AttributeError):
        return ""
