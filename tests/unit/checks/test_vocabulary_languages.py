"""Lures in the languages the shipped vocabulary covers (policies/vocabulary/20-lures-*.yaml), and their look-alikes."""
from __future__ import annotations

import pytest

from unit.checks.factory import mail, summary

NORTON = "Norton Billing <billing@renew-center.example>"
SUPPORT = "Microsoft Support <help@pc-fix.example>"


def _lure(check, text, outcome, brand="norton", sender=NORTON, subject="Norton", id=""):
    return pytest.param(check, mail(sender=sender, subject=subject, text=text), {(outcome, brand)}, id=id)


CALLBACK = [
    _lure("callback_lure", "Su suscripción se ha renovado automáticamente. Se le ha cobrado 399,99 €. Si no autorizó "
          "este cargo, llame al +34 912 345 678 para cancelar.", "cancel_or_refund", id="es-callback"),
    _lure("callback_lure", "Sua assinatura foi renovada. Caso não reconheça a compra de R$ 899,90, ligue para nossa "
          "central +55 11 3456-7890 para o estorno.", "cancel_or_refund", id="pt-callback"),
    _lure("callback_lure", "Votre abonnement a été renouvelé pour 349,99 €. Si vous n'êtes pas à l'origine de ce "
          "paiement, appelez le +33 1 23 45 67 89 pour annuler.", "cancel_or_refund", id="fr-callback"),
    _lure("callback_lure", "Ihr Abonnement wurde automatisch verlängert und 299,99 € wurden abgebucht. Falls Sie "
          "dies nicht veranlasst haben, rufen Sie uns unter +49 30 12345678 an.", "cancel_or_refund", id="de-callback"),
    _lure("callback_lure", "Il tuo abbonamento è stato rinnovato: addebito di 249,99 €. Se non sei stato tu, chiami "
          "il numero +39 02 1234 5678 per l'annullamento.", "cancel_or_refund", id="it-callback"),
    _lure("callback_lure", "Uw abonnement is automatisch verlengd en € 319,99 wordt afgeschreven. Herkent u dit niet? "
          "Bel ons direct op +31 20 123 4567.", "charge_notice", id="nl-callback"),
    _lure("callback_lure", "ノートン360の自動更新が完了しました。ご請求金額：39,800円。身に覚えのない場合は、"
          "至急お電話ください。サポートセンター：+81 3-1234-5678", "cancel_or_refund", id="ja-callback"),
    _lure("callback_lure", "お客様のご契約は自動更新されました（49,800円）。ご不明な点はお電話ください："
          "＋８１ ３－１２３４－５６７８", "charge_notice", id="ja-callback-fullwidth-digits"),
]
REFUND = [
    _lure("callback_lure", "Para solicitar el reembolso de 299,99 € de su pedido, llame al +34 912 345 678.",
          "cancel_or_refund", id="es-refund"),
    _lure("callback_lure", "Pour le remboursement de 299,99 € de votre commande, contactez le +33 1 23 45 67 89.",
          "cancel_or_refund", id="fr-refund"),
    _lure("callback_lure", "Für die Rückerstattung von 299,99 € Ihrer Bestellung rufen Sie bitte +49 30 12345678 an.",
          "cancel_or_refund", id="de-refund"),
    _lure("callback_lure", "ご注文（29,800円）の返金手続きは、お電話ください：+81 3-1234-5678",
          "cancel_or_refund", id="ja-refund"),
]
RENEWAL = [
    _lure("payment_lure", "Su suscripción ha sido renovada. Importe: 399,99 €.", "renewal_charge", id="es-renewal"),
    _lure("payment_lure", "Sua assinatura foi renovada no valor de R$ 899,90.", "renewal_charge", id="pt-renewal"),
    _lure("payment_lure", "Votre abonnement sera renouvelé: 349,99 € seront prélevés.", "renewal_charge",
          id="fr-renewal"),
    _lure("payment_lure", "Ihr Abonnement wurde verlängert. Betrag: 299,99 EUR.", "renewal_charge", id="de-renewal"),
    _lure("payment_lure", "Il suo abbonamento è stato rinnovato per 249,99 €.", "renewal_charge", id="it-renewal"),
    _lure("payment_lure", "Uw abonnement is verlengd voor € 319,99.", "renewal_charge", id="nl-renewal"),
    _lure("payment_lure", "お客様のご契約は自動更新されました。ご請求金額：39,800円", "renewal_charge", id="ja-renewal"),
]
PAYMENT = [
    _lure("payment_lure", text, "gift_card_or_crypto", brand=None, sender="Tech <t@pc-fix.example>", subject="Pago",
          id=f"{lang}-payment") for lang, text in [
        ("es", "Para resolverlo, compre tarjetas de regalo de Google Play y envíenos los códigos."),
        ("pt", "Para liberar, compre cartões presente da Google Play agora."),
        ("fr", "Pour débloquer, achetez des coupons PCS et envoyez les codes."),
        ("de", "Kaufen Sie bitte Google-Play-Karten im Supermarkt und nennen Sie uns die Codes."),
        ("it", "Per sbloccare acquisti delle carte regalo Google Play."),
        ("nl", "Koop nu een cadeaukaart van Google Play om te betalen."),
        ("ja", "解除するにはAmazonギフトカードを購入して、カード番号を教えてください。"),
    ]
]
REMOTE = [
    _lure("remote_access_lure", text, "tool_with_access_request", brand="microsoft", sender=SUPPORT,
          subject="Microsoft", id=f"{lang}-remote-access") for lang, text in [
        ("es", "Descargue AnyDesk; un técnico se conectará a su equipo con el código de sesión."),
        ("pt", "Baixe o AnyDesk para que um técnico possa fazer o acesso remoto ao seu computador."),
        ("fr", "Installez TeamViewer : un technicien va se connecter pour la prise en main à distance."),
        ("de", "Installieren Sie AnyDesk, damit unser Techniker per Fernzugriff helfen kann."),
        ("it", "Scarichi AnyDesk: un tecnico si collegherà per l'assistenza remota."),
        ("nl", "Download TeamViewer zodat onze technicus hulp op afstand kan geven."),
        ("ja", "AnyDeskをインストールし、表示された9桁のIDをお伝えください。技術者が遠隔操作で修復します。"),
        ("ja-katakana", "チームビューワーを起動してください。担当者がリモート接続します。"),
    ]
]
ALERT = [
    _lure("callback_lure", text, "security_alert", brand="microsoft", sender=SUPPORT, subject="Microsoft",
          id=f"{lang}-security-alert") for lang, text in [
        ("es", "Alerta de seguridad: su equipo ha sido bloqueado. Llame al +34 912 345 678."),
        ("pt", "Alerta de segurança: seu computador foi bloqueado. Ligue para +55 11 3456-7890 agora."),
        ("fr", "Votre ordinateur est bloqué : virus détecté. Appelez le +33 1 23 45 67 89."),
        ("de", "Sicherheitswarnung: Ihr Computer wurde gesperrt. Rufen Sie uns sofort an: +49 30 12345678"),
        ("it", "Avviso di sicurezza: il tuo computer è bloccato. Chiami il +39 02 1234 5678."),
        ("nl", "Beveiligingswaarschuwing: uw computer is geblokkeerd. Bel ons direct op +31 20 123 4567."),
        ("ja", "ウイルスが検出されました。パソコンがロックされています。至急サポートセンターへお電話ください："
               "+81 3-1234-5678"),
    ]
]
LOCK = [
    _lure("credential_lure", text + " https://verify-now.example/login", "account_threat", brand="paypal",
          sender="PayPal <service@pp-secure.example>", subject="PayPal", id=f"{lang}-account-lock")
    for lang, text in [
        ("es", "Hemos suspendido su cuenta temporalmente."),
        ("pt", "Sua conta será bloqueada hoje."),
        ("fr", "Votre compte sera suspendu dans 24 heures."),
        ("de", "Ihr Konto wird in 2 Tagen gelöscht."),
        ("it", "Il suo account è stato sospeso."),
        ("nl", "Uw account wordt tijdelijk geblokkeerd."),
        ("ja", "お客様のアカウントがロックされました。"),
    ]
]


