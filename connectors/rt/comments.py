"""Request Tracker replies and notes: the message transactions of a ticket's history, each
with its text and files; syncd's key rides in a transaction custom field. RT keeps history
immutable: a reply or note is never edited or deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from syncd.errors import PermanentError
from syncd.model import Comment, Ref

from . import mapping
from .client import RTClient
from .files import ATT_FIELDS
from .poll import TXN_FIELDS
from .settings import RTSettings


class CommentMethods:
    """The connector's comments (``Capability.COMMENTS`` and ``INTERNAL_COMMENTS``)."""

    if TYPE_CHECKING:
        name: str
        settings: RTSettings
        client: RTClient

        @property
        def me(self) -> str | None: ...

        def _tid(self, ref: Ref) -> int: ...

        def transaction_comment(self, tid: int, txn: Mapping[str, Any]) -> Comment: ...

        def with_files(
            self, tid: int, txn: Mapping[str, Any], parts: list[dict[str, Any]]
        ) -> Comment: ...

    def comments(self, parent: Ref) -> list[Comment]:
        """The ticket's first message, replies and notes, oldest first."""
        tid = self._tid(parent)
        txns = [t for t in self._history(tid) if t.get("Type") in mapping.MESSAGE_TYPES]
        if not txns:
            return []
        texts: dict[int, list[dict[str, Any]]] = {}
        params = {"fields": ATT_FIELDS, "per_page": 100}
        for att in self.client.collection(f"/ticket/{tid}/attachments", params):
            txn_id = mapping.as_int(mapping.nested_id(att.get("TransactionId")))
            texts.setdefault(txn_id, []).append(att)
        return [self.with_files(tid, t, texts.get(mapping.as_int(t.get("id")), [])) for t in txns]

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """A reply (public) or a note carrying ``key`` in the key transaction custom field."""
        tid = self._tid(parent)
        return self._post_message(tid, body, public=public, key=key, extra={})

    def find_comment(self, parent: Ref, key: str) -> Comment | None:
        """The reply or note syncd wrote with ``key``, found through its transaction field."""
        tid = self._tid(parent)
        for txn in self._history(tid):
            if txn.get("Type") not in mapping.MESSAGE_TYPES:
                continue
            keys = mapping.custom_fields(txn.get("CustomFields")).get(
                self.settings.key_custom_field
            )
            if keys and key in keys:
                return self.transaction_comment(tid, txn)
        return None

    def edit_comment(self, ref: Ref, parent: Ref, body: str) -> Comment:
        """RT keeps history immutable: not offered (no COMMENT_EDIT)."""
        raise PermanentError(f"{self.name}: Request Tracker cannot edit a reply or note")

    def delete_comment(self, ref: Ref, parent: Ref) -> None:
        """RT keeps history immutable: not offered (no COMMENT_DELETE)."""
        raise PermanentError(f"{self.name}: Request Tracker cannot delete a reply or note")

    def _post_message(
        self, tid: int, body: str, *, public: bool, key: str | None, extra: Mapping[str, Any]
    ) -> Comment:
        payload: dict[str, Any] = {"Content": body, "ContentType": "text/plain", **extra}
        if key:
            payload["TxnCustomFields"] = {self.settings.key_custom_field: key}
        what = "correspond" if public else "comment"
        resp, messages = self.client.post(f"/ticket/{tid}/{what}", payload)
        self.client.check_refusals(f"{what} on ticket {tid}", messages)
        txn_id = mapping.id_from_location(resp.headers.get("Location"))
        if txn_id:
            txn = self.client.get(f"/transaction/{txn_id}")
            return self.comment_of(tid, txn, body)
        found = self.find_comment(Ref.ticket(self.name, tid), key) if key else None
        if found is None:
            raise PermanentError(f"{self.name}: {what} on ticket {tid} named no transaction")
        return found

    def _history(self, tid: int) -> list[dict[str, Any]]:
        params = {"fields": TXN_FIELDS, "per_page": 100, "orderby": "id"}
        return list(self.client.collection(f"/ticket/{tid}/history", params))

    def comment_of(self, tid: int, txn: Mapping[str, Any], body: str) -> Comment:
        """A transaction of ticket ``tid`` with its text as a canonical comment."""
        return mapping.comment_from_rt(
            txn,
            body,
            connector=self.name,
            ticket_id=tid,
            key_field=self.settings.key_custom_field,
            me=self.me,
        )
