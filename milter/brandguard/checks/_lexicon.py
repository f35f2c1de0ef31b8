"""The lure checks' phrase lexicons, from the policy's vocabulary (policies/vocabulary/*.yaml), and helpers."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from brandguard.checks._fastrx import Lexicon, Prefiltered
from brandguard.policy.vocabulary import Vocabulary, default_vocabulary

if TYPE_CHECKING:
    from brandguard.checks.base import CheckInput
    from brandguard.policy.catalogue import Catalogue

# A subject prefix of a forward is mail structure, not vocabulary a policy should tune.
FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|fw|wg|tr|rv|enc|doorst)\s*:", re.I)


def vocabulary(inp: CheckInput | Catalogue) -> Vocabulary:
    """The vocabulary of the policy a check runs under (`inp` is a CheckInput or a Catalogue).

    A catalogue loaded without a policy (tests, tools) has none: it gets the shipped vocabulary.
    """
    vocab = getattr(getattr(inp, "catalogue", inp), "vocabulary", None)
    return vocab if vocab is not None else default_vocabulary()


def near(pattern: Lexicon | Prefiltered | re.Pattern, text: str, start: int, end: int, window: int) -> re.Match | None:
    """First match of `pattern` within `window` characters of text[start:end]."""
    return pattern.search(text, max(0, start - window), min(len(text), end + window))


# The names checks imported before the vocabulary became data; they read the shipped vocabulary, so a check
# that has a CheckInput should use vocabulary(inp) instead, which follows the policy and its local files.
_FALLBACK = {"CALL": "call", "CANCEL": "cancel", "CHARGE": "charge", "AMOUNT": "amount",
             "GIFT_OR_CRYPTO": "gift_or_crypto", "YOUR_ACCOUNT": "your_account", "DIAL_IN": "dial_in",
             "TRANSACTION": "transaction", "REMOTE_TOOLS": "remote_tools", "ACCESS_REQUEST": "access_request",
             "CREDENTIAL": "credential", "REWARD": "reward"}


def __getattr__(name: str) -> Any:
    if name in _FALLBACK:
        return getattr(default_vocabulary(), _FALLBACK[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