@pytest.mark.parametrize("check, raw, expected", CALLBACK + REFUND + RENEWAL + PAYMENT + REMOTE + ALERT + LOCK)
def test_lure_in_each_language(run, check, raw, expected):
    assert summary(run(check, raw)) == expected


@pytest.mark.parametrize("check, raw", [
    pytest.param("callback_lure", mail(sender="Ana <ana@example.org>", subject="Cena",
                                       text="Hola, llámame al +34 912 345 678 cuando llegues."), id="es-personal-call"),
    pytest.param("callback_lure", mail(sender="Bäckerei Kuhn <info@baeckerei.example>", subject="Rechnung",
                                       text="Vielen Dank für Ihre Bestellung. Telefon: +49 30 12345678"),
                 id="de-shop-signature"),
    pytest.param("remote_access_lure", mail(sender="IT-Nieuws <news@it.example>", subject="Nieuws",
                                            text="TeamViewer 15 is uit: nieuwe functies voor beheerders."),
                 id="nl-newsletter-names-a-tool"),
    pytest.param("callback_lure", mail(sender="会議 <cal@example.jp>", subject="定例会議",
                                       text="電話で参加：+81 3-1234-5678 会議ID：123 456 789"), id="ja-dial-in"),
    pytest.param("payment_lure", mail(sender="Marie <marie@example.fr>", subject="Anniversaire",
                                      text="J'ai offert une carte cadeau à Paul pour son anniversaire."),
                 id="fr-gift-card-mention"),
])
def test_look_alike_in_each_language_is_not_a_lure(run, check, raw):
    assert run(check, raw) == []
