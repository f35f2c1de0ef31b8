"""Phrase patterns shared by the lure checks (English first, with the commonest DE/FR/ES/PT forms)."""
from __future__ import annotations

import re

from brandguard.checks._fastrx import Prefiltered, prefiltered


def _rx(*parts: str) -> Prefiltered:
    return prefiltered("|".join(f"(?:{p})" for p in parts), re.I)


# asks the reader to phone
CALL = _rx(
    r"\bcall(?:ing)?\b(?!\s+(?:center|centre)\b)", r"\bdial\b", r"\bphone\s*(?:support|us|no|number|:)",
    r"\btel(?:ephone)?\s*[:.#]", r"\bhelp\s*-?\s*(?:line|desk)\b", r"\btoll[\s-]*free\b",
    r"\breach\s+(?:us|out|our)\b", r"\bcontact\s+(?:us|our|the|support|customer|billing|at)\b",
    r"\bspeak\s+(?:with|to)\b", r"\bgive\s+us\s+a\s+(?:call|ring)\b", r"\bsupport\s*(?:team|desk|number|contact)?\s*:",
    r"\bcustomer\s+(?:care|service|support)\b", r"\bbilling\s+(?:department|team|support)\b",
    r"\bligue\b|\bliga(?:r|ção)\b|\banrufen\b|\bappelez\b|\bllame\b",
)
# why the reader should phone: money leaving, a cancellation window, a dispute
CANCEL = _rx(
    r"\bcancel(?:l?ation|l?ed|l?ing)?\b", r"\brefund(?:ed|s)?\b", r"\bdispute\b", r"\bnot\s+authori[sz]e",
    r"\bdid(?:\s+not|n'?t)\s+(?:make|authori[sz]e|place|request|order)", r"\bunauthori[sz]ed\b",
    r"\bif\s+(?:this|you)\s+(?:was|were|is)\s*n(?:o|')t\s+(?:you|made by you)",
    r"\bnot\s+(?:recogni[sz]e|made\s+by\s+you)", r"\bstop\s+(?:the\s+)?(?:payment|renewal|charge)\b",
)
CHARGE = _rx(
    r"\b(?:has|have|had|will)\s+been\s+(?:successfully\s+)?(?:renewed|charged|debited|deducted|processed|billed)\b",
    r"\bwill\s+be\s+(?:automatically\s+)?(?:renewed|charged|debited|deducted|billed)\b",
    r"\bauto(?:matic)?[\s-]*(?:renew(?:al|ed)?|debit|pay(?:ment)?)\b", r"\brenewal\s+(?:charge|fee|amount|confirmation)\b",
    r"\b(?:charged|debited|deducted|billed)\s+(?:to|from|on)\s+your\b", r"\bsubscription\s+(?:has\s+been\s+)?renew",
    r"\border\s+(?:confirmation|receipt|summary)\b", r"\b(?:invoice|receipt|transaction|order)\s*(?:no|number|id|#)",
    r"\bpayment\s+(?:of|received|confirmation|processed)\b", r"\bpurchase\s+(?:of|confirmation)\b",
    r"\bwill\s+(?:automatically\s+)?renew\b", r"\b(?:a|the)\s+(?:renewal\s+)?charge\s+of\b",
    r"\bwill\s+be\s+(?:automatically\s+)?processed\b",
)
AMOUNT = prefiltered(
    r"(?:[$€£]\s?\d{1,3}(?:[,.]\d{3})*(?:[.,]\d{2})?|\b\d{1,3}(?:[,.]\d{3})*[.,]\d{2}\s?(?:USD|EUR|GBP|CAD|AUD|\$|€|£)"
    r"|\b(?:USD|EUR|GBP|CAD|AUD|US\$)\s?\d{1,3}(?:[,.]\d{3})*(?:[.,]\d{2})?)",
    re.I,
)
GIFT_OR_CRYPTO = _rx(
    r"\b(?:buy|purchase|pay\s+(?:with|using|via|in))\b.{0,40}\b(?:gift\s*cards?|google\s+play\s+cards?|itunes\s+cards?|"
    r"steam\s+cards?|bitcoin|btc|usdt|crypto(?:currency)?)\b",
    r"\bbitcoin\s+atm\b", r"\bgift\s*card\s+(?:codes?|numbers?)\b", r"\bsend\s+(?:the\s+)?(?:codes?|bitcoin|btc)\b",
)
YOUR_ACCOUNT = prefiltered(
    r"\byour\s+(?:[\w+-]+\s+){0,3}?(?:account|order|subscription|plan|membership|card|purchase|invoice|payment|renewal|"
    r"license|licence|product|device|bank|statement|transaction)s?\b",
    re.I,
)
# numbers given to join a meeting are not anyone's support line
DIAL_IN = re.compile(r"\b(?:join\s+by\s+phone|dial[\s-]?in|conference\s+id|meeting\s+id|passcode|pin:)", re.I)
TRANSACTION = _rx(
    r"\binvoice\b", r"\breceipt\b", r"\border\b", r"\bsubscription\b", r"\brenew(?:al|ed)?\b", r"\bmembership\b",
    r"\bbilling\b", r"\bcharged?\b", r"\bpayment\b", r"\btransaction\b", r"\bpurchase\b",
)
REMOTE_TOOLS = _rx(
    r"\bteam\s*viewer\b", r"\bany\s*desk\b", r"\bultra\s*viewer\b", r"\blog\s*me\s*in(?:\s+rescue)?\b",
    r"\bgoto\s*(?:assist|resolve|my\s*pc)\b", r"\bscreen\s*connect\b", r"\bconnectwise\s+control\b",
    r"\bsplashtop\b", r"\bremote\s*pc\b", r"\bzoho\s+assist\b", r"\bquick\s+assist\b", r"\bsupremo\b",
    r"\baero\s*admin\b", r"\bammyy\b", r"\brust\s*desk\b", r"\bchrome\s+remote\s+desktop\b", r"\bsupport\s*\.\s*ms\b",
)
ACCESS_REQUEST = _rx(
    r"\b(?:allow|let|give|grant|provide)\s+(?:us|our\s+\w+|the\s+(?:technician|agent|expert))\s+(?:\w+\s+){0,3}"
    r"(?:remote\s+)?(?:access|connect|control)",
    r"\b(?:remote|secure)\s+(?:access|session|connection|support\s+session)\s+(?:to|on|with)\s+your\s+"
    r"(?:computer|pc|device|system|laptop|mac)",
    r"\b(?:our|a)\s+(?:technician|agent|expert|engineer|specialist)\s+(?:will|can|would)\s+(?:\w+\s+){0,3}"
    r"(?:connect|access|log\s*in|remote)",
    r"\b(?:session|access|connection|support)\s+(?:code|id|pin)\b", r"\b(?:your|the)\s+(?:9|nine)[\s-]digit\s+(?:code|id)\b",
    r"\b(?:download|install|run|open)\s+(?:the\s+)?(?:attached\s+)?(?:\w+\s+){0,2}(?:so|to\s+allow|and\s+(?:share|give|read|tell))\b",
)
CREDENTIAL = {
    "mailbox_quota": _rx(
        r"\b(?:mail\s*box|e-?mail\s+(?:box|storage|account)|storage|quota)\s+(?:is\s+|has\s+)?(?:almost\s+|nearly\s+)?"
        r"(?:full|exceeded|reached|over\s*(?:limit|quota))\b",
        r"\b(?:incoming|pending)\s+(?:e-?mails?|messages)\s+(?:are|have\s+been|were)\s+(?:held|blocked|suspended|on\s+hold)",
        r"\bvalidate\s+your\s+(?:mail\s*box|e-?mail)", r"\bupgrade\s+your\s+(?:mail\s*box|storage|quota)\b",
    ),
    "password_expiry": _rx(
        r"\bpassword\s+(?:will\s+)?(?:expires?|expired|expiring|is\s+(?:about\s+to\s+)?expir)",
        r"\bkeep\s+(?:using\s+)?(?:the\s+)?(?:same|current|existing)\s+password\b",
    ),
    "account_threat": _rx(
        r"\baccount\s+(?:has\s+been\s+|was\s+|will\s+be\s+)(?:temporarily\s+|permanently\s+)?"
        r"(?:suspended|locked|limited|disabled|restricted|deactivated|terminated|closed|on\s+hold|blocked)\b",
        # "if your account is closed or delinquent" is terms and conditions, "is suspended" is a threat
        r"\baccount\s+is\s+(?:now\s+)?(?:temporarily\s+|permanently\s+)?"
        r"(?:suspended|locked|limited|disabled|restricted|on\s+hold|blocked)\b",
        r"\bwe\s+(?:have\s+)?(?:temporarily\s+)?(?:locked|suspended|blocked|restricted|disabled)\s+your\s+account\b",
        r"\b(?:bloqueamos|suspendemos|desativamos|restringimos)\s+(?:a\s+)?(?:sua|seu)\s+(?:conta|acesso)\b",
        r"\bunusual\s+(?:sign[\s-]?in|log[\s-]?in|login|activity)", r"\bsuspicious\s+(?:sign[\s-]?in|log[\s-]?in|activity)",
        r"\bwill\s+be\s+(?:permanently\s+)?(?:suspended|deleted|closed|terminated|deactivated)\b",
        r"\bconta\s+(?:foi\s+)?(?:temporariamente\s+)?(?:bloquead|suspens|desativad)", r"\bacesso\s+suspeito\b",
        r"\bkonto\s+(?:wurde\s+|ist\s+)?(?:vor[üu]bergehend\s+)?(?:gesperrt|eingeschr[äa]nkt|deaktiviert)",
        r"\bcompte\s+(?:a\s+été\s+|est\s+)?(?:temporairement\s+)?(?:suspendu|bloqué|restreint|désactivé)",
        r"\bcuenta\s+(?:ha\s+sido\s+)?(?:suspendida|bloqueada|restringida)",
        r"\baccount\s+(?:is\s+|wordt\s+)?(?:geblokkeerd|opgeschort|gedeactiveerd|beperkt)",
    ),
    # verify/restore/unlock an account or identity: the lure itself; "update your e-mail address" closes genuine notices
    "account_verify": _rx(
        r"\b(?:verify|confirm|validate|re-?activate|restore|unlock|secure)\s+(?:your\s+)?(?:\w+\s+)?(?:account|identity|login|"
        r"credentials|wallet)\b", r"\bupdate\s+your\s+account\b",
        r"\b(?:bestätigen|verifizieren)\s+sie\s+(?:jetzt\s+)?(?:ihr(?:e|en)?\s+)?(?:konto|identität|daten|zugang)",
        r"\b(?:verifi|confirm|valid|desbloque|reativ)\w*\s+(?:a\s+|sua\s+|seus?\s+)?(?:conta|identidade|acesso|cadastro)",
        r"\b(?:vérifie[rz]|confirme[rz]|débloque[rz])\s+(?:votre|vos)\s+(?:compte|identité)",
    ),
    "verify_request": _rx(
        r"\b(?:verify|confirm|validate|update|re-?activate|restore|unlock)\s+(?:your\s+)?(?:account|identity|"
        r"login|credentials|e-?mail\s+address|information|details)\b",
        r"\b(?:sign|log)\s*in\s+to\s+(?:verify|confirm|restore|avoid)\b",
        r"\b(?:atualiz|confirm|verifi|valid)\w*\s+(?:seus|os\s+seus|sua)\s+(?:dados|cadastro|conta|identidade)",
        r"\b(?:bestätigen|verifizieren|aktualisieren)\s+sie\s+(?:ihr|ihre|jetzt)",
        r"\b(?:vérifie[rz]|confirme[rz]|mettre\s+à\s+jour)\s+(?:votre|vos)\s+(?:compte|identité|informations)",
        r"\bpending\s+verification\b", r"\bKYC\b",
    ),
    "payment_update": _rx(
        r"\bupdate\s+your\s+(?:payment|billing|card)\s+(?:information|details|method|info)\b",
        r"\b(?:payment|card)\s+(?:was\s+|has\s+been\s+)?(?:declined|failed|unsuccessful|could\s+not\s+be\s+processed)\b",
        r"\bpayment\s+decline\b",
    ),
}
REWARD = _rx(
    r"\bcongratulations?\b", r"\bf[ée]licitations?\b", r"\bglückw[üu]nsch", r"\bgratulier", r"\bparab[ée]ns\b",
    r"\bfelicidades\b|\bfelicitaciones\b", r"\bgefeliciteerd\b",
    r"\byou(?:'ve|\s+have)?\s+(?:been\s+)?(?:selected|chosen|won)\b", r"\bsie\s+wurden\s+ausgew[äa]hlt\b",
    r"\bvous\s+avez\s+(?:été\s+(?:sélectionné|choisi)|gagné)", r"\bvoc[êe]\s+(?:foi\s+(?:selecionad|escolhid)|ganhou)",
    r"\b(?:claim|collect|redeem)\s+(?:your\s+)?(?:free\s+)?(?:reward|prize|gift|bonus)", r"\bwinner\b",
    r"\bmystery\s+box\b|\bbo[îi]te\s+myst[èe]re\b|\bcaixa\s+misteriosa\b|\bmystery[\s-]?box\b",
    r"\b(?:einkaufs)?gutschein\b", r"\bpr[äa]mie\b", r"\bgeschenk\b", r"\bgewinn(?:spiel|er|en)?\b",
    r"\b(?:gift\s*card|voucher|reward|prize|loyalty\s+(?:reward|program))s?\b", r"\bcart[ãa]o\s+presente\b",
    r"\b(?:survey|questionnaire|umfrage|pesquisa|encuesta|enqu[êe]te)\b", r"\bfree\s+(?:\w+\s+){0,2}?(?:gift|iphone|sample|trial|kit)\b",
    r"\byou(?:'re|\s+are)\s+(?:now\s+)?eligible\b", r"\beligible\s+(?:to\s+(?:receive|claim|win)|for\s+(?:a|an|your)\s+(?:free|reward|gift|bonus))",
    r"\bclaim\s+(?:it|now|today|yours)\b", r"\bexclusive\s+(?:offer|invitation|reward|gift|bonus)\b", r"\btesters?\b",
    r"\bpr[êe]mio\b|\bsorteio\b|\bbrinde\b|\bganhou\b|\bganhador", r"\bgeselecteerd\b|\bgewonnen\b|\bwinnen\b",
    r"\bgewinnchance\b|\bteilnahme\b|\bkostenlos(?:e[nmrs]?)?\b", r"\bgagnant|\bcadeau\b|\bganador|\bregalo\b",
)
FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|fw|wg|tr|rv|enc|doorst)\s*:", re.I)


def near(pattern: Prefiltered | re.Pattern, text: str, start: int, end: int, window: int) -> re.Match | None:
    """First match of `pattern` within `window` characters of text[start:end]."""
    return pattern.search(text, max(0, start - window), min(len(text), end + window))
