"""Campaign memory: indicators of confirmed scams remembered across messages, MTAs and days (issue #18)."""
