"""One exception tree for brandguard; translated to exit codes or milter replies at the boundary."""
from __future__ import annotations


class BrandguardError(Exception):
    """Base of every error brandguard raises on purpose."""


class ConfigError(BrandguardError):
    """Settings or policy files are invalid; carries every problem found, each with file:line."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class SettingsError(ConfigError):
    """The daemon settings file is invalid."""


class PolicyError(ConfigError):
    """A policy, brand catalogue or freemail file is invalid."""


class DnsError(BrandguardError):
    """A DNS lookup failed in a way the caller must turn into a temperror/permerror result."""


class DnsTimeout(DnsError):
    """A DNS query or the per-message DNS budget ran out."""


class DnsServFail(DnsError):
    """The resolver answered SERVFAIL or could not reach any nameserver."""


class BudgetExceeded(BrandguardError):
    """A message's analysis ran past its time budget; the fallback verdict applies."""


class AnalysisCrashed(BrandguardError):
    """A separate analysis process (`analysis_processes`) failed on a message or died; it is replaced."""


class NotMailError(BrandguardError):
    """`scan` was given a file that is not a mail message."""


class QuarantineError(BrandguardError):
    """A Postfix queue command (postqueue, postcat, postsuper) failed."""
