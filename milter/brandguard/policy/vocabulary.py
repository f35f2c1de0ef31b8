"""Vocabulary: lure phrases per language, remote-access tools and link lists, as data checked like the catalogue."""
from __future__ import annotations

import glob
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from brandguard.checks._fastrx import Lexicon, PatternError, check_pattern, lexicon
from brandguard.errors import ConfigError
from brandguard.policy.fields import domain_name
from brandguard.policy.yamlio import YamlDoc, format_loc, load_yaml, validate

# Scripts written without spaces between words: \b finds no word edges there, so their phrases may not use it.
UNSPACED = frozenset({"ja", "zh", "th", "lo", "km", "my"})
_WORD_EDGE = re.compile(r"(?<!\\)(?:\\\\)*\\[bB]")
_LANGUAGE = re.compile(r"^(?:[a-z]{2,3}|mul)$")


def _pattern(value: str) -> str:
    try:
        check_pattern(value)
    except PatternError as exc:
        raise ValueError(f"{value!r}: {exc}") from None
    return value




def _language(value: str) -> str:
    if not _LANGUAGE.match(value):
        raise ValueError(f"{value!r}: a language is a lower-case ISO 639 code (de, pt, ja) or 'mul' for several")
    return value


Pattern = Annotated[str, AfterValidator(_pattern)]
Language = Annotated[str, AfterValidator(_language)]
Domain = Annotated[str, AfterValidator(domain_name)]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _phrases(description: str) -> Any:
    return Field(default_factory=list, description=description)


class PhraseLists(_Closed):
    """Phrase patterns of one language by lexicon: case-insensitive, in the syntax RE2 and Python re share."""

    call: list[Pattern] = _phrases("asks the reader to phone (callback_lure, searched around each number)")
    cancel: list[Pattern] = _phrases("why phone: a refund, a cancellation, a charge not made (callback_lure)")
    charge: list[Pattern] = _phrases("a charge or renewal made or coming (callback_lure, payment_lure)")
    amount: list[Pattern] = _phrases("a sum with its currency (callback_lure, payment_lure, freemail_brand_claim)")
    gift_or_crypto: list[Pattern] = _phrases("payment by gift card or crypto-currency (payment_lure)")
    your_account: list[Pattern] = _phrases("the reader's own account, order or plan (callback_lure, payment_lure)")
    dial_in: list[Pattern] = _phrases("meeting dial-in wording: numbers beside it are nobody's support line")
    transaction: list[Pattern] = _phrases("words of receipts and invoices (freemail_brand_claim)")
    access_request: list[Pattern] = _phrases("asks to let someone into the reader's computer (remote_access_lure)")
    remote_session: list[Pattern] = _phrases("names remote access itself: 'remote access', 'Fernwartung', 'à distance', "
                                             "'遠隔操作' (remote_access_lure without a tool's name: beside an access "
                                             "request, with a brand or a phone number)")
    archive_password: list[Pattern] = _phrases("gives the password of a locked attachment: 'password: 4471', "
                                               "'Passwort lautet', 'パスワードは' (locked_attachment)")
    reward: list[Pattern] = _phrases("prize, voucher or survey bait (reward_lure)")
    urgency: list[Pattern] = _phrases("pressure to act now (action_lure evidence)")
    warning: list[Pattern] = _phrases("the message warns about a scam: 'do not call', 'phishing', 'fake invoice', 'if "
                                      "you receive one' (scam_warning: bulletins, abuse-desk forwards, news)")
    # credential_lure outcomes, tried in this order
    mailbox_quota: list[Pattern] = _phrases("credential_lure: the mailbox is full, mail is held")
    password_expiry: list[Pattern] = _phrases("credential_lure: the password expires")
    account_threat: list[Pattern] = _phrases("credential_lure: the account is or will be locked or suspended")
    account_verify: list[Pattern] = _phrases("credential_lure: verify, restore or unlock the account")
    verify_request: list[Pattern] = _phrases("credential_lure: confirm or update details")
    payment_update: list[Pattern] = _phrases("credential_lure: the payment failed, update the card")
    # action_lure outcomes, tried in this order
    parcel_fee: list[Pattern] = _phrases("action_lure: a parcel held for a fee or a failed delivery")
    protection_expired: list[Pattern] = _phrases("action_lure: antivirus or subscription protection lapsed")
    document_share: list[Pattern] = _phrases("action_lure: a document, voicemail or fax behind a link")
    crypto_wallet: list[Pattern] = _phrases("action_lure: a wallet to verify, a phrase to enter, an airdrop")
    points_expiring: list[Pattern] = _phrases("action_lure: loyalty points or a balance about to lapse")
    security_alert: list[Pattern] = _phrases("action_lure and callback_lure: a sign-in alert, a breach")
    cloud_storage: list[Pattern] = _phrases("action_lure: cloud storage full, photos to be deleted")


