"""Customer lifetime value: what each account is worth over a horizon (issue 24)."""
