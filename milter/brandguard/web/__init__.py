"""`brandguard web` (the quarantine in a browser) and `brandguard digest` (held mail, per recipient, by mail)."""
