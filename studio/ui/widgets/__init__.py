"""Small reusable widgets of the studio (painted, no business rules)."""
