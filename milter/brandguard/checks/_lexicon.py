"""The lure checks' phrase lexicons, from the policy's vocabulary (policies/vocabulary/*.yaml), and helpers."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from brandguard.checks._fastrx import Lexicon, Prefiltered
from brandguard.checks.base import CheckInput
from brandguard.policy.vocabulary import Vocabulary, default_vocabulary

if TYPE_CHECKING:
    from brandguard.policy.catalogue import Catalogue

# A subject prefix of a forward is mail structure, not vocabulary a policy should tune.
FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|fw|wg|tr|rv|enc|doorst)\s*:", re.I)


def vocabulary(inp: CheckInput | Catalogue) -> Vocabulary:
    """The vocabulary of the policy a check runs under (`inp` is a CheckInput or a Catalogue).

    A catalogue loaded without a policy (tests, tools) has none: it gets the shipped vocabulary.
    """
    vocab = (inp.catalogue if isinstance(inp, CheckInput) else inp).vocabulary
    return vocab if vocab is not None else default_vocabulary()


def near(pattern: Lexicon | Prefiltered | re.Pattern[str], text: str, start: int, end: int,
         window: int) -> re.Match[str] | None:
    """First match of `pattern` within `window` characters of text[start:end]."""
    return pattern.search(text, max(0, start - window), min(len(text), end + window))

