"""Authenticator: SPF, DKIM, DMARC and ARC facts for one message, DNS trouble turned into data."""
from __future__ import annotations

import time
from collections.abc import Callable

from brandguard.auth import arc, dkim, dmarc, spf
from brandguard.auth.config import AuthSettings
from brandguard.auth.dns import BudgetedResolver, Resolver
from brandguard.auth.orgdomain import author_domain
from brandguard.auth.spfcache import SpfCache
from brandguard.isolation import Guard
from brandguard.model import ArcResult, AuthResults, DkimSignature, DmarcResult, MessageContext, SpfResult


class Authenticator:
    """Establishes authentication facts; makes no policy decision.

    One instance serves every milter thread: it holds the shared resolver and SPF result
    cache (both thread-safe) and immutable settings; each message gets its own DNS budget view.
    """

    def __init__(self, resolver: Resolver, settings: AuthSettings, *,
                 clock: Callable[[], float] = time.time):
        self._resolver = resolver
        self._settings = settings
        self._clock = clock
        # big senders repeat one client IP, HELO and MAIL FROM all day: pyspf is the cost
        self._spf_cache = SpfCache()

    def authenticate(self, ctx: MessageContext, guard: Guard | None = None) -> AuthResults:
        """Each method runs guarded: one that raises yields `temperror`, and DMARC, which would
        otherwise conclude from the missing half, is `temperror` too rather than a false `fail`."""
        g = guard or Guard(ctx.envelope.queue_id)
        s = self._settings
        view = BudgetedResolver(self._resolver, s.message_dns_budget,
                                on_lookup=getattr(self._resolver, "on_lookup", None))
        env = ctx.envelope
        spf_result = spf_helo = SpfResult()
        if s.enable_spf:
            spf_result, spf_helo = g.run("spf", self._spf, view, env.client_addr, env.mail_from, env.helo,
                                         default=(_TEMPERROR_SPF, _TEMPERROR_SPF))
        # Rebuilding and re-parsing the whole message costs more than all DNS work on a warm cache,
        # so do it only when there is a signature or seal to verify.
        has_dkim = s.enable_dkim and bool(ctx.header_values("DKIM-Signature"))
        has_arc = s.enable_arc and bool(ctx.header_values("ARC-Seal"))
        raw = ctx.raw_bytes() if (has_dkim or has_arc) else b""
        signatures: tuple[DkimSignature, ...] = ()
        if has_dkim:
            crashed = tuple(DkimSignature(result="temperror", reason="internal error")
                            for _ in ctx.header_values("DKIM-Signature"))
            signatures = g.run("dkim", dkim.verify_all, view, raw, min_key_bits=s.dkim_min_key_bits,
                               body_truncated=ctx.body_truncated, now=self._clock, default=crashed)
        dmarc_result = DmarcResult()
        if s.enable_dmarc:
            author = author_domain(ctx)
            if {"spf", "dkim"} & set(g.failed):
                dmarc_result = DmarcResult(result="temperror", from_domain=author.domain,
                                           reason="SPF or DKIM could not be evaluated")
            else:
                sample = ctx.first_header("Message-ID") or f"{env.queue_id}|{env.mail_from}"
                dmarc_result = g.run("dmarc", dmarc.evaluate, view, author, spf_result, signatures,
                                     mode=s.dmarc_mode, sample_key=sample.strip(),
                                     default=DmarcResult(result="temperror", from_domain=author.domain, reason="internal error"))
        arc_result = ArcResult()
        if has_arc:
            arc_result = g.run("arc", arc.verify_chain, view, raw, dmarc=dmarc_result if s.enable_dmarc else None,
                               trusted_sealers=s.trusted_arc_sealers, min_key_bits=s.dkim_min_key_bits,
                               default=ArcResult(result="none", reason="internal error"))
        return AuthResults(spf=spf_result, spf_helo=spf_helo, dkim=signatures, dmarc=dmarc_result,
                           arc=arc_result, checked=True, source="dns")

    def _spf(self, view: Resolver, client_addr: str, mail_from: str, helo: str) -> tuple[SpfResult, SpfResult]:
        receiver = self._settings.authserv_id or ""  # AuthSettings fills it in; "" means none to pyspf
        return (spf.check_host(view, client_addr, mail_from, helo, receiver=receiver, cache=self._spf_cache),
                spf.check_helo(view, client_addr, helo, receiver=receiver, cache=self._spf_cache))


_TEMPERROR_SPF = SpfResult(result="temperror", explanation="internal error")
