"""extract(): the MIME walk with its limits, and each source of text (body, PDF, DOCX, ICS, OCR)."""
from __future__ import annotations

from email.message import EmailMessage

import pytest
from pydantic import ValidationError

from brandguard.content import ContentSettings, extract
from brandguard.mailfile import context_from_bytes
from unit.content.builders import DATA, docx, ics, text_pdf

NO_OCR = ContentSettings(ocr={"enabled": False})


def message(text: str | None = "Hello", html: str | None = None, attachments=(), **headers) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("sender", "Alice <alice@example.org>")
    msg["To"] = "bob@example.net"
    msg["Subject"] = headers.pop("subject", "Hi")
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    if text is not None:
        msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html") if text is not None else msg.set_content(html, subtype="html")
    for data, maintype, subtype, filename in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def content_of(raw: bytes, settings: ContentSettings = NO_OCR):
    return extract(context_from_bytes(raw), settings)


def test_headers_are_decoded_and_normalised():
    c = content_of(message(sender="=?utf-8?q?Nor=E2=80=8Bton_Billing?= <billing@desk.example>",
                           subject="Your 𝐍𝐨𝐫𝐭𝐨𝐧 invoice", reply_to="Help <help@gmail.com>",
                           Return_Path="<bounce@mailer.example>"))
    assert (c.display_name, c.from_address, c.from_domain) == ("Norton Billing", "billing@desk.example", "desk.example")
    assert c.subject == "Your Norton invoice" and c.reply_to == ("help@gmail.com",)
    assert c.return_path_domain == "mailer.example"
    assert c.counters.zero_width == 1 and c.counters.styled == 6


@pytest.mark.parametrize(
    "from_line, display, address",
    [
        pytest.param("Microsoft account team ,_<ab@x.example>", "Microsoft account team", "ab@x.example",
                     id="junk-before-angle"),
        pytest.param("Edeka, Edeka, noreply@x.example", "Edeka, Edeka", "noreply@x.example", id="no-angle-brackets"),
        pytest.param('"Doe, John" <j@x.example>', "Doe, John", "j@x.example", id="quoted-comma"),
    ],
)
def test_broken_from_lines(from_line, display, address):
    c = content_of(f"From: {from_line}\r\nSubject: x\r\n\r\nbody\r\n".encode())
    assert (c.display_name, c.from_address) == (display, address)


def test_html_alternative_wins_and_hidden_text_is_kept_apart():
    c = content_of(message(text="plain version differs",
                           html='<p>Visible <span style="display:none">secret words</span><a href="http://x.example/">'
                                "click</a></p>"))
    assert c.body == "Visible click"
    assert c.hidden_text == "secret words" and c.counters.hidden_chars == len("secretwords")
    assert [(link.host, link.text, link.kind) for link in c.links] == [("x.example", "click", "href")]


def test_pdf_text_phone_and_link_annotation():
    pdf = text_pdf(["Norton 360 renewal: $299.99", "Call 1-808-555-0143 to cancel"], uri="http://renew.example/x")
    c = content_of(message(attachments=[(pdf, "application", "pdf", "invoice.pdf")]))
    assert "Norton 360 renewal" in c.text_of("pdf")
    assert [p.e164 for p in c.phones if p.where == "pdf"] == ["+18085550143"]
    assert ("renew.example", "annotation", "pdf") in [(link.host, link.kind, link.where) for link in c.links]
    assert c.attachments[0].filename == "invoice.pdf"


def test_docx_text():
    c = content_of(message(attachments=[(docx(["Invoice INV-1", "Support: +1 808 555 0143"]), "application",
                                         "vnd.openxmlformats-officedocument.wordprocessingml.document", "inv.docx")]))
    assert "Invoice INV-1" in c.text_of("docx") and c.phones[0].where == "docx"


def test_calendar_summary_and_description():
    c = content_of(message(attachments=[(ics("Norton invoice", "Charged $399\\nCall 808-555-0143"), "text",
                                         "calendar", "invite.ics")]))
    text = c.text_of("ics")
    assert "Norton invoice" in text and "Charged $399\nCall 808-555-0143" in text and "Billing Desk" in text


def test_ocr_of_image_attachment():
    png = (DATA / "invoice.png").read_bytes()
    c = content_of(message(attachments=[(png, "image", "png", "invoice.png")]), ContentSettings())
    assert "McAfee" in c.text_of("ocr") and c.counters.ocr_images == 1
    assert "+18085550143" in [p.e164 for p in c.phones if p.where == "ocr"]


def test_ocr_of_image_only_pdf_page():
    c = content_of(message(attachments=[((DATA / "scan.pdf").read_bytes(), "application", "pdf", "scan.pdf")]),
                   ContentSettings())
    assert "renewal" in c.text_of("ocr")


@pytest.mark.parametrize(
    "ocr, defect",
    [
        pytest.param({"tesseract": "/nonexistent/tesseract"}, "ocr_unavailable", id="binary-missing"),
        pytest.param({"max_images": 0}, None, id="no-images-allowed"),
        pytest.param({"min_bytes": 10_000_000}, None, id="image-too-small-to-matter"),
    ],
)
def test_ocr_limits(ocr, defect):
    png = (DATA / "invoice.png").read_bytes()
    c = content_of(message(attachments=[(png, "image", "png", "a.png")]), ContentSettings(ocr=ocr))
    assert c.text_of("ocr") == ""
    assert (defect in c.defects) if defect else ("ocr_unavailable" not in c.defects)


