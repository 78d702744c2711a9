"""A peer result in the shape the peer's harness prints (django-helpdesk 2.6.1 at 100,000
tickets; figures of a run on the 2-core machine), for the tests of the vs_peer block."""

PEER_RESULT = {
    "peer": "django-helpdesk",
    "hello_req_s": 3538.24,
    "hello": {"queries": 0, "median_ms": 0.27, "req_s": 3538.24, "p50_ms": 2.0,
              "p99_ms": 7.5, "auth": "anonymous", "path": "/hello/"},
    "pages": {
        "ticket_list_html": {"queries": 10, "median_ms": 21.91, "req_s": 82.34,
                             "p50_ms": 95.4, "p99_ms": 142.2, "path": "/helpdesk/tickets/"},
        "ticket_list_json": {"queries": 76, "median_ms": 1108.41, "req_s": 1.49,
                             "p50_ms": 3657.5, "p99_ms": 5204.3,
                             "path": "/helpdesk/datatables_ticket_list/..."},
        "ticket_detail": {"queries": 98, "median_ms": 109.93, "req_s": 13.86,
                          "p50_ms": 558.2, "p99_ms": 767.0, "path": "/helpdesk/tickets/1/"},
        "dashboard": {"queries": 67, "median_ms": 3687.17, "req_s": 0.3, "p50_ms": 6191.8,
                      "p99_ms": 6775.6, "path": "/helpdesk/dashboard/"},
        "public_view": {"queries": 8, "median_ms": 21.21, "req_s": 68.19, "p50_ms": 112.7,
                        "p99_ms": 184.6, "path": "/helpdesk/view/?ticket=q01-1"},
    },
    "seed": {"n_tickets": 100000, "seconds": 45.77, "followups": 299858},
    "escalate": {"escalate_days": 3, "tickets_escalated": 6293, "seconds": 72.25,
                 "ms_per_ticket": 11.48},
    "versions": {"django-helpdesk": "2.6.1", "django": "5.2.19"},
    "machine": {"cores": 2},
    "wall_seconds": 341.0,
    "finished_at": "2026-12-02T04:37:43+00:00",
}
