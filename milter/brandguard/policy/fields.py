"""Field validators the policy's data files share: domain names as an admin may write them."""
from __future__ import annotations

import re

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def domain_name(value: str) -> str:
    """`value` as a lower-case domain name without the trailing dot; ValueError (pydantic's message) otherwise."""
    d = value.strip().lower().rstrip(".")
    if not _DOMAIN.match(d):
        raise ValueError(f"{value!r} is not a domain name (no scheme, no path, no wildcard)")
    return d


def domain_names(values: list[str]) -> list[str]:
    """Each of `values` through domain_name(); the first bad one raises."""
    return [domain_name(v) for v in values]
