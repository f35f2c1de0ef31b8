"""The `auth:` settings section: DNS resolver, caches, budgets, the authserv-id and which checks run."""
from __future__ import annotations

import functools
import ipaddress
import re
import socket
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$")
# RFC 8601 authserv-id is a `value`: we only allow what needs no quoting in our own header
_AUTHSERV_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# names a container's /etc/hosts gives the loopback address: no reader trusts results from "localhost"
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "localhost6", "localhost6.localdomain6",
                   "ip6-localhost", "ip6-loopback"}


def _useful_host_name(name: str) -> bool:
    lowered = name.lower()
    if lowered in _LOOPBACK_NAMES or lowered.startswith("localhost."):
        return False
    try:
        ipaddress.ip_address(name)
        return False
    except ValueError:
        return True


def host_authserv_id(getfqdn: Callable[[], str] = socket.getfqdn, gethostname: Callable[[], str] = socket.gethostname) -> str:
    """The host's name, as OpenDMARC, OpenDKIM and authentication_milter default their authserv-id.

    The FQDN, unless it is only a loopback name (getfqdn() maps the host name through /etc/hosts,
    which in containers often says "localhost"); then the plain host name.
    """
    names: list[str] = []
    for source in (getfqdn, gethostname):
        try:
            name = source().strip().rstrip(".")
        except OSError:
            continue
        if _AUTHSERV_RE.match(name):
            names.append(name)
    if not names:
        raise ValueError("the host's name cannot be an authserv-id: set auth.authserv_id")
    return next((n for n in names if _useful_host_name(n)), names[-1])


@functools.cache
def _this_host_authserv_id() -> str:
    # once per process: getfqdn() may ask DNS, and every AuthSettings() would ask again
    return host_authserv_id()


def _ip_address(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address") from None
    return value


def _domain(value: str) -> str:
    norm = value.strip().rstrip(".").lower()
    if not _DOMAIN_RE.match(norm):
        raise ValueError(f"{value!r} is not a domain name")
    return norm


# validated per item so that errors point at the list element (auth.nameservers[1])
IpAddress = Annotated[str, AfterValidator(_ip_address)]
DomainName = Annotated[str, AfterValidator(_domain)]


class AuthSettings(BaseModel):
    """How brandguard establishes authentication facts (SPF, DKIM, DMARC, ARC).

    `dmarc_mode` defaults to "rfc7489": it is the published DMARC that senders test against
    today, its organisational domain comes from the bundled Public Suffix List (no extra
    DNS queries), so its DNS cost per message is small and bounded. "dmarcbis" switches to
    the DNS tree walk (psd=, np=, t=): up to five extra TXT queries per identity, which eat
    into `message_dns_budget`; choose it once the receivers you care about do the same.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    nameservers: list[IpAddress] = Field(
        default_factory=list,
        description="Recursive resolver IP addresses to query; empty means the system's /etc/resolv.conf.",
    )
    port: int = Field(53, ge=1, le=65535, description="UDP/TCP port of the nameservers.")
    query_timeout: float = Field(
        2.0, gt=0, le=60, description="Seconds one DNS query may take (all retries included)."
    )
    message_dns_budget: float = Field(
        8.0, gt=0, le=300, description="Seconds of DNS time one message may spend in total; past it lookups are temperror."
    )
    cache_max_entries: int = Field(
        10_000, ge=0, description="Positive answers kept in the shared TTL cache (0 disables caching)."
    )
    negative_cache_max_entries: int = Field(
        2_000, ge=0, description="NXDOMAIN/NODATA answers kept; bounded separately so junk names cannot evict real data."
    )
    negative_cache_max_ttl: float = Field(
        300.0, ge=0, description="Upper bound in seconds on how long a negative answer is cached."
    )
    authserv_id: str | None = Field(
        None, validate_default=True,
        description="authserv-id of our Authentication-Results header; inbound ones claiming it are removed. "
        "Default: this host's name (its FQDN, else gethostname()), read when the settings load, as OpenDMARC and "
        "OpenDKIM do. Set the name your downstream filters trust, the same on every MX of a domain.",
    )
    dmarc_mode: Literal["rfc7489", "dmarcbis"] = Field(
        "rfc7489", description="rfc7489: PSL organisational domain; dmarcbis: DNS tree walk with psd=, np= and t=."
    )
    trusted_arc_sealers: list[DomainName] = Field(
        default_factory=list,
        description="Domains whose valid ARC seal, recording dmarc=pass, may override a DMARC fail (forwarders, lists).",
    )
    dkim_min_key_bits: int = Field(1024, ge=512, description="RSA DKIM keys shorter than this give permerror.")
    enable_spf: bool = Field(True, description="Check SPF for the MAIL FROM and HELO identities.")
    enable_dkim: bool = Field(True, description="Verify every DKIM-Signature.")
    enable_dmarc: bool = Field(True, description="Evaluate DMARC for the RFC5322.From domain.")
    enable_arc: bool = Field(True, description="Validate the ARC chain.")

    @field_validator("authserv_id")
    @classmethod
    def _authserv_token(cls, value: str | None) -> str:
        if value is None:
            return _this_host_authserv_id()
        if not _AUTHSERV_RE.match(value):
            raise ValueError("must be a hostname-like token (letters, digits, '.', '-', '_')")
        return value
