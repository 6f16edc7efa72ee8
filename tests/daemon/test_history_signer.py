"""Where the key that signs conversation page links comes from: the config, a file, or the
store (made once); and where the links point."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.daemon.service import history_signer
from syncd.errors import ConfigError
from syncd.settings import parse
from syncd.store.repository import Store


def test_the_configured_secret_signs(store: Store) -> None:
    settings = parse({"server": {"history_secret": "s3cret", "public_url": "https://s.example"}})
    signer = history_signer(settings, store)
    assert signer.secret == b"s3cret" and signer.base_url == "https://s.example"
    # a secret written in the file itself is a warning, as for every other secret
    assert [w[1] for w in settings.warnings] == ["server.history_secret"]


def test_a_secret_file(store: Store, tmp_path: Path) -> None:
    (tmp_path / "key").write_text("from-a-file\n")
    settings = parse({"server": {"history_secret_file": str(tmp_path / "key"), "port": 9}})
    signer = history_signer(settings, store)
    assert signer.secret == b"from-a-file" and signer.base_url == "http://127.0.0.1:9"


def test_an_unreadable_secret_file_names_the_key(store: Store, tmp_path: Path) -> None:
    settings = parse({"server": {"history_secret_file": str(tmp_path / "missing")}})
    with pytest.raises(ConfigError) as err:
        history_signer(settings, store)
    assert err.value.problems[0][1] == "server.history_secret_file"


def test_without_one_the_store_keeps_a_secret_it_made(store: Store) -> None:
    settings = parse({})
    first, second = history_signer(settings, store), history_signer(settings, store)
    assert len(first.secret) == 64 and first.secret == second.secret
