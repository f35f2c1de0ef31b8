"""callback_lure: the reader is told to phone a number about a charge, renewal, refund or cancellation."""
from __future__ import annotations

from pydantic import Field

from brandguard.checks._brands import owned_brands, primary, senders_own_line
from brandguard.checks._lexicon import near, vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding


class CallbackLureParams(CheckParams):
    window: int = Field(160, ge=20, le=2000, description="characters around the number searched for a call to action")


@register
class CallbackLure(Check):
    """TOAD / callback phishing: a fake charge plus a number to call, where a 'refund agent' takes over."""

    name = "callback_lure"
    description = "a phone number with a call to action about a charge, renewal, refund, cancellation or sign-in alert"
    outcomes = frozenset({"cancel_or_refund", "charge_notice", "security_alert"})
    Params = CallbackLureParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = CallbackLureParams.of(params)
        c, cat = inp.content, inp.catalogue
        brand = primary(inp)
        if not c.phones or (brand is None and owned_brands(inp)):
            return []  # the brand's own mail with its own numbers
        text = f"{c.subject}\n{c.text_of()}"
        v = vocabulary(inp)
        if brand is None and not v.your_account.search(text):
            return []  # "to order your copy, call 1-800-..." is a catalogue; a lure is about the reader's account
        charge = v.charge.search(text)
        cancel = v.cancel.search(text)
        alert = None
        if not (charge or cancel) or not (charge or v.amount.search(text)):
            # the same scam told as a security alert: "new sign-in detected, if this was not you call ..."
            alert = v.topics["security_alert"].search(text)
            if alert is None:
                return []
        story = alert or cancel or charge  # never None: without a charge or a cancellation, an alert was required
        if story is None:
            return []
        for phone in c.phones:
            if (cat is not None and cat.phone_owners(phone.e164)) or v.dial_in.search(phone.context):
                continue
            if not cancel and not alert and senders_own_line(inp, phone):
                continue  # "questions about your invoice? call us": a shop's own line under its own receipt
            ctx = phone.context
            pos = ctx.find(phone.raw)
            call = near(v.call, ctx, max(pos, 0), max(pos, 0) + len(phone.raw), params.window)
            if not call and phone.where not in ("subject", "display_name"):
                continue
            outcome = "security_alert" if alert else "cancel_or_refund" if cancel else "charge_notice"
            said = call.group() if call else phone.where
            evidence = f"{phone.e164} ({phone.type}, in {phone.where}) with \"{said}\" and \"{story.group()}\""
            return [self.finding(outcome, b, evidence, phone.where) for b in [brand]]
        return []
