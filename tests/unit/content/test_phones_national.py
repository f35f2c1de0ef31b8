"""National phone formats of the lure languages, read without configuration when the text is in that language."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from brandguard.content.config import ContentSettings
from brandguard.content.extract import analyse_text
from brandguard.content.normalize import normalise
from brandguard.content.phoneregions import cued_regions, languages
from brandguard.content.phones import find_phones

REGIONS = ContentSettings().phone_regions


def _found(text: str, region: str = "US", regions: tuple[str, ...] = REGIONS) -> list[str]:
    return [p.e164 for p in find_phones(normalise(text).text, "body", region, regions=regions)]


@pytest.mark.parametrize(
    "text, e164",
    [
        pytest.param("至急、カスタマーセンター（０１２０－１２３－４５６）までお電話ください。", "+81120123456",
                     id="jp-0120-fullwidth"),
        pytest.param("お問い合わせは0120-123-456までご連絡ください", "+81120123456", id="jp-0120"),
        pytest.param("サポート窓口：０１２０ー１２３ー４５６（受付時間 9:00～18:00）", "+81120123456",
                     id="jp-0120-choonpu-dash"),
        pytest.param("不正利用の疑いがあります。050-1234-5678 にお電話ください。", "+815012345678", id="jp-050"),
        pytest.param("東京本社 03-1234-5678 までお問い合わせください", "+81312345678", id="jp-03"),
        pytest.param("お電話は（03）1234-5678 まで", "+81312345678", id="jp-03-fullwidth-parens"),
        pytest.param("〒100-0001 東京都千代田区千代田1-1 電話 03-1234-5678", "+81312345678", id="jp-postcode-then-phone"),
        pytest.param("Veuillez appeler notre service client au 09 70 12 34 56 pour annuler votre commande.",
                     "+33970123456", id="fr-09"),
        pytest.param("Pour le remboursement de votre commande, contactez le 01.23.45.67.89 avec votre numéro.",
                     "+33123456789", id="fr-01-dotted"),
        pytest.param("Bitte rufen Sie uns unter 030 1234567 an, wir helfen Ihnen mit Ihrer Rechnung.",
                     "+49301234567", id="de-030"),
        pytest.param("Falls Sie die Zahlung nicht veranlasst haben, rufen Sie uns bitte unter 030/1234567 an.",
                     "+49301234567", id="de-030-slash"),
        pytest.param("Para cancelar o seu pedido, ligue para a nossa central 0800 123 4567, obrigado.",
                     "+558001234567", id="br-0800"),
        pytest.param("Caso não reconheça a compra, ligue para (11) 3456-7890 com o seu pedido.", "+551134567890",
                     id="br-area-code"),
        pytest.param("Si no reconoce este cargo, llame al 900 123 456 para cancelar su pedido, gracias.",
                     "+34900123456", id="es-900"),
        pytest.param("Gentile cliente, per l'annullamento chiami il numero 06 1234 5678, grazie della pazienza.",
                     "+390612345678", id="it-06"),
        pytest.param("Herkent u deze betaling niet? Bel ons dan direct op 020 123 4567 voor uw rekening.",
                     "+31201234567", id="nl-020"),
    ],
)
def test_national_numbers_found(text, e164):
    assert _found(text) == [e164]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("〒100-0001 東京都千代田区千代田1-1", id="jp-postcode"),
        pytest.param("ご注文番号 250-1234567-1234567 のお支払い金額は ¥12,800 です", id="jp-order-number-amount"),
        pytest.param("お問い合わせ伝票番号 1234-5678-9012 のお荷物は2024年05月12日にお届け予定です", id="jp-tracking-date"),
        pytest.param("ご注文番号 0312345678 のご請求金額は 12,800円 です。", id="jp-ungrouped-id"),
        pytest.param("Ihre Bestellung vom 08.03.2025 ist unterwegs, wir danken Ihnen für Ihre Geduld.", id="de-date"),
        pytest.param("Ihre Sendungsverfolgungsnummer: 06829115220718. Bitte haben Sie Geduld mit uns.",
                     id="de-tracking-number"),
        pytest.param("Informamos que o objeto com ID 1727959718 encontra-se retido, obrigado pela sua compreensão.",
                     id="br-object-id"),
        pytest.param("A empresa de CNPJ 12.345.241/0001-06 emitiu uma nota para você com o valor do seu pedido.",
                     id="br-company-number"),
        pytest.param("Amazon.com, 410 Terry Avenue North, Seattle, WA 98109-5210. Este mensaje fue enviado a su "
                     "cuenta para su pedido, gracias.", id="es-us-zip4"),
        pytest.param("Montant de votre commande : 1 299,00 € le 12.05.2024 pour votre compte.", id="fr-amount-date"),
    ],
)
def test_no_false_numbers(text):
    assert _found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Call us at 0800 123 4567 or 030 1234567 about your order 0312345678.", id="english"),
        pytest.param("We stayed at the Hôtel de la Paix, rue des Fleurs; the booking 09 70 12 34 56 is confirmed "
                     "and we will be there with the kids for the whole week.", id="english-quoting-french"),
    ],
)
def test_english_text_reads_the_site_region_only(text):
    assert _found(text) == []


def test_us_numbers_unchanged_and_found_first():
    text = "ご不明な点は +1 888 555 0142 または 03-1234-5678 までお電話ください"
    assert _found(text) == ["+18885550142", "+81312345678"]
    assert _found(text, regions=()) == ["+18885550142"]


def test_phone_region_still_reads_every_text():
    """A site that set phone_region keeps it: its numbers are read in any language, as before."""
    assert _found("Call us at 030 1234567 today.", region="DE", regions=()) == ["+49301234567"]
    assert _found("Call us at 030 1234567 today.", region="DE") == ["+49301234567"]


def test_region_of_no_language_is_tried_on_every_text():
    assert _found("Call our London office on 020 7946 0958.", regions=("GB",)) == ["+442079460958"]


def test_fullwidth_number_through_analyse_text():
    a = analyse_text("body", "【重要】お支払いが確認できません。０１２０－１２３－４５６までご連絡ください。", ContentSettings())
    assert [(p.e164, p.obfuscated) for p in a.phones] == [("+81120123456", False)]  # how Japanese is typed


def test_maths_digits_in_japanese_text_are_still_a_disguise():
    a = analyse_text("body", "お支払いは 𝟬𝟭𝟮𝟬-𝟭𝟮𝟯-𝟰𝟱𝟲 までご連絡ください。", ContentSettings())
    assert [(p.e164, p.obfuscated) for p in a.phones] == [("+81120123456", True)]


def test_fullwidth_digits_in_latin_text_are_still_a_disguise():
    a = analyse_text("body", "Call ＋１ ８０８ ５５５ ０１４３ now to cancel", ContentSettings())
    assert [(p.e164, p.obfuscated) for p in a.phones] == [("+18085550143", True)]


@pytest.mark.parametrize(
    "text, langs",
    [
        pytest.param("お客様のアカウントは一時停止されました", {"ja"}, id="kana"),
        pytest.param("東京電力 料金", {"ja", "zh"}, id="han-only"),
        pytest.param("Bitte rufen Sie uns an, wir helfen Ihnen gern mit der Rechnung", {"de"}, id="german"),
        pytest.param("Veuillez nous appeler pour votre commande avec le numéro du compte", {"fr"}, id="french"),
        pytest.param("Please call us about the order you placed with your card", set(), id="english"),
        pytest.param("", set(), id="empty"),
    ],
)
def test_languages(text, langs):
    assert languages(text) == langs


def test_cued_regions_keep_configured_order_and_skip_the_site_region():
    text = "Ligue para nossa central, não reconhecemos o seu pedido com a sua conta"
    assert cued_regions(text, ("JP", "PT", "BR", "US", "GB"), "US") == ["PT", "BR", "GB"]


@pytest.mark.parametrize("regions", [pytest.param(["XX"], id="unknown"), pytest.param(["JPN"], id="three-letters")])
def test_phone_regions_validated(regions):
    with pytest.raises(ValidationError):
        ContentSettings(phone_regions=regions)


def test_phone_regions_normalised_from_yaml_list():
    assert ContentSettings(phone_regions=["jp", "FR", "jp"]).phone_regions == ("JP", "FR")
    assert ContentSettings(phone_regions=[]).phone_regions == ()
