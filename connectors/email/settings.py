"""Typed settings of an e-mail supplier connector instance (``kind: email``).

One instance is one mailbox of syncd's (``address``): cases go out from it over SMTP and the
suppliers' replies come back into it, read over IMAP. A route targets a supplier by address:
``target: {connector: suppliers, project: help@supplier.example}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from syncd.connector import ConnectorSettings

Security = Literal["tls", "starttls"]

CASE_TEMPLATE = """Hello,

{{ body }}

Please reply to this message and keep {{ reference }} in the subject.
When the case is solved on your side, write {{ resolve_hint }}.

-- \n{{ sender }}
"""

STATUS_TEMPLATE = """{% if closed %}We have closed {{ reference }} on our side\
{% if status == "wont_do" %} without a fix{% endif %}: no further answer is needed.\
{% else %}We have reopened {{ reference }}: the problem is back. Please have another look.\
{% endif %}

-- \n{{ sender }}
"""

COMMENT_TEMPLATE = """{{ body }}

-- \n{{ sender }} ({{ reference }})
"""


class EmailSettings(ConnectorSettings):
    """Mailbox, servers, credentials and the rules of the case references."""

    kind: Literal["email"] = "email"
    # where people read syncd's mailbox on the web (webmail): links to a case point there,
    # ``case_url`` says how (``{base_url}``, ``{reference}``)
    base_url: str
    case_url: str = "{base_url}/?_task=mail&_mbox=syncd&_search={reference}"
    # mail has no webhooks: replies are read over IMAP (IDLE wakes the poll, see ``idle``)
    webhooks: bool = False
    # syncd's address: the From of every case mail, where suppliers reply
    address: str
    display_name: str = "Support"
    # IMAP: TLS from the first byte (993) or STARTTLS (143); plain text is refused
    imap_host: str
    imap_port: int = Field(default=993, gt=0, lt=65536)
    imap_security: Security = "tls"
    imap_user: str
    imap_password: SecretStr | None = None
    imap_password_file: Path | None = None
    # SMTP submission: STARTTLS (587) or TLS (465), with AUTH; the IMAP account when unset
    smtp_host: str
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_security: Security = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_password_file: Path | None = None
    # a CA bundle for servers with a private CA (None: the system's)
    ca_file: Path | None = None
    # the folder replies arrive in, and the folder where syncd files each case's mail
    inbox: str = "INBOX"
    case_folder: str = "syncd"
    # wait for new mail with IMAP IDLE between polls (servers without IDLE: polling only)
    idle: bool = True
    # the case reference in subjects: ``[case SYN-XXXXXXXXXX]``, the id 50 random bits
    reference_prefix: str = Field(default="SYN", pattern=r"^[A-Z][A-Z0-9]{0,9}$")
    # who may answer a case: ``domain``, anyone at the supplier's domain (help@ -> jane@);
    # ``address``, only the supplier address the case went to
    reply_from: Literal["domain", "address"] = "domain"
    # a reply marks the case resolved (the ticket is handed back) when its subject carries
    # one of ``resolve_tags`` or a line of its new text starts with one of ``resolve_keywords``
    resolve_tags: list[str] = Field(default_factory=lambda: ["[resolved]"])
    resolve_keywords: list[str] = Field(default_factory=lambda: ["#resolved"])
    # a larger message is filed truncated (the original stays in the inbox)
    max_message_bytes: int = Field(default=5_000_000, ge=10_000)
    # suppliers are third parties: the outgoing-text gate redacts toward them (false: never)
    public: bool = True
    # jinja2 templates of the mail bodies (``body``, ``reference``, ``title``, ``sender``,
    # ``resolve_hint``, ``priority``)
    case_template: str = CASE_TEMPLATE
    comment_template: str = COMMENT_TEMPLATE
    # tell the supplier when syncd closes or reopens a case (``status_template``: ``status``,
    # ``closed``, ``reference``, ``title``, ``sender``)
    notify_status: bool = True
    status_template: str = STATUS_TEMPLATE

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if value.count("@") != 1 or not all(value.split("@")):
            raise ValueError("not an e-mail address (name@domain)")
        return value.strip()

    @model_validator(mode="after")
    def _resolving(self) -> EmailSettings:
        if not self.resolve_tags and not self.resolve_keywords:
            raise ValueError("give resolve_tags or resolve_keywords: else no case ever ends")
        return self

    @property
    def domain(self) -> str:
        return self.address.split("@", 1)[1].lower()

    def imap_secret(self) -> str:
        return self.secret("imap_password") or ""

    def smtp_login(self) -> tuple[str, str]:
        """The SMTP account: its own, else the IMAP one."""
        password = self.secret("smtp_password", required=False)
        if password is None:
            return self.smtp_user or self.imap_user, self.imap_secret()
        return self.smtp_user or self.imap_user, password
