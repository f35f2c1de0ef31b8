"""remote_access_lure: the reader is asked to let someone into their computer (TeamViewer, AnyDesk, ...)."""
from __future__ import annotations

from pydantic import Field

from brandguard.checks._brands import owned_brands, primary
from brandguard.checks._lexicon import near, vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding


class RemoteAccessLureParams(CheckParams):
    window: int = Field(300, ge=20, le=3000, description="characters between a tool name and an access request")


@register
class RemoteAccessLure(Check):
    """Naming a tool is news; asking the reader to grant a session with it is the scam's second stage."""

    name = "remote_access_lure"
    description = "a remote-access tool together with a request to let someone connect to the reader's computer"
    outcomes = frozenset({"tool_with_access_request", "access_request", "tool_download_link"})
    Params = RemoteAccessLureParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = RemoteAccessLureParams.of(params)
        c = inp.content
        brand = primary(inp)
        if brand is None and owned_brands(inp):
            return []
        text = c.text_of()
        v = vocabulary(inp)  # the tools and their download sites are vocabulary (50-remote-access.yaml)
        found = None
        for tool in v.remote_tools.finditer(text):
            ask = near(v.access_request, text, tool.start(), tool.end(), params.window)
            if ask:
                found = ("tool_with_access_request", f"\"{tool.group()}\" with \"{ask.group()}\"")
                break
        if found is None:
            ask = v.access_request.search(text)
            hosts = v.remote_tool_hosts
            # each link is tried on every tool site: only worth it beside a request to connect
            link = next((lk for lk in c.links if any(lk.host == h or lk.host.endswith("." + h) for h in hosts)),
                        None) if ask else None
            if ask and link is not None:
                found = ("tool_download_link", f"link to {link.host} with \"{ask.group()}\"")
            elif ask and (brand or c.phones):
                # without a tool's name the request must name remote access itself, in any language
                remote = near(v.remote_session, text, ask.start(), ask.end(), params.window)
                if remote:
                    said = ask.group() if remote.group() in ask.group() else f"{remote.group()}\" ... \"{ask.group()}"
                    found = ("access_request", f"\"{said}\"")
        if found is None:
            return []
        outcome, evidence = found
        return [self.finding(outcome, b, evidence, "body") for b in [brand]]
