"""Phrases of the stories that push a reader to click: parcel fees, lapsed protection, documents, wallets, points."""
from __future__ import annotations

import re

from brandguard.checks._fastrx import Prefiltered, prefiltered

# Each topic is a few generic patterns in the languages these scams arrive in (EN, PT, DE, NL, FR, ES, IT):
# they describe the story, never one campaign's wording, so next month's variant still matches.


def _rx(*parts: str) -> Prefiltered:
    return prefiltered("|".join(f"(?:{p})" for p in parts), re.I)


_W = r"(?:\S+\s+){0,5}?"  # up to five words in between
_PARCEL = (r"(?:parcel|package|shipment|consignment|encomenda|pacote|objeto|mercadoria|paket|sendung|pakket|zending|"
           r"colis|paquete|env[ií]o|pacco|spedizione)")

TOPICS: dict[str, Prefiltered] = {
    # a parcel held for a fee, a failed delivery to reschedule, an address to confirm
    "parcel_fee": _rx(
        _PARCEL + r"\s+" + _W + r"(?:(?:is|are|was|has\s+been|is\s+being)\s+(?:on\s+hold|held|retained|stopped|blocked)"
        r"|could\s+not\s+be\s+delivered|(?:was|is)\s+not\s+delivered|awaiting\s+(?:delivery|payment|confirmation)"
        r"|pending\s+(?:delivery|payment)|returned\s+to\s+(?:the\s+)?sender"
        r"|(?:est[áa]|foi|encontra-se|ser[áa])\s+(?:\w+\s+){0,2}?(?:retid|taxad|bloquead|devolvid|apreendid|parad)"
        r"|wartet|zur[üu]ckgehalten|nicht\s+zugestellt|wacht\s+op|niet\s+(?:afgeleverd|bezorgd)"
        r"|(?:est|a\s+été)\s+(?:en\s+attente|retenu|bloqué)|(?:est[áa]|ha\s+sido)\s+(?:retenido|pendiente|bloqueado))",
        r"\b(?:customs|import)\s+(?:fee|duty|duties|charge|charges|tax|clearance)\b.{0,80}\b(?:pay|payment|settle)",
        r"\b(?:taxa|taxas|tarifa)\s+(?:\w+\s+){0,3}?(?:importa[çc][ãa]o|alfandeg|aduaneir|postal|de\s+envio)",
        r"\b(?:alf[âa]ndega|fiscaliza[çc][ãa]o\s+aduaneira|receita\s+federal)\b.{0,120}\b(?:taxa|pagamento|libera)",
        r"\b(?:reschedule|confirm|arrange)\s+(?:your\s+)?(?:the\s+)?(?:delivery|redelivery|shipping\s+(?:address|details))\b",
        r"\b(?:delivery|shipping|redelivery)\s+(?:fee|charge|attempt\s+(?:failed|was\s+unsuccessful))\b",
        r"\bzollgeb[üu]hr|\bzustellgeb[üu]hr|\bbezorgkosten|\bdouanekosten|\bfrais\s+de\s+(?:douane|livraison|port)\b",
        r"\b(?:plan|bevestig)\s+uw\s+(?:levering|bezorging|verzendgegevens)\b",
    ),
    # "your protection has expired": the antivirus scam's opening, in every language it is sent in
    "protection_expired": _rx(
        r"\b(?:subscription|membership|protection|licen[cs]e|antivirus|plan|coverage)\s+(?:\w+\s+){0,2}?"
        r"(?:has\s+expired|is\s+expired|expired\b|expires\s+today|will\s+expire|is\s+about\s+to\s+expire|has\s+ended)",
        r"\b(?:abonnement|mitgliedschaft|schutz|lizenz|virenschutz)\s+(?:\w+\s+){0,3}?(?:ist|sind|wurde)?\s*"
        r"(?:abgelaufen|l[äa]uft\s+(?:heute\s+)?ab|endet|deaktiviert)",
        r"\b(?:assinatura|prote[çc][ãa]o|licen[çc]a|plano)\s+(?:\w+\s+){0,2}?"
        r"(?:expirou|expirad|venceu|vencid|expira\s+hoje)",
        r"\b(?:abonnement|protection|licence)\s+(?:\w+\s+){0,2}?(?:a\s+expiré|est\s+expiré|expire\s+aujourd)",
        r"\b(?:suscripci[óo]n|protecci[óo]n|licencia|membres[ií]a)\s+(?:\w+\s+){0,2}?"
        r"(?:ha\s+(?:caducado|expirado|vencido)|caduca\s+hoy)",
        r"\b(?:abonnement|bescherming|licentie)\s+(?:\w+\s+){0,2}?(?:is\s+)?verlopen\b",
        r"\b(?:your|ihre?|seus?|suas?|vos|tus)\s+(?:\w+\s+){0,2}?"
        r"(?:devices?|computer|pc|ger[äa]te?|dispositivos?|appareils?)\s+(?:\w+\s+){0,3}?"
        r"(?:(?:is|are|may\s+be)\s+(?:at\s+risk|unprotected|infected|vulnerable)|ungesch[üu]tzt|gef[äa]hrdet"
        r"|anf[äa]llig|desprotegid|vuln[ée]r|en\s+riesgo|em\s+risco)",
        r"\b(?:\d+|several|multiple)\s+(?:viruses|threats|infections)\s+(?:\w+\s+){0,2}?(?:detected|found)\b",
    ),
    # a document, invoice, voicemail or fax waiting behind a link
    "document_share": _rx(
        r"\b(?:review|view|sign|open|access|download)\s+(?:and\s+sign\s+)?(?:the\s+|your\s+|this\s+)?"
        r"(?:shared\s+|secure\s+|new\s+|pending\s+)?(?:document|documents|file|files|contract|agreement)\b",
        r"\b(?:shared|sent)\s+(?:a|an|the|\d+)\s+(?:\w+\s+){0,2}?(?:document|file|folder|invoice)s?\s+with\s+you\b",
        r"\b(?:documents?|files?)\s+(?:\w+\s+){0,2}?"
        r"(?:to\s+review\s+and\s+sign|awaiting\s+(?:your\s+)?signature|ready\s+for\s+signature)",
        r"\b(?:voice\s*mail|voice\s+message|fax)\s+(?:\w+\s+){0,2}?(?:received|waiting|pending|attached|delivered)\b",
        r"\b(?:secure|encrypted)\s+(?:message|document|file)\s+(?:\w+\s+){0,2}?(?:waiting|received|from|for\s+you)\b",
        r"\bdocumento\s+(?:\w+\s+){0,3}?(?:assinar|assinatura|revisar|analisar|firmar)\b",
        r"\bdokument\w*\s+(?:\w+\s+){0,3}?(?:unterschreiben|unterzeichnen|signieren)\b",
    ),
    # wallets: recovery phrases, forced "validation" or migration, airdrops and withdrawals to claim
    "crypto_wallet": _rx(
        r"\b(?:recovery|seed|secret|mnemonic|backup)\s+(?:recovery\s+)?(?:phrase|words)\b",
        r"\b(?:verify|validate|sync(?:hroni[sz]e)?|connect|restore|reactivate|secure|migrate|upgrade|unlock)\s+"
        r"(?:your\s+)?(?:\w+\s+)?wallet\b",
        r"\bwallet\s+(?:\w+\s+){0,2}?(?:(?:has\s+been|is|will\s+be)\s+(?:temporarily\s+)?(?:locked|suspended|restricted|"
        r"disabled|deactivated|compromised)|verification|validation|synchroni[sz]ation)\b",
        r"\bairdrop\b", r"\b(?:claim|withdraw)\s+(?:your\s+)?(?:\w+\s+)?(?:tokens?|eth|btc|usdt|nfts?|crypto)\b",
        r"\b(?:firmware|security)\s+(?:update|upgrade|scan)\s+(?:\w+\s+){0,3}?(?:ledger|trezor|nano|device|wallet)\b",
        r"\b(?:pending|awaiting)\s+(?:\w+\s+)?(?:transaction|withdrawal|transfer)s?\b",
        r"\bwithdrawal\s+(?:\w+\s+){0,2}?(?:request(?:ed)?|is\s+awaiting|pending|authori[sz]ation)\b",
        r"\b(?:funds|assets|crypto)\s+(?:are|is)\s+(?:currently\s+)?(?:at\s+risk|frozen|suspended|locked)\b",
        r"\bmint\s+(?:your|now|for\s+free|it)\b", r"\b(?:device|firmware|wallet)\s+update\s+(?:is\s+)?required\b",
        r"\b(?:manual|mandatory)\s+(?:device\s+|wallet\s+|firmware\s+)?(?:update|upgrade|migration)\b",
    ),
    # loyalty points or a balance about to lapse, redeemable through the link
    "points_expiring": _rx(
        r"\b(?:points|miles|rewards?|cashback|balance|bonus|credits?)\s+(?:\w+\s+){0,3}?(?:expire|expires|expiring|"
        r"will\s+expire|about\s+to\s+expire|are\s+waiting)\b",
        r"\bredeem\s+(?:your\s+)?(?:\w+\s+)?(?:points|miles|rewards?|balance|bonus)\b",
        r"\bpontos\b.{0,120}\b(?:expir|venc|resgat|convert)", r"\bresgate\s+(?:\w+\s+){0,3}?(?:pendente|agora|dispon[ií]vel)",
        r"\b(?:saldo|valores?)\s+dispon[ií]ve(?:l|is)\b", r"\bpunkte\b.{0,80}\b(?:verfallen|einl[öo]sen|ablaufen)",
        r"\bpuntos\b.{0,80}\b(?:caducan|expiran|canjear)", r"\bpoints\b.{0,80}\b(?:expirent|[àa]\s+[ée]changer)",
    ),
    # sign-in alerts, breaches and forced security steps
    "security_alert": _rx(
        r"\b(?:new|unusual|suspicious|unrecogni[sz]ed|unknown|unauthori[sz]ed)\s+(?:sign[\s.-]?in|log[\s-]?in|login|device|"
        r"access)(?:\s+attempts?)?\b",
        r"\b(?:sign[\s-]?in|log[\s-]?in|login)\s+attempts?\b", r"\b(?:data|security)\s+(?:breach|incident|leak)\b",
        r"\b(?:security|account|wallet)\s+(?:has\s+been\s+|is\s+|was\s+)?(?:compromised|flagged)\b",
        r"\b(?:mandatory|required)\s+(?:\w+\s+){0,3}?(?:verification|activation|update|authentication)\b",
        r"\b(?:acesso|login)\s+(?:suspeito|indevido|n[ãa]o\s+reconhecido)|\bverd[äa]chtige\s+(?:anmeldung|aktivit[äa]t)"
        r"|\b(?:novo|nuevo)\s+dispositivo\b|\bneue[ns]?\s+ger[äa]t\b|\bnouvel\s+appareil\b|\bnieuw\s+apparaat\b"
        r"|\bconnexion\s+(?:suspecte|inhabituelle)|\binicio\s+de\s+sesi[óo]n\s+(?:sospechoso|inusual)",
    ),
    # "your photos and videos will be deleted today": the cloud-storage scam, words often glued by _ or - to dodge filters
    "cloud_storage": _rx(
        r"\b(?:photos?|pictures|videos?|files|fotos|v[íi]deos|arquivos|dateien|bilder|fichiers)[\s_-]*(?:\S+[\s_-]+){0,4}?"
        r"(?:will[\s_-]+be|are[\s_-]+(?:being|about[\s_-]+to[\s_-]+be)|ser[ãa]o|werden|seront)[\s_-]+"
        r"(?:permanently[\s_-]+|definitivamente[\s_-]+|endg[üu]ltig[\s_-]+)?(?:deleted|removed|erased|lost|"
        r"exclu[íi]d[oa]s|apagad[oa]s|perdid[oa]s|gel[öo]scht|supprim[ée]s)",
        r"\b(?:cloud|icloud|drive|onedrive|dropbox)\s+(?:\w+\s+){0,2}?(?:storage|space)\s+(?:is\s+|has\s+been\s+)?"
        r"(?:full|exceeded|suspended|blocked|locked)\b",
        r"\b(?:armazenamento|espa[çc]o)\s+(?:\w+\s+){0,2}?(?:na\s+nuvem\s+)?(?:est[áa]\s+)?(?:cheio|esgotado|lotado)\b",
    ),
}
# the push to act now, in the same languages; on its own it is marketing, beside a topic it is pressure
URGENCY = _rx(
    r"\b(?:last|final)\s+(?:chance|notice|reminder|warning)\b", r"\bwithin\s+(?:24|48|72|12)\s*(?:hours|hrs|h)\b",
    r"\b(?:act|respond|verify)\s+(?:now|immediately|today)\b", r"\bimmediate(?:ly)?\s+action\b", r"\burgent\b",
    r"\bletzte\s+(?:chance|erinnerung|mahnung|warnung)\b", r"\bdringend\b", r"\bsofort(?:iges)?\b", r"\b\d+\s+stunden\b",
    r"\b[úu]ltim[oa]\s+(?:aviso|chance|oportunidade|lembrete)\b", r"\burgente\b", r"\bimediatamente\b",
    r"\bprazo\b", r"\bdernier\s+(?:rappel|avis)\b", r"\bimm[ée]diatement\b", r"\blaatste\s+(?:kans|herinnering)\b",
)
# an address where a name belongs: "Hello jane.doe@example.com," is how bulk lures greet a mailbox
ADDRESS = r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*"
GREETING = re.compile(
    r"(?:^|[\n.!?:]\s*)(?:hi|hello|hallo|hey|dear|ol[áa]|oi|prezad[oa](?:\(a\))?(?:\s+cliente)?|caro|cara|bonjour|"
    r"hola|estimad[oa]|sehr\s+geehrte[rs]?|liebe[rs]?|beste|geachte|ciao|congratulations|gl[üu]ckwunsch|parab[ée]ns)"
    r"[\s,:]+(?:cliente\s+|customer\s+|kunde\s+)?(" + ADDRESS + r")\b",
    re.I,
)
SUBJECT_ADDRESS = re.compile(r"^\W{0,3}(" + ADDRESS + r")\s*[,:!-]|[,:]\s*(" + ADDRESS + r")\s*[,:!]", re.I)
