"""Brands phished in Japan and Europe (policies/brands/60-international.yaml) with national phone numbers."""
from __future__ import annotations

from pathlib import Path

import pytest

from brandguard.policy.catalogue import Catalogue, load_catalogue
from unit.checks.factory import authenticated, mail, run_check, summary

POLICIES = Path(__file__).resolve().parents[3] / "policies"

SMBC_LURE = mail(
    sender="三井住友カード <security@smbc-card-info.example>",
    subject="【三井住友カード】ご利用確認のお願い",
    text="いつも三井住友カードをご利用いただきありがとうございます。\n"
         "お客様のカードに不正利用の疑いがあるため、ご利用を一時停止しました。\n"
         "身に覚えのない場合は、至急 ０１２０－１２３－４５６ までお電話ください。\n")
RAKUTEN_LURE = mail(
    sender="楽天カード株式会社 <info@rakuten-card-support.example>",
    subject="【楽天カード】お支払い方法の確認",
    text="楽天カードをご利用のお客様へ\n"
         "ご請求金額：39,800円 の自動引き落としができませんでした。\n"
         "ご本人様によるご利用ではない場合は、カスタマーセンター 050-1234-5678 までご連絡ください。\n")
RAKUTEN_NEWSLETTER = mail(
    sender="楽天カード <info@mail.rakuten-card.co.jp>",
    subject="【楽天カード】今月のキャンペーンのお知らせ",
    text="楽天カードをご利用いただきありがとうございます。\n"
         "楽天市場でのお買い物でポイントが最大5倍！エントリーは楽天e-NAVIから。\n"
         "お問い合わせ：楽天カードコンタクトセンター 0570-66-6910（9:30～17:30）\n")


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return load_catalogue(sorted((POLICIES / "brands").glob("*.yaml")), POLICIES / "freemail.yaml")


@pytest.mark.parametrize(
    "raw, claim, phone",
    [
        pytest.param(SMBC_LURE, ("display_name", "smbc"), ("no_official_numbers", "smbc"), id="smbc-0120-fullwidth"),
        pytest.param(RAKUTEN_LURE, ("display_name", "rakuten"), ("not_official", "rakuten"), id="rakuten-050"),
    ],
)
def test_japanese_lure_claims_brand_with_unofficial_number(shipped, raw, claim, phone):
    assert claim in summary(run_check(shipped, "brand_claim", raw))
    assert summary(run_check(shipped, "phone_not_official", raw)) == {phone}


@pytest.mark.parametrize("auth", [pytest.param(authenticated("rakuten-card.co.jp"), id="dkim-dmarc-pass"),
                                  pytest.param(None, id="offline")])
def test_genuine_rakuten_newsletter_is_not_flagged(shipped, auth):
    for check in ("brand_claim", "phone_not_official", "callback_lure", "obfuscation"):
        assert run_check(shipped, check, RAKUTEN_NEWSLETTER, auth) == [], check


def test_official_number_of_another_sender_is_not_a_scam_number(shipped):
    raw = mail(sender="Shop <news@shop.example>", subject="ご案内",
               text="楽天カードのお問い合わせは楽天カードコンタクトセンター（0570-66-6910）へ。")
    assert run_check(shipped, "phone_not_official", raw) == []


@pytest.mark.parametrize(
    "text, brand",
    [
        pytest.param("【重要】アマゾンのアカウントが停止されました", "amazon", id="amazon-katakana"),
        pytest.param("ETC利用照会サービスの登録情報を確認してください", "etc_service", id="etc-service"),
        pytest.param("【au】ご利用料金のお知らせ", "kddi", id="au-bracketed"),
        pytest.param("ヤマト運輸よりお荷物のお届けについて", "yamato", id="yamato"),
        pytest.param("Votre compte ameli doit être mis à jour", "ameli", id="ameli"),
        pytest.param("Uw DigiD verloopt binnenkort", "digid", id="digid"),
        pytest.param("Receita Federal: regularize seu CPF", "receitafederal", id="receita"),
    ],
)
def test_names_in_their_languages(shipped, text, brand):
    assert brand in {b for hit in shipped.find_names(text) for b in hit.owners}


@pytest.mark.parametrize(
    "text, brand",
    [
        pytest.param("Merci pour la soirée, au revoir et à bientôt au café !", "kddi", id="french-au-revoir"),
        pytest.param("Bring pens, paper, etc. and sign the ETC. sheet", "etc_service", id="etc"),
        pytest.param("Dipl.-Ing. Hans Müller, verbs ending in ing, SHIPPING and PROCESSING", "ing", id="ing"),
        pytest.param("楽天的な性格で、いつも前向きです", "rakuten", id="rakuten-optimistic"),
        pytest.param("みずほさんと佐川さんに会いました", "mizuho", id="given-name"),
    ],
)
def test_ordinary_words_are_not_claims(shipped, text, brand):
    assert brand not in {b for hit in shipped.find_names(text) for b in hit.owners}


@pytest.mark.parametrize("address, brand", [
    pytest.param("mizuho.tanaka@gmail.com", "mizuho", id="given-name-mizuho"),
    pytest.param("k.sagawa@example.jp", "sagawa", id="surname-sagawa"),
    pytest.param("amelia.smith@example.org", "ameli", id="amelia"),
])
def test_personal_addresses_are_not_claims(shipped, address, brand):
    raw = mail(sender=f"Friend <{address}>", subject="今週末", text="週末の予定はどうですか？")
    assert (brand not in {f.brand for f in run_check(shipped, "brand_claim", raw)})