LEXICONS = ("call", "cancel", "charge", "amount", "gift_or_crypto", "your_account", "dial_in", "transaction",
            "access_request", "remote_session", "archive_password", "reward", "urgency", "warning")
CREDENTIAL_KINDS = ("mailbox_quota", "password_expiry", "account_threat", "account_verify", "verify_request",
                    "payment_update")
TOPIC_NAMES = ("parcel_fee", "protection_expired", "document_share", "crypto_wallet", "points_expiring",
               "security_alert", "cloud_storage")


class RemoteTool(_Closed):
    """A remote-access program scammers have victims install."""

    name: str = Field(min_length=1, description="how the tool is called")
    pattern: Pattern = Field(description="its name in text (the phrase syntax; \\b and \\w are ASCII-only here, "
                             "so a name glued to Japanese text still matches)")
    hosts: list[Domain] = Field(default_factory=list, description="its download sites (subdomains included)")


class Redirector(_Closed):
    """An open redirector of a big platform: its own host says nothing about where the link goes."""

    host: Domain = Field(description="the redirector's host (subdomains included)")
    path: str = Field(pattern=r"^/", description="the redirect path's beginning")
    param: str = Field("", description="query parameter holding the target; empty: the target follows the path")
    decode: Literal["none", "a1_base64"] = Field("none", description="a1_base64: 'a1' and URL-safe base64 (Bing)")


class VocabularySection(_Closed):
    """What checks match mail against: policies/vocabulary/*.yaml, and `vocabulary:` in policies/local.d/*.yaml."""

    phrases: dict[Language, PhraseLists] = Field(default_factory=dict, description="language code (ISO 639-1; 'mul': "
                                            "several) -> phrase patterns by lexicon; ja, zh, th: no \\b")
    exceptions: dict[Language, PhraseLists] = Field(default_factory=dict, description="language -> patterns that, "
                                               "matching where a phrase starts, make it no match ('call center')")
    remote_access_tools: list[RemoteTool] = Field(default_factory=list, description="remote_access_lure's tools")
    url_shorteners: list[Domain] = Field(default_factory=list, description="suspicious_link: link shorteners")
    free_hosting: list[Domain] = Field(default_factory=list, description="suspicious_link: free hosting, serverless")
    esp_domains: list[Domain] = Field(default_factory=list, description="own_domain_mismatch: ESP click-tracking "
                                      "and bounce domains, which say nothing about the author")
    open_redirectors: list[Redirector] = Field(default_factory=list, description="redirect_link and others: "
                                               "platform redirectors, followed to their target")
    given_names: list[Annotated[str, Field(pattern=r"^[A-Z][a-z]+$")]] = Field(
        default_factory=list, description="attribution: first names (capitalised, Latin letters); a one-word brand "
        "name right after one is a person's surname ('Edward Norton', 'John McAfee'), not a claim of the brand")


class VocabularyFile(VocabularySection):
    """A vocabulary file (policies/vocabulary/*.yaml): a VocabularySection with a version."""

    version: Literal[1] = Field(1, description="schema version of the file")


@dataclass(frozen=True)
class Vocabulary:
    """The compiled vocabulary of one policy load: a Lexicon per phrase list, and lookup sets."""

    call: Lexicon
    cancel: Lexicon
    charge: Lexicon
    amount: Lexicon
    gift_or_crypto: Lexicon
    your_account: Lexicon
    dial_in: Lexicon
    transaction: Lexicon
    access_request: Lexicon
    remote_session: Lexicon
    archive_password: Lexicon
    reward: Lexicon
    urgency: Lexicon
    warning: Lexicon
    credential: Mapping[str, Lexicon]  # CREDENTIAL_KINDS order
    topics: Mapping[str, Lexicon]  # TOPIC_NAMES order
    remote_tools: Lexicon
    remote_tool_hosts: frozenset[str]
    url_shorteners: frozenset[str]
    free_hosting: frozenset[str]
    esp_domains: frozenset[str]
    open_redirectors: tuple[Redirector, ...]
    given_names: frozenset[str]
    languages: tuple[str, ...]
    sources: tuple[Path, ...] = ()


