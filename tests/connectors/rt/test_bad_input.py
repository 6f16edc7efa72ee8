"""Bad input from Request Tracker, against the real RT and the emulator: each failure leaves
the connector as the one syncd error class the runner needs to decide what to do."""

from __future__ import annotations

import uuid

import pytest

from connectors.rt.emulator import RTEmulator
from syncd.errors import (
    AuthError,
    ConfigError,
    Forbidden,
    NotFound,
    PermanentError,
    RateLimited,
    TransientError,
)
from syncd.model import Ref, TicketStatus

from .harness import INSTANCE, RTHarness, RTTarget


def _key() -> str:
    return f"k-{uuid.uuid4().hex}"


# -- 401: the connector is unhealthy, with a message that says what to do ---------------------


def test_unknown_token_is_an_auth_error_with_a_clear_message(rt_target: RTTarget) -> None:
    conn = rt_target.connector(token="1-27-" + "f" * 32, username="syncd")
    with pytest.raises(AuthError) as err:
        conn.check()
    text = str(err.value)
    assert err.value.status == 401
    assert "refused the token" in text and "expired" in text and "new auth token" in text
    with pytest.raises(AuthError):
        conn.get_ticket(Ref.ticket(INSTANCE, 1))
    with pytest.raises(AuthError):
        conn.poll("0")


def test_revoked_token_is_an_auth_error(rt_emulator: RTTarget) -> None:
    emu: RTEmulator = rt_emulator.extra["emulator"]
    token = emu.state.issue_token("syncd")
    conn = rt_emulator.connector(token=token)
    assert conn.check() == "syncd"
    emu.revoke(token)
    with pytest.raises(AuthError, match="401"):
        conn.get_ticket(Ref.ticket(INSTANCE, 1))


def test_wrong_password_is_an_auth_error(rt_target: RTTarget) -> None:
    conn = rt_target.connector(token=None, username=rt_target.agent_user, password="wrong")
    with pytest.raises(AuthError) as err:
        conn.check()
    assert "password of user 'alice'" in str(err.value)


def test_basic_auth_works(rt_target: RTTarget) -> None:
    conn = rt_target.connector(
        token=None, username=rt_target.agent_user, password=rt_target.agent_password
    )
    assert conn.check() == "alice"


# -- 403: only the action on the queue without rights fails ----------------------------------


def test_queue_without_rights_is_forbidden_for_that_action_only(harness: RTHarness) -> None:
    conn = harness.connector
    secret = harness.human_create("secret", queue=harness.target.restricted_queue)
    with pytest.raises(Forbidden):
        conn.get_ticket(secret)
    with pytest.raises(Forbidden):
        conn.update_ticket(secret, status=TicketStatus.OPEN)
    # REST2 answers a note on such a ticket with 400 "Permission Denied": still Forbidden
    with pytest.raises(Forbidden):
        conn.add_comment(secret, "psst", public=False, key=_key())
    with pytest.raises(Forbidden, match="Restricted"):
        conn.create_ticket("x", "y", queue=harness.target.restricted_queue)
    # the connector stays healthy for everything else
    assert conn.check() == "syncd"
    fine = harness.human_create("fine")
    assert conn.update_ticket(fine, status=TicketStatus.OPEN).status == TicketStatus.OPEN


def test_missing_ticket_is_not_found_on_writes_too(harness: RTHarness) -> None:
    with pytest.raises(NotFound):
        harness.connector.update_ticket(harness.missing(), status=TicketStatus.OPEN)


# -- a refused value in a 2xx answer ---------------------------------------------------------


def test_refused_status_in_a_200_is_a_permanent_error(rt_target: RTTarget) -> None:
    harness = RTHarness(rt_target)
    conn = rt_target.connector(write_status={"on_hold": "parked"})  # no such RT status
    ref = harness.human_create("refuse me")
    with pytest.raises(PermanentError, match="'parked' isn't a valid status"):
        conn.update_ticket(ref, status=TicketStatus.ON_HOLD)
    assert conn.get_ticket(ref).status == TicketStatus.NEW


def test_refused_status_with_a_note_keeps_the_note_findable(rt_target: RTTarget) -> None:
    harness = RTHarness(rt_target)
    conn = rt_target.connector(write_status={"on_hold": "parked"})
    ref = harness.human_create("refuse me too")
    key = _key()
    with pytest.raises(PermanentError, match="isn't a valid status"):
        conn.update_ticket(ref, status=TicketStatus.ON_HOLD, comment="note", key=key)
    # RT added the note before refusing the status: a retry must find it, not add another
    found = conn.find_comment(ref, key)
    assert found is not None and found.body == "note" and not found.public


def test_missing_key_field_is_refused_and_reported(rt_target: RTTarget) -> None:
    harness = RTHarness(rt_target)
    conn = rt_target.connector(key_custom_field="no such field")
    ref = harness.human_create("no key field")
    with pytest.raises(PermanentError, match="Unable to load transaction custom field"):
        conn.add_comment(ref, "hello", public=False, key=_key())
    with pytest.raises(ConfigError, match="no such field"):
        conn.check()


# -- 5xx, resets, timeouts and 429 (emulator faults) -----------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(rt_emulator: RTTarget, status: int) -> None:
    emu: RTEmulator = rt_emulator.extra["emulator"]
    harness = RTHarness(rt_emulator)
    ref = harness.human_create("flaky")
    emu.control.faults.add("status", status=status, path=r"/ticket/\d+$", times=1)
    with pytest.raises(TransientError) as err:
        harness.connector.get_ticket(ref)
    assert err.value.status == status
    assert harness.connector.get_ticket(ref).ref == ref  # the next try succeeds


def test_connection_reset_and_timeout_are_transient(rt_emulator: RTTarget) -> None:
    emu: RTEmulator = rt_emulator.extra["emulator"]
    harness = RTHarness(rt_emulator)
    ref = harness.human_create("unreliable network")
    emu.control.faults.add("reset", path=r"/ticket/\d+$", times=1)
    with pytest.raises(TransientError):
        harness.connector.get_ticket(ref)
    slow = rt_emulator.connector(timeout=0.3)
    emu.control.faults.add("latency", seconds=1.0, path=r"/ticket/\d+$", times=1)
    with pytest.raises(TransientError, match="timed out"):
        slow.get_ticket(ref)


def test_rate_limit_carries_retry_after(rt_emulator: RTTarget) -> None:
    emu: RTEmulator = rt_emulator.extra["emulator"]
    harness = RTHarness(rt_emulator)
    emu.control.faults.add("rate_limit", seconds=7, path=r"/rt$", times=1)
    with pytest.raises(RateLimited) as err:
        harness.connector.check()
    assert err.value.retry_after == 7


def test_stale_etag_is_transient(rt_target: RTTarget) -> None:
    harness = RTHarness(rt_target)
    ref = harness.human_create("etag")
    with pytest.raises(TransientError, match="412"):
        harness.connector.client.put(f"/ticket/{ref.key}", {"Subject": "x"}, etag='"1"')
