"""The organisation a display name speaks for, and whether the sending domain spells it ("Slashdot Team" <x@slashdot.org>)."""
from __future__ import annotations

import re

from brandguard.content.urls import org_domain

# Roles a display name adds to an organisation's name: they say what the sender does, never who it is
ROLE = re.compile(
    r"\b(support|service|services|team|security|billing|accounts?|customer|care|help\s*desk|helpdesk|notifications?|"
    r"alerts?|department|admin|administrator|bank|banking|delivery|shipping|express|rewards|member|members|online|"
    r"official|cent(?:er|re)|invoices?|payments?|webmail|mail\s*(?:admin|server)|verification|protection|renewal|"
    r"subscriptions?|orders?|logistics|courier|post|tracking|wallet|exchange)\b",
    re.I,
)
GENERIC = {"your", "the", "our", "my", "dear", "customer", "client", "user", "email", "e-mail", "mail", "it", "and",
           "for", "from", "no", "reply", "noreply", "do", "not", "team", "account", "info", "system", "service",
           "support", "security", "online", "center", "centre", "billing", "help", "desk", "new", "important",
           "notice", "notification", "alert", "update", "via", "on", "behalf", "of", "admin", "administrator"}
# words too common in any company's name to show that a domain spells the sender's own name
_COMMON = GENERIC | {"secure", "access", "digital", "global", "international", "group", "web", "app", "cloud", "tech",
                     "solutions", "systems", "network", "mailer", "notify", "portal", "pay", "bill", "verify", "safe",
                     "net", "services", "company", "inc", "llc", "ltd", "corp"}
_WORD = re.compile(r"[^\W\d_][\w&'-]*")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _plain(text: str) -> str:
    # spelling as written, not a confusable skeleton: a skeleton would let "scrol.io" spell "Scroll"
    return _NOT_ALNUM.sub("", text.lower())


def org_words(display_name: str) -> list[str]:
    """The display name's capitalised words that are neither generic nor a role: the organisation's own name."""
    words = [w for w in _WORD.findall(display_name) if w.lower() not in GENERIC and not ROLE.fullmatch(w)]
    return [w for w in words if len(w) >= 3 and w[0].isupper()]


def own_name(display_name: str, from_domain: str) -> str:
    """The word of the display name that the From domain spells ("OfficeWorld" for orders@officeworld-shop.example,
    "BrightPath" for billing@brightpath-it.example), else ''; roles and generic words never count."""
    if not display_name or not from_domain or "@" in display_name:
        return ""
    domain = _plain(from_domain)
    org = _plain(org_domain(from_domain).split(".")[0])
    words = org_words(display_name)
    for w in words:
        key = _plain(w)
        if len(key) >= 4 and key not in _COMMON and key in domain:
            return w
    # "Bright Path IT" <x@brightpath.example>: the label is some of the name's words run together, never a piece of
    # one ("Scroll Community" <x@scrol.io> is a look-alike, not its own name)
    keys = [_plain(w) for w in words]
    for i in range(len(keys)):
        for j in range(i + 2, len(keys) + 1):
            if "".join(keys[i:j]) == org:
                return " ".join(words[i:j])
    return ""
