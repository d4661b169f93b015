"""What a simulated customer asks the server for: join, leave, say something, buy."""

from __future__ import annotations

import uuid

from studio.session.simulator.accounts import SimUser
from studio.session.simulator.requests import (
    Request,
    checkout_statement,
    delete_statement,
    insert_statement,
    update_statement,
)


def join(user: SimUser, show_id: str, row_id: str) -> Request:
    """Open the viewer's presence row `row_id` (the client makes the id)."""
    return Request(user, [insert_statement(
        "live_stream_viewers", {"id": row_id, "session_id": show_id, "user_id": user.user_id},
    )])


def leave(user: SimUser, row_id: str) -> Request:
    """Close the viewer's presence row."""
    # "now" is PostgreSQL's input for the transaction's start. A clock read when the request
    # was planned could precede a join that landed late (left_at may not precede joined_at);
    # the join always goes first, on the same connection.
    return Request(user, [update_statement("live_stream_viewers", {"left_at": "now"}, row_id)])


def say(user: SimUser, show_id: str, text: str, kind: str) -> Request:
    """Send a chat message (`kind` 'message' or 'question')."""
    return Request(user, [insert_statement("live_stream_chat", {
        "id": str(uuid.uuid4()), "session_id": show_id, "user_id": user.user_id,
        "message": text, "message_type": kind,
    })])


def buy(user: SimUser, live_product_id: str, quantity: int) -> Request:
    """Put the live product in the cart and check out, as the shop app's "Buy now" does."""
    return Request(user, [
        # The simulated customer's cart holds only what they buy now.
        delete_statement("cart", "customer_id", user.customer_id),
        insert_statement("cart", {"customer_id": user.customer_id,
                                  "live_product_id": live_product_id, "quantity": quantity}),
        checkout_statement(str(uuid.uuid4())),
    ])
