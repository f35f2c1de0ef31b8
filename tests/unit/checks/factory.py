"""Test helpers for checks: a small brand catalogue and a builder for messages as the pipeline sees them."""
from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from brandguard.checks import registry
from brandguard.checks.base import CheckInput
from brandguard.content import extract
from brandguard.content.config import ContentSettings
from brandguard.mailfile import context_from_bytes
from brandguard.model import AuthResults, DkimSignature, DmarcResult
from brandguard.policy.catalogue import Catalogue, load_catalogue

BRANDS = """\
version: 1
brands:
  - id: norton
    name: Norton
    category: security
    aliases: [NortonLifeLock, Norton 360, LifeLock]
    domains: [norton.com, nortonlifelock.com]
    phones: [{number: "+18005433562", source: test}]
  - id: mcafee
    name: McAfee
    category: security
    domains: [mcafee.com]
    phones: [{number: "+18666223911", source: test}]
  - id: paypal
    name: PayPal
    category: payments
    domains: [paypal.com, paypal.co.uk]
    phones: [{number: "+18882211161", source: test}]
  - id: microsoft
    name: Microsoft
    category: tech
    aliases: [Windows Defender, Microsoft 365, Office 365]
    domains: [microsoft.com]
    web_domains: [outlook.com, live.com]
    domain_tokens: [office365]
  - id: geeksquad
    name: Geek Squad
    aliases: [GeekSquad]
    domains: [geeksquad.com, bestbuy.com]
    phones: [{number: "+18004335778", source: test}]
  - id: apple
    name: Apple
    exact_case: [Apple]
    aliases: [Apple ID, iCloud]
    domains: [apple.com]
  - id: malwarebytes
    name: Malwarebytes
    domains: [malwarebytes.com]
"""
FREEMAIL = "version: 1\ndomains: [gmail.com, outlook.*, yahoo.*, '*.onmicrosoft.com']\n"




def make_catalogue(folder: Path) -> Catalogue:
    (folder / "brands.yaml").write_text(BRANDS)
    (folder / "freemail.yaml").write_text(FREEMAIL)
    return load_catalogue([folder / "brands.yaml"], folder / "freemail.yaml")


def mail(*, sender: str = "Alice <alice@example.org>", subject: str = "Hello", text: str | None = "Hi",
         html: str | None = None, reply_to: str | None = None, return_path: str | None = None,
         headers: dict[str, str] | None = None, attachments: list[tuple[bytes, str, str, str]] = ()) -> bytes:
    """RFC 5322 bytes of a small message; attachments are (data, maintype, subtype, filename)."""
    msg = EmailMessage()
    if return_path:
        msg["Return-Path"] = return_path
    msg["From"] = sender
    msg["To"] = "bob@example.net"
    msg["Subject"] = subject
    if reply_to:
        msg["Reply-To"] = reply_to
    for k, v in (headers or {}).items():
        msg[k] = v
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for data, maintype, subtype, filename in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def authenticated(domain: str) -> AuthResults:
    """Auth facts of a message DKIM-signed by and DMARC-aligned with `domain`."""
    return AuthResults(dkim=(DkimSignature(result="pass", domain=domain),),
                       dmarc=DmarcResult(result="pass", from_domain=domain), checked=True, source="dns")


def unauthenticated() -> AuthResults:
    return AuthResults(dmarc=DmarcResult(result="fail"), checked=True, source="dns")



def run_check(catalogue: Catalogue, name: str, raw: bytes, auth: AuthResults | None = None, **params):
    """Findings of check `name` on raw message bytes (OCR off: tests of OCR live with the content tests)."""
    check = registry.get(name)
    ctx = context_from_bytes(raw)
    content = extract(ctx, ContentSettings(ocr={"enabled": False}))
    return check.evaluate(CheckInput.build(ctx, auth or AuthResults(), content, catalogue), check.Params(**params))


def summary(findings) -> set[tuple[str, str | None]]:
    """(outcome, brand) pairs: what the assertions compare."""
    return {(f.outcome, f.brand) for f in findings}
