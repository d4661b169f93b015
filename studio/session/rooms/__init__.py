"""Video rooms for live shows (100ms): the REST client, credentials in the OS keyring, and the
room providers the control room goes live with (no Qt here).

- `client.HmsClient(credentials)`: the 100ms REST API v2 (`create_room`, `create_room_codes`,
  `end_room`, `active_peers`, `start_restream`, `stop_restream`); failures raise `HmsError`.
- `credentials.HmsCredentials`, `credentials.CredentialStore`: the host's own 100ms account and
  restream keys, kept in the OS keyring only.
- `providers`: `RoomProvider` and its three faces — `EdgeFunctionRooms` (Supabase projects),
  `DirectRooms` (local workspace with keyring credentials), `NoVideoRooms` (rehearsal without
  video); `RoomInfo`, `Peer`, `prebuilt_url(subdomain, code)`.
- `show_video.ShowVideo`: going live with a room, ending it with the show, restreams, co-hosts.
"""