def test_part_and_byte_limits_become_defects():
    raw = message(attachments=[(b"x" * 5000, "application", "octet-stream", f"f{i}.bin") for i in range(5)])
    c = content_of(raw, ContentSettings(max_parts=3, max_scan_bytes=4000, ocr={"enabled": False}))
    assert "too_many_parts" in c.defects and c.counters.parts == 3


def test_depth_limit_and_attached_message_sender():
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "Norton <receipts@norton.com>", "receipt"
    inner.set_content("deep text")
    outer = EmailMessage()
    outer["From"], outer["Subject"] = "alice@example.org", "see attached"
    outer.set_content("wrapper")
    outer.add_attachment(inner)  # message/rfc822
    raw = bytes(outer)
    assert "deep text" in content_of(raw).text_of("attachment")
    assert content_of(raw).forwarded_from == ("receipts@norton.com",)
    shallow = content_of(raw, ContentSettings(max_depth=1, ocr={"enabled": False}))
    assert "too_deep" in shallow.defects and "deep text" not in shallow.text_of()


def test_forwarded_from_addresses():
    c = content_of(message(subject="Fwd: receipt", text="FYI\n\n---------- Forwarded message ---------\n"
                                                        "From: Norton <receipts@norton.com>\nDate: today\n\nThanks"))
    assert c.forwarded_from == ("receipts@norton.com",)


def test_malformed_mime_does_not_raise():
    raw = (b"From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
           b"--zz\r\nContent-Type: text/html; charset=bogus-charset\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"!!!not base64\r\n--zz\r\nContent-Type: application/pdf\r\n\r\nnot a pdf\r\n")
    c = content_of(raw)
    assert "pdf_unreadable" in c.defects


def test_settings_are_closed():
    with pytest.raises(ValidationError):
        ContentSettings(max_parts=10, unknown=1)
    with pytest.raises(ValidationError):
        ContentSettings(ocr={"enabled": True, "colour": "blue"})


def test_a_giant_subject_is_analysed_as_its_first_line_only():
    raw = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: " + b"Norton renewal " * 40_000 + b"\r\n\r\nhi\r\n"
    c = extract(context_from_bytes(raw), NO_OCR)
    assert 0 < len(c.subject) <= 2000


@pytest.mark.parametrize("body, names", [
    pytest.param("De: McAfee Department <x7@promo.example>\nEnviado: domingo\nAssunto: Oferta\n\nOi",
                 ("McAfee Department",), id="outlook-portuguese-forward"),
    pytest.param("Von: \"PayPal\" <service@pp-check.example>\nBetreff: Konto\n", ("PayPal",), id="german-forward"),
])
def test_forwarded_sender_names(body, names):
    c = extract(context_from_bytes(message(text=body, subject="Fw: look at this")), NO_OCR)
    assert c.forwarded_names == names


def test_de_lines_of_an_ordinary_message_are_no_forward():
    c = extract(context_from_bytes(message(text="De: Maria <maria@casa.example>\nOi!", subject="Oi")), NO_OCR)
    assert c.forwarded_names == () and c.forwarded_from == ()


def test_broken_rfc2231_parameters_leave_the_part_readable():
    raw = (b"From: a@example.org\r\nTo: b@example.net\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset*=\r\nContent-Disposition: attachment; filename*0*=utf-8''a; "
           b"filename*=\r\n\r\nNorton renewal\r\n")
    c = extract(context_from_bytes(raw), NO_OCR)
    assert "Norton renewal" in c.text_of()


def _bounce(inner_from: str, outer_from: str = "Mail Delivery System <MAILER-DAEMON@mx.example.net>") -> bytes:
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = outer_from, "Pat <pat@example.net>", "Undelivered Mail"
    outer.set_content("Your message could not be delivered to bob@gone.example: 550 5.1.1 user unknown")
    inner = EmailMessage()
    inner["From"], inner["To"], inner["Subject"] = inner_from, "bob@gone.example", "Re: licences"
    inner.set_content("Our Microsoft 365 renewal was charged $264.00; call me at (512) 555-0100.")
    outer.add_attachment(inner)
    return bytes(outer)


@pytest.mark.parametrize(
    "raw, read",
    [
        pytest.param(_bounce("Pat <pat@example.net>"), False, id="own-message-returned-by-a-bounce"),
        pytest.param(_bounce("Billing <billing@renewals.example>"), True, id="someone-elses-message-in-a-bounce"),
        pytest.param(_bounce("Pat <pat@example.net>", outer_from="Pat <pat@example.net>"), True,
                     id="own-message-attached-to-a-mail-that-is-no-bounce"),
    ],
)
def test_a_bounce_does_not_read_the_readers_own_returned_message(raw, read):
    c = extract(context_from_bytes(raw), ContentSettings(ocr={"enabled": False}))
    assert ("charged $264.00" in c.text_of()) is read
    assert bool(c.phones) is read
