"""Caps: LinkedIn's safety limits, working hours and pauses, and what each account has used of them."""