Loc = tuple[str | int, ...]  # a key path in a YAML document
Section = tuple[YamlDoc, VocabularySection, Loc]  # the document, the section, its key path in the document


def load_vocabulary(paths: Sequence[Path], local: Sequence[Section] = ()) -> Vocabulary:
    """Vocabulary files, then sections of local policy files, merged in order; ConfigError lists every problem."""
    problems: list[str] = []
    sections: list[Section] = []
    for path in paths:
        try:
            doc = load_yaml(path)
            sections.append((doc, validate(doc, VocabularyFile), ()))
        except ConfigError as exc:
            problems.extend(exc.problems)
    sections += local
    for doc, section, prefix in sections:
        problems += _unspaced_problems(doc, section, prefix)
    if problems:
        raise ConfigError(problems)
    return _compile([s for _, s, _ in sections], tuple(Path(p) for p in paths))


def _unspaced_problems(doc: YamlDoc, section: VocabularySection, prefix: Loc) -> list[str]:
    out = []
    for kind in ("phrases", "exceptions"):
        for lang, lists in getattr(section, kind).items():
            if lang not in UNSPACED:
                continue
            for name in PhraseLists.model_fields:
                for i, pattern in enumerate(getattr(lists, name)):
                    if _WORD_EDGE.search(pattern):
                        loc = prefix + (kind, lang, name, i)
                        out.append(f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: {pattern!r}: \\b finds no "
                                   f"word edges in {lang}, which is written without spaces")
    return out


def _compile(sections: list[VocabularySection], sources: tuple[Path, ...]) -> Vocabulary:
    def listed(kind: str, name: str) -> tuple[str, ...]:
        return tuple(p for s in sections for lists in getattr(s, kind).values() for p in getattr(lists, name))

    lex = {name: lexicon(listed("phrases", name), listed("exceptions", name)) for name in PhraseLists.model_fields}
    tools = [t for s in sections for t in s.remote_access_tools]
    return Vocabulary(
        **{name: lex[name] for name in LEXICONS},
        credential=MappingProxyType({k: lex[k] for k in CREDENTIAL_KINDS}),
        topics=MappingProxyType({k: lex[k] for k in TOPIC_NAMES}),
        # tool names are ASCII words: their edges are ASCII ones, so "AnyDeskを" names AnyDesk in Japanese text
        remote_tools=lexicon(tuple(t.pattern for t in tools), flags=re.ASCII),
        remote_tool_hosts=frozenset(h for t in tools for h in t.hosts),
        url_shorteners=frozenset(d for s in sections for d in s.url_shorteners),
        free_hosting=frozenset(d for s in sections for d in s.free_hosting),
        esp_domains=frozenset(d for s in sections for d in s.esp_domains),
        open_redirectors=tuple(r for s in sections for r in s.open_redirectors),
        given_names=frozenset(n for s in sections for n in s.given_names),
        languages=tuple(dict.fromkeys(lang for s in sections for lang in s.phrases)),
        sources=sources,
    )


def shipped_paths() -> list[Path]:
    from brandguard.settings import SHIPPED_POLICIES  # settings pulls in every settings model: import when needed

    return sorted((SHIPPED_POLICIES / "vocabulary").glob("*.yaml"))


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The shipped vocabulary, for callers without a policy (a catalogue built without one, tools, tests)."""
    return load_vocabulary(shipped_paths())


def policy_vocabulary(base: Path, globs: Sequence[str], local: Sequence[Section], warnings: list[str]) -> Vocabulary:
    """The vocabulary a policy names (globs relative to its folder), plus its local files' sections."""
    paths = [Path(p) for pat in globs for p in sorted(glob.glob(str(base / pat)))]
    if not paths:
        # an older policy folder without vocabulary/: the checks would silently match nothing
        paths = shipped_paths()
        warnings.append(f"catalogue.vocabulary {list(globs)} matches no file in {base}: using the shipped "
                        f"vocabulary ({paths[0].parent if paths else 'missing'})")
    return load_vocabulary(paths, local)
