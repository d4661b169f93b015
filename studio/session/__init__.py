"""Session layer: sign-in state and the live-selling session a host is running."""
