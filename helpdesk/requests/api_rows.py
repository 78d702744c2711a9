"""The API's request list written from plain rows.

`RequestSerializer` (its schema and its detail form) builds a model instance per request
and runs DRF's machinery per field: on a page of 50 that was about half of the answer's
Python. The list reads the same columns as `values()` rows and writes each one by hand,
with DRF's own date field, so the JSON is what the serializer writes
(tests/helpdesk/test_api_rows.py compares them).
"""

from rest_framework import serializers

from accounts.workspace import HOME_SLUG

from .. import catalogue

LIST_COLUMNS = ("pk", "reference", "status", "subject", "category_id", "priority",
                "company_id", "company__slug", "requester__email", "created_at",
                "updated_at", "first_response_due", "next_response_due", "resolution_due",
                "sla_state")


def list_state(row: dict) -> tuple:
    """`conditional.state_of` of a row: a list row carries no timeline event."""
    return (row["pk"], row["updated_at"], None, row["sla_state"], row["requester__email"] or "")


def represent(rows) -> list[dict]:
    """Each row as `RequestSerializer` writes a request, in its field order."""
    when = serializers.DateTimeField()
    codes = {}
    answer = []
    for row in rows:
        category_id = row["category_id"]
        if category_id not in codes:
            codes[category_id] = catalogue.category(category_id).code
        answer.append({
            "reference": row["reference"],
            "status": row["status"],
            "subject": row["subject"],
            "category": codes[category_id],
            "priority": row["priority"],
            "workspace": row["company__slug"] if row["company_id"] else HOME_SLUG,
            "requester": row["requester__email"],
            "created_at": when.to_representation(row["created_at"]),
            "updated_at": when.to_representation(row["updated_at"]),
            "first_response_due": when.to_representation(row["first_response_due"]),
            "next_response_due": when.to_representation(row["next_response_due"]),
            "resolution_due": when.to_representation(row["resolution_due"]),
            "sla_state": row["sla_state"],
        })
    return answer
