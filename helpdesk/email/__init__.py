"""The email channel: customers answer requests from their inbox (DESIGN.md sections 2, 8).

Outbound, every email about a request carries a reply address unique to the request and
the recipient (`addresses`) and is threaded per recipient (`outbound`). Inbound, three
transports (IMAP polling, provider webhooks, `manage.py receive_email`) store the raw
message first (`inbound.receive`); one function processes a stored message
(`inbound.process_stored_message`), through the same services as the portal.
"""
