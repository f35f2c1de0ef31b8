"""The attachment result cache: bounded by bytes, least recently used out first, off at 0, same results."""
from __future__ import annotations

import threading
from email.message import EmailMessage

from brandguard.content import extract
from brandguard.content.cache import AttachmentCache, approx_size
from brandguard.content.config import ContentSettings, OcrSettings
from brandguard.content.ocr import OcrBudget
from brandguard.mailfile import context_from_bytes
from unit.content.builders import docx, text_pdf

MB = 1024 * 1024


def _blob(i: int) -> bytes:
    return f"attachment {i}".encode()


def test_hit_returns_the_first_result_without_computing():
    cache, calls = AttachmentCache(), []
    for _ in range(3):
        value = cache.get_or_compute("pdf", ("p",), _blob(1), 1, lambda: calls.append(1) or "text")
    assert value == "text" and len(calls) == 1 and cache.stats()["hits"] == 2


def test_parameters_and_kind_are_part_of_the_key():
    cache = AttachmentCache()
    assert cache.get_or_compute("pdf", 1, _blob(1), 1, lambda: "a") == "a"
    assert cache.get_or_compute("pdf", 2, _blob(1), 1, lambda: "b") == "b"
    assert cache.get_or_compute("docx", 1, _blob(1), 1, lambda: "c") == "c"


def test_zero_disables():
    cache, calls = AttachmentCache(), []
    for _ in range(2):
        cache.get_or_compute("pdf", (), _blob(1), 0, lambda: calls.append(1) or "x")
    assert len(calls) == 2 and cache.stats()["entries"] == 0


def test_bounded_by_bytes_least_recently_used_first():
    cache = AttachmentCache()
    big = "x" * (200 * 1024)  # about a fifth of 1 MB each
    for i in range(4):
        cache.get_or_compute("pdf", (), _blob(i), 1, lambda: big)
    cache.get_or_compute("pdf", (), _blob(0), 1, lambda: "recomputed")  # touch 0: now the most recent
    for i in range(4, 8):
        cache.get_or_compute("pdf", (), _blob(i), 1, lambda: big)
    stats = cache.stats()
    assert stats["bytes"] <= MB and stats["entries"] < 8
    assert cache.get_or_compute("pdf", (), _blob(1), 1, lambda: "gone") == "gone"


def test_a_result_larger_than_a_quarter_is_not_kept():
    cache = AttachmentCache()
    cache.get_or_compute("pdf", (), _blob(1), 1, lambda: "x" * (300 * 1024))
    assert cache.stats()["entries"] == 0


def test_keep_false_is_not_cached():
    cache, calls = AttachmentCache(), []
    for _ in range(2):
        cache.get_or_compute("ocr", (), _blob(1), 1, lambda: calls.append(1) or ("", 1.0, "ocr_timeout"),
                             keep=lambda r: r[2] is None)
    assert len(calls) == 2


def test_threads_share_it_safely():
    cache = AttachmentCache()

    def work(n):
        for i in range(200):
            assert cache.get_or_compute("pdf", (), _blob(i % 50), 1, lambda i=i: f"v{i % 50}") == f"v{i % 50}"

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.stats()["entries"] == 50


def test_approx_size_counts_nested_strings_and_bytes():
    assert approx_size(("a" * 1000, [b"b" * 2000])) > 3000


def _pdf_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Billing <billing@example.org>"
    msg["To"] = "you@example.net"
    msg["Subject"] = "Invoice"
    msg.set_content("See the attached invoice.")
    for name, lines in (("invoice.pdf", ["Norton renewal", "Call 1-888-555-0199"]), ("docx.pdf", ["Geek Squad"])):
        pdf = text_pdf(lines, uri="https://renew.example.com/pay")
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    msg.add_attachment(docx(["Order 4471", "Call 1-888-555-0199"]), maintype="application",
                       subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename="order.docx")
    return msg.as_bytes()


def test_extract_gives_the_same_content_with_and_without_the_cache():
    raw = _pdf_mail()
    off = ContentSettings(attachment_cache_mb=0)
    on = ContentSettings(attachment_cache_mb=8)
    first = extract(context_from_bytes(raw), on)
    again = extract(context_from_bytes(raw), on)
    plain = extract(context_from_bytes(raw), off)
    assert first == again == plain
    assert {t.source for t in plain.texts} >= {"pdf", "docx"} and any(k.kind == "annotation" for k in plain.links)


def test_cached_ocr_is_charged_what_it_cost(monkeypatch):
    from brandguard.content import ocr

    cache = AttachmentCache()
    monkeypatch.setattr(ocr, "CACHE", cache)
    image = b"\x89PNG" + b"\0" * 5000
    runs = []

    def fake(self, data):
        runs.append(data)
        return "CALL 1-800-555-0100", 2.5, None

    monkeypatch.setattr(OcrBudget, "_tesseract", fake)
    monkeypatch.setattr(OcrSettings, "binary", lambda self: "/usr/bin/tesseract")
    budgets = [OcrBudget(OcrSettings(), cache_mb=8) for _ in range(2)]
    texts = [b.run(image) for b in budgets]
    assert texts[0] == texts[1] == "CALL 1-800-555-0100" and len(runs) == 1
    assert [b.spent for b in budgets] == [2.5, 2.5] and [b.done for b in budgets] == [1, 1]
