"""The e-mail connector's own promises about its connections, against the real mail servers:
the crash between filing and sending, IDLE, both kinds of TLS, refused SMTP credentials, and
a case folder made anew."""

from __future__ import annotations

import os
import resource
import threading
import uuid
from typing import Any

import pytest

from connectors.email import EmailConnector
from connectors.email.poll import CURSOR, EmailCursor
from syncd.errors import AuthError, CursorError
from syncd.model import IssueDraft
from tests.realservers.mail_actor import MailActor

from .harness import INSTANCE, EmailHarness, settings

pytestmark = pytest.mark.realserver


def test_a_mail_filed_but_not_sent_is_sent_by_the_retry(info: dict[str, Any]) -> None:
    h = EmailHarness(info)
    refused = EmailConnector(
        INSTANCE, settings(info, smtp_user="syncd", smtp_password="not-the-password")
    )
    key = f"k-{uuid.uuid4().hex}"
    title = f"Crash between filing and sending {key[-6:]}"
    try:
        with pytest.raises(AuthError):  # filed, then SMTP refused: as if killed there
            refused.create_issue(h.project, IssueDraft(title=title, body="b"), key=key)
        found = h.connector.find_issue(h.project, key, None)
        assert found is not None
        h.supplier.wait_for(lambda m: str(m["Subject"]).startswith(title))
        assert h.connector.find_issue(h.project, key, None) == found  # nothing more to send
        assert len([m for m in h.supplier.messages() if title in str(m["Subject"])]) == 1
    finally:
        refused.close()
        h.close()


def _new_mail_wakes_the_wait(h: EmailHarness) -> None:
    """A wait for changes, begun before a supplier's mail arrives, ends saying there are."""
    conn = h.connector
    seen: list[bool] = []
    waiting = threading.Thread(target=lambda: seen.append(conn.wait_for_changes(60)))
    waiting.start()
    h.supplier.send(conn.settings.address, "wake up", "new mail")
    waiting.join(90)
    assert seen == [True]


def test_idle_says_when_new_mail_arrives(harness: EmailHarness) -> None:
    h = harness
    conn = h.connector
    assert conn.watcher.supported is None
    conn.wait_for_changes(0.2)  # opens the IDLE connection, asks for the capability
    assert conn.watcher.supported is True
    _new_mail_wakes_the_wait(h)


def test_idle_works_in_a_process_holding_many_descriptors(harness: EmailHarness) -> None:
    # a daemon's process may hold more than select()'s 1024 descriptors (connection pools,
    # sockets, files): the IDLE connection opened after them still wakes the poll
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 4096)
    if want < 1200:
        pytest.skip(f"the process may open only {hard} descriptors")
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    held: list[int] = []
    try:
        while len(held) < 1100:
            held.extend(os.pipe())
        h, conn = harness, harness.connector
        conn.wait_for_changes(0.2)  # opens the IDLE connection: past descriptor 1024
        assert conn.watcher.supported is True
        _new_mail_wakes_the_wait(h)
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_without_idle_the_wait_is_the_interval_and_polling_brings_mail(
    info: dict[str, Any],
) -> None:
    conn = EmailConnector(INSTANCE, settings(info, idle=False))
    try:
        assert conn.wait_for_changes(0.2) is False
        assert conn.watcher.supported is None  # no IDLE connection was opened
    finally:
        conn.close()


def test_implicit_tls_smtp_and_starttls_imap(info: dict[str, Any]) -> None:
    conn = EmailConnector(
        INSTANCE,
        settings(
            info,
            smtp_port=info["smtps_port"],
            smtp_security="tls",
            imap_port=info["imap_port"],
            imap_security="starttls",
        ),
    )
    supplier = MailActor(info, "supplier")
    try:
        assert "syncd" in conn.check()
        made = conn.create_issue(
            supplier.address, IssueDraft(title="Over SMTPS", body="b"), key=f"k-{uuid.uuid4().hex}"
        )
        supplier.wait_for(lambda m: f"[case {made.ref.key}]" in str(m["Subject"]))
    finally:
        conn.close()


def test_refused_smtp_credentials_are_an_auth_error(info: dict[str, Any]) -> None:
    conn = EmailConnector(INSTANCE, settings(info, smtp_user="syncd", smtp_password="wrong"))
    try:
        with pytest.raises(AuthError):
            conn.check()
    finally:
        conn.close()


def test_a_case_folder_made_anew_is_an_unreadable_cursor(harness: EmailHarness) -> None:
    conn = harness.connector
    state = CURSOR.load(conn.name, conn.poll(None).cursor or "")
    stale = CURSOR.dump(EmailCursor(validity=state.validity + 1, uid=state.uid))
    with pytest.raises(CursorError) as err:
        conn.poll(stale)
    assert "UIDVALIDITY" in str(err.value)
