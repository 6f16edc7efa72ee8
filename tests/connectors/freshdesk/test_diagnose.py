"""``syncd connectors test`` for Freshdesk against the emulator: each check's finding, and
the fix it gives, for a set-up that is right and for each thing that can be wrong."""

from __future__ import annotations

from typing import Any

from connectors.freshdesk import factory
from syncd.connector import CheckStatus, DiagnoseContext, FieldUse, Finding

from .conftest import INSTANCE, FreshdeskHarness, settings_for

HOOK = "https://syncd.example.com/webhooks/fd"


def _run(harness: FreshdeskHarness, context: DiagnoseContext, **over: Any) -> dict[str, Finding]:
    conn = factory(INSTANCE, settings_for(harness.url, **over), harness.http)
    return {f.check: f for f in conn.diagnose(context)}


def test_a_right_set_up_is_ok_but_the_rule_which_the_api_cannot_show(
    harness: FreshdeskHarness,
) -> None:
    context = DiagnoseContext(
        fields=(FieldUse("dev_issue", ("linking.field",)),), webhooks=True, webhook_url=HOOK
    )
    found = _run(harness, context)
    assert found["credentials"].status == CheckStatus.OK and "syncd" in found["credentials"].detail
    assert found["field dev_issue"].status == CheckStatus.OK
    assert "linking.field" in found["field dev_issue"].detail
    assert found["status 7"].status == CheckStatus.OK and "on_hold" in found["status 7"].detail
    assert found["ticket list"].status == CheckStatus.OK
    rule = found["webhook"]
    assert rule.status == CheckStatus.UNKNOWN and HOOK in rule.fix
    assert "X-Syncd-Webhook-Secret" in rule.fix and "{{ticket.id}}" in rule.fix
    assert "freshdesk-rule-secret" not in repr(found)  # never the secret itself


def test_what_is_missing_is_named_with_its_fix(harness: FreshdeskHarness) -> None:
    context = DiagnoseContext(fields=(FieldUse("tier", ("tiers.field",)),), webhooks=False)
    found = _run(
        harness,
        context,
        custom_fields={"dev_issue": "cf_no_such_field"},
        custom_statuses={9: "on_hold"},
    )
    tier = found["field tier"]
    assert tier.status == CheckStatus.MISSING
    assert "tiers.field" in tier.detail and "custom_fields" in tier.fix
    assert found["field dev_issue"].status == CheckStatus.MISSING
    assert "cf_no_such_field" in found["field dev_issue"].detail
    assert found["status 9"].status == CheckStatus.MISSING
    assert found["webhook"].status == CheckStatus.OK  # webhooks: false: nothing to register


def test_a_refused_key_stops_at_the_credentials(harness: FreshdeskHarness) -> None:
    found = _run(harness, DiagnoseContext(), api_key="wrong")
    assert list(found) == ["credentials"]
    assert found["credentials"].status == CheckStatus.MISSING
    assert "View API key" in found["credentials"].fix and "wrong" not in repr(found)


def test_an_unreachable_account_is_one_finding() -> None:
    conn = factory(INSTANCE, settings_for("http://127.0.0.1:9"), None)
    try:
        (finding,) = conn.diagnose(DiagnoseContext(webhooks=True, webhook_url=HOOK))
    finally:
        conn.close()
    assert finding.check == "reach" and finding.status == CheckStatus.MISSING
