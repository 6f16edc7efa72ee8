"""``syncd connectors test``: reach each connector and check what syncd needs there.

Exit codes: 0 when every check is ok or a warning (or could not tell), 1 when something
syncd needs is missing, 2 when the config is wrong. A connector that cannot be reached is
one row; the others are checked all the same.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from syncd import logs
from syncd.connector import CheckStatus, Finding
from syncd.console import ConfigOpt, fail, out, settings_or_exit
from syncd.diagnose import shown_url
from syncd.errors import ConfigError
from syncd.settings import Settings

connectors_app = typer.Typer(help="Connector commands.", no_args_is_help=True)

_STYLE = {
    CheckStatus.OK: "green",
    CheckStatus.MISSING: "bold red",
    CheckStatus.WARNING: "yellow",
    CheckStatus.UNKNOWN: "magenta",
}


@dataclass
class Result:
    """The findings of one connector."""

    name: str
    kind: str
    base_url: str
    findings: list[Finding] = field(default_factory=list)
    config_error: bool = False


@connectors_app.command("test")
def connectors_test(
    names: Annotated[
        list[str] | None, typer.Argument(help="Only these connectors (default: every one).")
    ] = None,
    config: ConfigOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout, for scripts.")
    ] = False,
) -> None:
    """Reach each connector and check its credentials, the permissions syncd needs and the
    webhook to syncd: a table of what is missing and how to fix it (exit 1 when something is
    missing, 2 on a config error). Reads only; nothing is written anywhere."""
    settings = settings_or_exit(config)
    # a connector's own log lines would only repeat its findings, and could hold a traceback
    logs.configure("console", "critical")
    configured = list(settings.connectors)
    wanted = list(dict.fromkeys(names or configured))
    unknown = [n for n in wanted if n not in settings.connectors]
    if unknown:
        listed = ", ".join(configured) or "none"
        raise fail(f"no connector named {', '.join(map(repr, unknown))} (configured: {listed})")
    if not wanted:
        raise fail("no connector is configured: add one under connectors:")
    raise typer.Exit(live_check(settings, wanted, as_json=as_json))


def live_check(settings: Settings, wanted: list[str], *, as_json: bool = False) -> int:
    """Test connectors ``wanted`` (all at once), print what was found; the exit code."""
    with ThreadPoolExecutor(max_workers=min(8, len(wanted))) as pool:
        results = list(pool.map(lambda n: _test(settings, n), wanted))
    every = [f for r in results for f in r.findings]
    code = 2 if any(r.config_error for r in results) else _exit(every)
    if as_json:
        print(json.dumps(_document(results, code), indent=2, ensure_ascii=False))
    else:
        _table(results)
        out.print(_summary(every, code), highlight=False)
    return code


def _test(settings: Settings, name: str) -> Result:
    """Build connector ``name`` and let it check itself; secrets taken out of its findings."""
    from syncd.daemon.service import build_connectors
    from syncd.selftest import context_for, redact, run, secrets_of

    conf = settings.connector(name)
    result = Result(name, conf.kind, shown_url(conf.base_url))
    secrets = secrets_of(conf)
    try:
        conn = build_connectors(settings, only=[name])[name]
    except ConfigError as exc:
        result.config_error = True
        for _file, key, message in exc.problems:
            where = f"connectors.{name}.{key}" if key and not key.startswith("connectors") else key
            problem = f"{where}: {message}"
            result.findings.append(
                Finding("configuration", CheckStatus.MISSING, problem, "fix the config")
            )
    except Exception as exc:  # a connector that cannot even be built is still one row
        result.findings.append(
            Finding(
                "self-test",
                CheckStatus.UNKNOWN,
                f"the connector could not be built: {type(exc).__name__}: {exc}",
                "report this with the output of the command",
            )
        )
    else:
        try:
            result.findings = run(conn, context_for(settings, name), conf.base_url)
        finally:
            conn.close()
    result.findings = redact(result.findings, secrets)
    return result


def _exit(findings: list[Finding]) -> int:
    return 1 if any(f.status == CheckStatus.MISSING for f in findings) else 0


def _table(results: list[Result]) -> None:
    table = Table("connector", "check", "result", "detail", "what to do", show_lines=False)
    for result in results:
        label = f"{escape(result.name)}\n[dim]{escape(result.kind)}[/]"
        for pos, finding in enumerate(result.findings):
            style = _STYLE[finding.status]
            table.add_row(
                label if pos == 0 else "",
                escape(finding.check),
                f"[{style}]{finding.status.value}[/]",
                escape(finding.detail),
                escape(finding.fix),
            )
        table.add_section()
    out.print(table)


def _summary(findings: list[Finding], code: int) -> str:
    counts = {s: sum(1 for f in findings if f.status == s) for s in CheckStatus}
    parts = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    verdict = {
        0: "nothing syncd needs is missing",
        1: "something syncd needs is missing (see the rows marked missing)",
        2: "the config is wrong (see the rows marked configuration)",
    }[code]
    return f"{len(findings)} checks: {parts}; {verdict}"


def _document(results: list[Result], code: int) -> dict[str, object]:
    every = [f for r in results for f in r.findings]
    return {
        "exit_code": code,
        "summary": {s.value: sum(1 for f in every if f.status == s) for s in CheckStatus},
        "connectors": [
            {
                "name": r.name,
                "kind": r.kind,
                "base_url": r.base_url,
                "findings": [
                    {
                        "check": f.check,
                        "status": f.status.value,
                        "detail": f.detail,
                        "fix": f.fix,
                    }
                    for f in r.findings
                ],
            }
            for r in results
        ],
    }
