"""payment_lure: a fake renewal or invoice (amount + charge wording), or payment by gift card / crypto."""
from __future__ import annotations

from pydantic import Field

from brandguard.checks._brands import brand_name, owned_brands, primary
from brandguard.checks._lexicon import near, vocabulary
from brandguard.checks.base import Check, CheckInput, CheckParams
from brandguard.checks.registry import register
from brandguard.model import Finding


class PaymentLureParams(CheckParams):
    window: int = Field(400, ge=20, le=5000, description="characters between the charge wording and the amount")


@register
class PaymentLure(Check):
    """Receipts are normal from the shop that sold something; the same words under a borrowed brand are not."""

    name = "payment_lure"
    description = "an invoice or renewal charge under a brand that did not send it, or a gift-card / crypto payment"
    outcomes = frozenset({"renewal_charge", "gift_card_or_crypto"})
    Params = PaymentLureParams

    def evaluate(self, inp: CheckInput, params: CheckParams) -> list[Finding]:
        params = PaymentLureParams.of(params)
        c = inp.content
        brand = primary(inp)
        if brand is None and owned_brands(inp):
            return []
        text = f"{c.subject}\n{c.text_of()}"
        v = vocabulary(inp)
        gift = v.gift_or_crypto.search(text)
        if gift:
            return [self.finding("gift_card_or_crypto", brand, f"\"{gift.group()}\"", "body")]
        if brand is None or not v.your_account.search(text):
            return []  # unbranded receipts are ordinary mail; news about charges is not addressed to "your" plan
        if inp.attribution.self_named and not v.cancel.search(text):
            return []  # a shop's or a reseller's own invoice for the brand's product, no charge to undo
        for charge in v.charge.finditer(text):
            amount = near(v.amount, text, charge.start(), charge.end(), params.window)
            if amount:
                ev = f"{brand_name(inp, brand)}: \"{' '.join(charge.group().split())}\" and amount {amount.group()}"
                return [self.finding("renewal_charge", brand, ev, "body")]
        return []
