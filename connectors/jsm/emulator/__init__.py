"""Jira Service Management for tests, the demo and ``syncd emulate jsm``.

JSM is an application inside a Jira site, so its emulator is the emulated Jira
(:mod:`connectors.jira.emulator`), which answers the service desk API
(``/rest/servicedeskapi``) beside the platform API in both flavours and holds the service
project HELP (``servicedesk`` and ``servicedesk_api`` there). This package adds what is
JSM's own: the people of a helpdesk, an agent and the customers (``actor``), and the
:data:`KIT` with the settings syncd uses against it.
"""

from __future__ import annotations

from connectors.jira.emulator import JiraEmulator, build

from .actor import DATACENTER_KIT, KIT, JsmActor, config

__all__ = ["DATACENTER_KIT", "KIT", "JiraEmulator", "JsmActor", "build", "config"]
