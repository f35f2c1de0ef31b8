"""Names in Japanese script, and Latin names inside Japanese text, where no spaces mark word boundaries."""
from __future__ import annotations

import pytest

from brandguard.content.names import NameMatcher, compact


@pytest.fixture(scope="module")
def matcher() -> NameMatcher:
    names = {"楽天カード": {"rakuten"}, "【楽天】": {"rakuten"}, "三井住友カード": {"smbc"}, "ヤマト運輸": {"yamato"},
             "Amazon": {"amazon"}, "Norton": {"norton"}, "auかんたん決済": {"kddi"}, "【au】": {"kddi"},
             "Crédit Mutuel": {"creditmutuel"}, "Écoute": {"ecoute"}, "ノートン": {"norton"}, "マカフィー": {"mcafee"},
             "ウイルスバスター": {"trendmicro"}}
    return NameMatcher(names, {"SMBC": {"smbc"}})


@pytest.mark.parametrize(
    "text, found",
    [
        pytest.param("【楽天カード】ご利用確認のお願い", [("楽天カード", "rakuten")], id="kanji-katakana-in-brackets"),
        pytest.param("いつも三井住友カードをご利用いただき", [("三井住友カード", "smbc")], id="inside-a-sentence"),
        pytest.param("ヤマト運輸よりお荷物のお届けについて", [("ヤマト運輸", "yamato")], id="followed-by-kana"),
        pytest.param("Amazonからのお知らせ", [("Amazon", "amazon")], id="latin-followed-by-kana"),
        pytest.param("お客様のSMBCカード", [("SMBC", "smbc")], id="latin-between-kana"),
        pytest.param("【au】ご利用料金のお知らせ", [("【au】", "kddi")], id="bracketed-short-name"),
        pytest.param("auかんたん決済のご利用", [("auかんたん決済", "kddi")], id="latin-then-japanese-name"),
        pytest.param("Offre Crédit Mutuel", [("Crédit Mutuel", "creditmutuel")], id="accented-latin"),
        pytest.param("Écoute", [("Écoute", "ecoute")], id="accented-first-letter"),
        pytest.param("【ノートン】自動更新のお知らせ", [("ノートン", "norton")], id="katakana-vendor-in-brackets"),
        pytest.param("ウイルスバスタークラウドの更新", [("ウイルスバスター", "trendmicro")], id="katakana-product-in-compound"),
        pytest.param("ノートン・サポートセンター", [("ノートン", "norton")], id="katakana-brand-before-a-dot"),
    ],
)
def test_found(matcher, text, found):
    assert [(h.text, o) for h in matcher.find(text) for o in h.owners] == found


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("楽天的な性格です", id="bare-kanji-word-not-listed"),
        pytest.param("au revoir, à bientôt au café", id="french-au"),
        pytest.param("nortonville", id="latin-word-continues"),
        pytest.param("RÉcoute", id="accented-name-inside-a-word"),
        pytest.param("smbc", id="exact-case-acronym-lower"),
        pytest.param("エドワード・ノートン主演作", id="katakana-family-name-after-dot"),
        pytest.param("ジョン･マカフィー氏の半生", id="katakana-family-name-half-width-dot"),
    ],
)
def test_not_found(matcher, text):
    assert matcher.find(text) == []


def test_compact_keeps_japanese_and_still_drops_separators():
    assert compact("楽天 カード") == "楽天カード"
    assert compact("Trend-Micro") == "trendmlcro"
    assert compact("【au】") == "au"
