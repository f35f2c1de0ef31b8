"""Properties over generated mail and policies: analysis never raises (bar NotMailError), loaders raise ConfigError."""
from __future__ import annotations

import base64
import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from brandguard import actions
from brandguard.errors import ConfigError, NotMailError
from brandguard.mailfile import context_from_bytes, split_message
from brandguard.model import Action, domain_of
from brandguard.policy.loader import load_policy
from faults.harness import all_checks_policy, offline_scanner, unsafe_written_values

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = set(Action)
FAST = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return offline_scanner(all_checks_policy(tmp_path_factory.mktemp("policy")))


def analyse(app, raw: bytes):
    """The property: a verdict in the closed set and nothing unsafe written, or NotMailError; never anything else."""
    try:
        ctx = context_from_bytes(raw, limit=app.settings.body_scan_limit)
    except NotMailError:
        return None
    outcome = app.process(ctx)
    assert outcome.verdict.action in ACTIONS
    assert outcome.plan.result in {"accept", "reject", "tempfail"}
    assert not unsafe_written_values(outcome.plan)
    return outcome


# --- building blocks -------------------------------------------------------------------------

LURE_WORDS = ["Microsoft", "Norton", "PayPal", "Geek Squad", "McAfee", "renewal", "refund", "call", "1-888-555-0142",
              "+1 (800) 642-7676", "AnyDesk", "support", "invoice", "N\u043erton", "Micro\u200bsoft", "\u202eLAPYAP"]
words = st.one_of(st.sampled_from(LURE_WORDS), st.text(min_size=0, max_size=12))
text = st.lists(words, max_size=12).map(" ".join)
raw_bytes = st.binary(max_size=200)
charsets = st.sampled_from(["utf-8", "iso-8859-1", "utf-16", "utf-7", "x-unknown", "", "us-ascii", "cp1252",
                            "shift_jis", '"utf-8', "utf-8'en'"])


@st.composite
def encoded_word(draw) -> str:
    payload = draw(text).encode("utf-8")
    if draw(st.booleans()):
        body = base64.b64encode(payload).decode() if draw(st.booleans()) else draw(st.text("A=!?+/", max_size=8))
        return f"=?{draw(charsets)}?B?{body}?="
    return f"=?{draw(charsets)}?Q?{payload.decode('utf-8').replace(' ', '_')}?="


# raw 8-bit bytes arrive surrogate-escaped, as the milter and mailfile hand them over
escaped_bytes = st.binary(max_size=60).map(lambda b: b.decode("utf-8", "surrogateescape"))
header_text = st.one_of(text, encoded_word(), escaped_bytes)

# --- addresses ---------------------------------------------------------------------------------

domains = st.one_of(
    st.sampled_from(["example.org", "microsoft.com", "micros0ft-support.com", "xn--pypal-4ve.com", "p\u0430ypal.com",
                     "gmail.com", "[192.0.2.1]", "example.org.", "", "localhost", "a..b", "-x-.com",
                     "norton.com.evil.example"]),
    st.from_regex(r"[a-z0-9-]{1,12}(\.[a-z0-9-]{1,8}){0,3}", fullmatch=True),
)
local_parts = st.one_of(st.from_regex(r"[A-Za-z0-9._+-]{1,16}", fullmatch=True),
                        st.sampled_from(['"a b"', '"a@b.c"', '"support@microsoft.com"', '"', "a.", ".a", "\\@", ""]))
comments = st.sampled_from(["", "(comment)", "(microsoft.com)", "((nested))", "(unclosed", "()"])


@st.composite
def address(draw) -> str:
    addr = f"{draw(local_parts)}@{draw(domains)}" if draw(st.integers(0, 9)) else draw(local_parts)
    if draw(st.booleans()):
        addr = f"<{draw(st.sampled_from(['', '@route.example:', '@a,@b:']))}{addr}>"
        name = draw(st.one_of(text, encoded_word(), st.sampled_from(['"support@microsoft.com"',
                                                                     "service@paypal.com", '"a', "a<b", ""])))
        addr = f"{name} {addr}"
    return f"{draw(comments)}{addr}{draw(comments)}"


