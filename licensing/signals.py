"""What licensing tells the apps above it, which it never imports (DESIGN.md section 2)."""

from django.dispatch import Signal

# Sent by `licences.update_licence`, inside its transaction, when staff changed a licence's
# support plan: `licence` (holding the new plan), `previous` (the plan it had) and `by`.
# The helpdesk moves the licence's open requests to the new plan and their due times.
licence_plan_changed = Signal()
