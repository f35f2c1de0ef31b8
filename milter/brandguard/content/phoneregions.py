"""Which further phone regions a text's script or language points to (kana: JP, French words: FR ...)."""
from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

# Regions tied to languages: tried only on text written in one of them. A configured region missing here
# (GB, AU, IN ...) has no cue to wait for and is tried on every text with unmatched digit runs.
REGION_LANGUAGES: dict[str, frozenset[str]] = {
    region: frozenset(langs.split()) for region, langs in {
        "JP": "ja", "CN": "zh", "TW": "zh", "HK": "zh", "KR": "ko",
        "FR": "fr", "BE": "fr nl de", "CH": "de fr it", "LU": "fr de", "MC": "fr",
        "DE": "de", "AT": "de", "LI": "de",
        "ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es", "PE": "es", "UY": "es",
        "PT": "pt", "BR": "pt", "AO": "pt", "MZ": "pt",
        "IT": "it", "SM": "it",
        "NL": "nl",
    }.items()
}

_KANA = re.compile("[\u3040-\u30ff]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile("[\uac00-\ud7af]")
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")
_FULLWIDTH_DIGITS = frozenset("０１２３４５６７８９")
# punctuation and digits to blanks, so that str.split() yields the words (three times faster than a regex)
_UNWORD = str.maketrans(dict.fromkeys(string.punctuation + string.digits + "«»¿¡“”‘’„–—…·", " "))
_SAMPLE = 3_000  # characters read for the word count: a language shows in its first paragraphs
_MIN_WORDS = 3  # distinct marker words before a language counts

# Frequent words of each language that English mail does not use ("die", "per", "no", "do" are left out),
# plus "en" so that English prose outweighs a French hotel name or a Spanish street in an English mail.
_MARKERS = {
    "en": "the and you your for this that with are have from please our will not can been which would",
    "de": "und der das nicht sie ihr ihre ihren ihnen wir uns bitte mit für auf eine einen einer ist sind "
          "werden wurde oder auch bei vom zum zur können haben dass sehr geehrte kunde konto rechnung",
    "fr": "vous votre vos nous notre nos les des est pour une avec dans sur pas cette merci veuillez compte "
          "commande aux du et le qui ou être été très bonjour cordialement",
    "es": "usted ustedes su sus para por con los las una del el es y nuestro nuestra gracias cuenta pedido "
          "factura llame estimado estimada hola saludos también está más",
    "pt": "você voce vocês seu sua seus suas com não nao uma os dos das que é em pedido conta ligue obrigado "
          "olá prezado prezada atenciosamente está são pelo pela",
    "it": "il di che con una non sono è della delle dei gli suo vostro vostra gentile cliente ordine grazie "
          "cordiali saluti anche questo questa nel nella alla",
    "nl": "het een en niet uw wij voor met op dit deze bestelling rekening bellen alstublieft bedankt geachte "
          "hartelijk groet zijn wordt worden naar bij ook heeft kunt",
}
_LANGS_OF: dict[str, tuple[str, ...]] = {}
for _lang, _words in _MARKERS.items():
    for _w in _words.split():
        _LANGS_OF[_w] = _LANGS_OF.get(_w, ()) + (_lang,)


def languages(text: str) -> frozenset[str]:
    """Languages the text is written in, by script (ja, zh, ko) and by marker words (de, fr, es, pt, it, nl).

    A Latin-script language counts with at least _MIN_WORDS distinct marker words and at least half the
    marker words of the leading language, English included: an English mail quoting "Hôtel de la Paix"
    stays English. Japanese is written with kana; Han characters alone may be Chinese too.
    """
    out: set[str] = set()
    if not text.isascii():
        if _KANA.search(text):
            out.add("ja")
        elif _HAN.search(text):
            out.update(("ja", "zh"))
        if _HANGUL.search(text):
            out.add("ko")
    counts = Counter(text[:_SAMPLE].lower().translate(_UNWORD).split())
    hits: dict[str, int] = {}
    distinct: dict[str, int] = {}
    for word, n in counts.items():
        for lang in _LANGS_OF.get(word, ()):
            hits[lang] = hits.get(lang, 0) + n
            distinct[lang] = distinct.get(lang, 0) + 1
    top = max(hits.values(), default=0)
    out.update(lang for lang, n in hits.items() if lang != "en" and distinct[lang] >= _MIN_WORDS and 2 * n >= top)
    return frozenset(out)


def typed_fullwidth(text: str) -> bool:
    """True when the text is Japanese, Chinese or Korean and its only non-ASCII digits are full-width ones
    ("０１２０－１２３－４５６"): that is how an input method types them there, not a disguise."""
    if not (_KANA.search(text) or _HAN.search(text) or _HANGUL.search(text)):
        return False
    return all(c in _FULLWIDTH_DIGITS for c in _NON_ASCII_DIGIT.findall(text))


def cued_regions(text: str, regions: Sequence[str], first: str) -> list[str]:
    """`regions` (in their order, without `first`) that the text's languages point to, or that no language ties."""
    wanted = [r for r in dict.fromkeys(r.upper() for r in regions) if r != first.upper()]
    if not wanted:
        return []
    langs = languages(text) if any(r in REGION_LANGUAGES for r in wanted) else frozenset()
    return [r for r in wanted if r not in REGION_LANGUAGES or REGION_LANGUAGES[r] & langs]