address_list = st.one_of(
    st.lists(address(), max_size=3).map(", ".join),
    st.builds(lambda g, a: f"{g}: {a};", st.sampled_from(["undisclosed-recipients", "group", ""]),
              st.lists(address(), max_size=2).map(", ".join)),
)

# --- MIME trees --------------------------------------------------------------------------------

leaf_types = st.sampled_from(["text/plain", "text/html", "text/calendar", "application/pdf", "image/png",
                              "application/octet-stream", "application/vnd.openxmlformats-officedocument."
                              "wordprocessingml.document", "text/x-unknown", "", "garbage", "message/rfc822"])
encodings = st.sampled_from([None, "7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", "x-bogus"])
boundaries = st.text(string.ascii_letters + string.digits + "'()+_,-./:=? ", min_size=0, max_size=75)


@st.composite
def leaf(draw) -> bytes:
    ctype, cte = draw(leaf_types), draw(encodings)
    payload = draw(st.one_of(text.map(lambda t: t.encode("utf-8", "surrogatepass")), raw_bytes,
                             st.sampled_from([b"<html><body><p>Call <b>Norton</b> 1-888-555-0142</p>", b"%PDF-1.4\n",
                                              b"BEGIN:VCALENDAR\nSUMMARY:Microsoft renewal\n", b"PK\x03\x04"])))
    if cte == "base64" and draw(st.booleans()):
        payload = base64.encodebytes(payload)
    head = f"Content-Type: {ctype}; charset={draw(charsets)}"
    if draw(st.booleans()):
        head += f'; name="{draw(st.sampled_from(["invoice.pdf", "a.docx", "call.png", "x.ics", "..%2F", ""]))}"'
    lines = [head.encode("utf-8", "surrogateescape")]
    if cte:
        lines.append(f"Content-Transfer-Encoding: {cte}".encode())
    if draw(st.booleans()):
        lines.append(b"Content-Disposition: attachment; filename*=utf-8''renewal%20invoice.pdf")
    return b"\r\n".join(lines) + b"\r\n\r\n" + payload


def multipart(draw, children: list[bytes]) -> bytes:
    boundary = draw(boundaries)
    sub = draw(st.sampled_from(["mixed", "alternative", "related", "digest", "report", "x-weird"]))
    delimiter = draw(st.sampled_from([boundary, boundary, boundary + "x", ""]))
    out = [f'Content-Type: multipart/{sub}; boundary="{boundary}"\r\n\r\n'.encode(), draw(raw_bytes)]
    for child in children:
        out.append(b"\r\n--" + delimiter.encode() + b"\r\n" + child)
    if draw(st.booleans()):
        out.append(b"\r\n--" + boundary.encode() + b"--\r\n")
    out.append(draw(raw_bytes))
    return b"".join(out)


mime_tree = st.recursive(leaf(), lambda kids: st.lists(kids, max_size=4).flatmap(
    lambda children: st.composite(lambda draw: multipart(draw, children))()), max_leaves=10)


@st.composite
def message(draw, body=mime_tree) -> bytes:
    headers = []
    for _ in range(draw(st.integers(0, 3))):
        headers.append(("From", draw(address_list)))
    for name in ("Sender", "Reply-To", "To", "Cc", "Return-Path"):
        if draw(st.integers(0, 3)) == 0:
            headers.append((name, draw(address_list)))
    headers.append(("Subject", draw(header_text)))
    headers += draw(st.lists(st.tuples(st.sampled_from(["Subject", "X-Brandguard-Verdict", "Authentication-Results",
                                                        "DKIM-Signature", "ARC-Seal", "Received", "Message-ID",
                                                        "MIME-Version", "Content-Type", "X-Mailer"]),
                                       header_text), max_size=4))
    order = draw(st.permutations(headers))
    head = b"".join(f"{n}: {v}".encode("utf-8", "surrogateescape") + b"\r\n" for n, v in order)
    return head + b"MIME-Version: 1.0\r\n" + draw(body)


# --- properties --------------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=2000))
def test_split_message_never_raises_and_normalises_line_ends(data):
    headers, body = split_message(data)
    assert all(":" not in name for name, _ in headers)
    assert body.count(b"\n") == body.count(b"\r\n")


