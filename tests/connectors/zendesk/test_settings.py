"""Settings validation and credentials."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.zendesk.client import auth_header
from connectors.zendesk.settings import ZendeskSettings


def test_missing_credential_is_a_clear_error() -> None:
    with pytest.raises(ValidationError) as err:
        ZendeskSettings(base_url="https://acme.zendesk.com")
    assert "no credential" in str(err.value)
    with pytest.raises(ValidationError) as err:
        ZendeskSettings.model_validate({"base_url": "https://a", "api_token": "t"})
    assert "needs email" in str(err.value)


def test_basic_and_bearer(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("from-file\n")
    s = ZendeskSettings.model_validate(
        {"base_url": "https://a", "email": "bot@a.com", "api_token_file": str(path)}
    )
    raw = base64.b64decode(auth_header(s).removeprefix("Basic ")).decode()
    assert raw == "bot@a.com/token:from-file"
    o = ZendeskSettings.model_validate({"base_url": "https://a/", "oauth_token": "zz-secret-zz"})
    assert auth_header(o) == "Bearer zz-secret-zz"
    assert o.ticket_url(5) == "https://a/agent/tickets/5" and o.max_webhook_age == 300
    assert "zz-secret-zz" not in repr(o)
