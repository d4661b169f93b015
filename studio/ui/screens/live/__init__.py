"""The Live control room: the show session's screen and its panels."""
