"""The studio's screens, each plugged into the main window by the shell."""
