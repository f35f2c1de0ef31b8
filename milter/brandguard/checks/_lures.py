"""Greetings by mailbox address; the stories that push a reader to click are vocabulary (policies/vocabulary)."""
from __future__ import annotations

import re
from typing import Any

from brandguard.policy.vocabulary import default_vocabulary

# The topics' phrases (parcel fees, lapsed protection, documents, wallets, points, sign-in alerts, cloud storage) and
# the urgency words are data: policies/vocabulary/*.yaml, read through brandguard.checks._lexicon.vocabulary(inp).

# an address where a name belongs: "Hello jane.doe@example.com," is how bulk lures greet a mailbox
ADDRESS = r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*"
GREETING = re.compile(
    r"(?:^|[\n.!?:]\s*)(?:hi|hello|hallo|hey|dear|ol[áa]|oi|prezad[oa](?:\(a\))?(?:\s+cliente)?|caro|cara|bonjour|"
    r"hola|estimad[oa]|sehr\s+geehrte[rs]?|liebe[rs]?|beste|geachte|ciao|congratulations|gl[üu]ckwunsch|parab[ée]ns)"
    r"[\s,:]+(?:cliente\s+|customer\s+|kunde\s+)?(" + ADDRESS + r")\b",
    re.I,
)
SUBJECT_ADDRESS = re.compile(r"^\W{0,3}(" + ADDRESS + r")\s*[,:!-]|[,:]\s*(" + ADDRESS + r")\s*[,:!]", re.I)


def __getattr__(name: str) -> Any:
    """TOPICS and URGENCY as before the move: the shipped vocabulary's, for callers without a policy."""
    if name in ("TOPICS", "URGENCY"):
        vocab = default_vocabulary()
        return vocab.topics if name == "TOPICS" else vocab.urgency
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
