"""The host's dashboard: home, goals, earnings, achievements, notifications and show history."""
