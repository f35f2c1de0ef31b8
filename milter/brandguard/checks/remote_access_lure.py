"""remote_access_lure: the reader is asked to let someone into their computer (TeamViewer, AnyDesk, ...)."""
from __future__ import annotations

from pydantic import Field

from brandguard.checks._brands import owned_brands, primary
from brandguard.checks._lexicon import ACCESS_REQUEST, REMOTE_TOOLS, near
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding

_TOOL_HOSTS = ("anydesk.com", "teamviewer.com", "ultraviewer.net", "screenconnect.com", "splashtop.com",
               "remotepc.com", "rustdesk.com", "aeroadmin.com", "ammyy.com", "supremocontrol.com", "logmein.com")


class Params(CheckParams):
    window: int = Field(300, ge=20, le=3000, description="characters between a tool name and an access request")


@register
class RemoteAccessLure(Check):
    """Naming a tool is news; asking the reader to grant a session with it is the scam's second stage."""

    name = "remote_access_lure"
    description = "a remote-access tool together with a request to let someone connect to the reader's computer"
    outcomes = frozenset({"tool_with_access_request", "access_request", "tool_download_link"})
    Params = Params

    def evaluate(self, inp: CheckInput, params: Params) -> list[Finding]:
        c = inp.content
        brand = primary(inp)
        if brand is None and owned_brands(inp):
            return []
        text = c.text_of()
        found = None
        for tool in REMOTE_TOOLS.finditer(text):
            ask = near(ACCESS_REQUEST, text, tool.start(), tool.end(), params.window)
            if ask:
                found = ("tool_with_access_request", f"\"{tool.group()}\" with \"{ask.group()}\"")
                break
        if found is None:
            ask = ACCESS_REQUEST.search(text)
            link = next((l for l in c.links if any(l.host == h or l.host.endswith("." + h) for h in _TOOL_HOSTS)), None)
            if ask and link is not None:
                found = ("tool_download_link", f"link to {link.host} with \"{ask.group()}\"")
            elif ask and (brand or c.phones) and "remote" in ask.group().lower():
                found = ("access_request", f"\"{ask.group()}\"")
        if found is None:
            return []
        outcome, evidence = found
        return [self.finding(outcome, b, evidence, "body") for b in [brand]]