@FAST
@given(st.one_of(st.binary(max_size=2000), message()))
def test_context_from_bytes_raises_only_not_mail(data):
    try:
        ctx = context_from_bytes(data, limit=1024)
    except NotMailError:
        return
    assert len(ctx.body) <= 1024 and ctx.size == len(data)
    assert domain_of(ctx.envelope.mail_from) == ctx.envelope.mail_from_domain


# Inputs that once crashed the pipeline (surrogates into RE2, stdlib parser IndexError): kept as examples.
LATIN1_SUBJECT = b"From: Caf\xe9 <a@example.org>\r\nTo: b@example.net\r\nSubject: Norton \xe9t\xe9\r\n\r\nhi\r\n"
STAR_PARAM = b"From: a@example.org\r\nContent-Type: text/plain; name*\r\n\r\nx"


@FAST
@example(LATIN1_SUBJECT)
@example(STAR_PARAM)
@given(message())
def test_pipeline_never_raises_on_random_mime_trees(app, raw):
    analyse(app, raw)


@FAST
@example(LATIN1_SUBJECT)
@given(message(body=st.just(b"Content-Type: text/plain\r\n\r\nhello\r\n")))
def test_pipeline_never_raises_on_header_soup_and_addresses(app, raw):
    analyse(app, raw)


@FAST
@given(address_list)
def test_single_from_with_one_plain_address_is_not_a_structure_problem(app, value):
    raw = f"From: {value}\r\nTo: bob@example.net\r\nSubject: s\r\n\r\nbody\r\n".encode("utf-8", "surrogateescape")
    outcome = analyse(app, raw)
    assert outcome is not None
    kinds = {f.outcome for f in outcome.verdict.findings if f.check == "message_structure"}
    assert not kinds & {"no_from", "multiple_from"}


@FAST
@given(st.text(max_size=400))
def test_safe_header_value_never_carries_control_characters(value):
    out = actions.safe_header_value(value)
    assert not any(ord(c) < 32 and c != "\t" or ord(c) == 127 for c in out) and len(out) <= 900


# --- policy YAML -------------------------------------------------------------------------------

KEYS = ["version", "mode", "thresholds", "tag", "quarantine", "reject", "catalogue", "brands", "freemail", "include",
        "subject_prefix", "reject_reply", "code", "xcode", "text", "quarantine_reason", "checks", "message_structure",
        "brand_claim", "weight", "enabled", "outcome_weights", "rules", "id", "when", "action", "score", "mode",
        "sample_percent", "expires", "reply", "final", "header", "contains", "matches", "exists", "check", "outcome",
        "brand", "all", "any", "not", "score_at_least", "mail_from_domain", "from_domain", "client_ip", "method",
        "result", "allow", "sender_domain", "reason", "recipient_overrides", "recipient_domain", "bogus"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.sampled_from(["enforce", "monitor", "reject", "quarantine", "tag", "accept", "all", "550",
                                     "5.7.1", "2027-01-31", "[", "(?P<", ".*", "brands/*.yaml", "freemail.yaml",
                                     "../../etc/passwd", "*", "spf", "pass", "10.0.0.0/8", "not-an-ip", ""]),
                    st.text(max_size=20))
yaml_data = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
                         max_leaves=25)


def _mutations():
    valid = {"version": 1, "mode": "enforce", "thresholds": {"tag": 5, "quarantine": 10, "reject": 15},
             "catalogue": {"brands": ["brands/*.yaml"], "freemail": "freemail.yaml"},
             "checks": {"message_structure": {"weight": 1}},
             "rules": [{"id": "r1", "when": {"header": "Subject", "matches": "x"}, "action": "tag"}]}
    return st.builds(lambda key, value: {**valid, key: value}, st.sampled_from(KEYS), yaml_data)


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(yaml_data, _mutations(), st.text(max_size=300)))
def test_policy_loader_raises_only_config_errors(tmp_path, doc):
    path = tmp_path / "policy.yaml"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, default=str), encoding="utf-8",
                    errors="surrogatepass")
    try:
        policy = load_policy(path)
    except ConfigError as exc:  # PolicyError is one; every problem names its file
        assert exc.problems and all(str(path) in p or "policy.yaml" in p or ".yaml" in p for p in exc.problems)
        return
    assert policy.spec.version == 1
