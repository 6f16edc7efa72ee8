"""``syncd demo`` and the sandbox it shares with the tests: the vendors it plays are the
demo's choice, named here (the rest of the core names none)."""

HELPDESK = "zendesk"
TRACKER = "github"
