"""Built-in named checks; each module registers its check class explicitly."""


def load() -> None:
    """Import every built-in check module; add new modules to this list."""
    import importlib

    for mod in _MODULES:
        importlib.import_module(f"brandguard.checks.{mod}")


_MODULES: list[str] = [
    "structure",
    "brand_claim",
    "sender_not_brand",
    "freemail_brand_claim",
    "phone_not_official",
    "contact_not_official",
    "callback_lure",
    "remote_access_lure",
    "payment_lure",
    "lookalike_domain",
    "reply_to_divergence",
    "display_name_address_spoof",
    "obfuscation",
    "locked_attachment",
    "link_text_mismatch",
    "org_name_mismatch",
    "credential_lure",
    "reward_lure",
    "action_lure",
    "suspicious_link",
    "sender_anomaly",
    "address_greeting",
    "own_domain_mismatch",
    "redirect_link",
    "platform_user_field",
    "scam_warning",
    "campaign_match",
]
