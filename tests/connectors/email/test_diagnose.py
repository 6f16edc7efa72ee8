"""``syncd connectors test`` for a mailbox, against the real mail servers."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.email import EmailConnector
from syncd.connector import CheckStatus, DiagnoseContext, ProjectUse

from .harness import INSTANCE, settings

pytestmark = pytest.mark.realserver


def _run(info: dict[str, Any], context: DiagnoseContext, **kw: Any) -> dict[str, CheckStatus]:
    conn = EmailConnector(INSTANCE, settings(info, **kw))
    try:
        return {f.check: f.status for f in conn.diagnose(context)}
    finally:
        conn.close()


def test_a_ready_mailbox_passes(info: dict[str, Any]) -> None:
    context = DiagnoseContext(projects=(ProjectUse("help@supplier.test", ("supplier",)),))
    found = _run(info, context)
    assert found["IMAP login"] == found["SMTP login"] == CheckStatus.OK
    assert found["UIDPLUS"] == found["IDLE"] == found["case folder"] == CheckStatus.OK
    assert found["supplier help@supplier.test"] == CheckStatus.OK
    assert CheckStatus.MISSING not in found.values()


def test_what_is_missing_is_named(info: dict[str, Any]) -> None:
    context = DiagnoseContext(projects=(ProjectUse("acme/widgets", ("oops",)),))
    found = _run(info, context, smtp_user="syncd", smtp_password="wrong", idle=False)
    assert found["SMTP login"] == CheckStatus.MISSING
    assert found["IDLE"] == CheckStatus.WARNING
    assert found["supplier acme/widgets"] == CheckStatus.MISSING
    assert _run(info, context, imap_password="wrong") == {"IMAP login": CheckStatus.MISSING}
