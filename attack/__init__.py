"""`make attack`: the portal attacked from outside, served under production settings.

See docs/security.md for what it tries and how to read its summary."""
