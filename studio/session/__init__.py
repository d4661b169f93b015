"""Session layer: the live show a host is running, in plain Python (no Qt), for the control room.

Public API for the UI (build the server with `studio.sync.show_server.BackendShowServer(backend)`;
the cache's `CacheReader` serves as the cached source):

- `show_session.ShowSession`: `await ShowSession.open(server, session_id, cached=row,
  practice=local_workspace)`, then
  `go_live(rehearsal)`, `feature(live_product_id | None)`, `next()`, `previous()`,
  `start_flash_sale(live_product_id, price, duration_s)`, `cancel_flash_sale()`,
  `end_show() -> ShowReport`, `refresh()`, `refresh_figures()` (distinct buyers, counted by
  the server), `current_flash()`; read `state`, `lineup`, `featured_id`, `flash`,
  `is_rehearsal`, `rehearsing` (a private rehearsal or a local workspace's show), `buyers`,
  `clock`; `subscribe(listener)` gets `SessionEvent`s ("state", "featured", "flash_started",
  "flash_ended", "flash_cancelled", "lineup", "figures").
- `show_session.find_running_show(server_or_cache, host_id)`: the host's live show to reopen
  after a restart, or None.
- `errors.SessionError`: every refusal, with `message` (words for the host), `field`
  ("show", "live_product", "flash_price", "flash_duration"), `sqlstate`, `retryable`.
- `flash_sale`: `PRESETS`, `preset_seconds(choice)`, `ServerClock`, `FlashWindow`,
  `FlashCountdown` (`tick()`, `seconds_left()`, `progress()`, `on_end(listener)`,
  `ended_on_time`), `server_confirms_end(window, show_live_stats_reply)`.
- `live_metrics.LiveMetrics(session_id, goal=row)`: `apply([(table, row), ...])` or
  `apply_changes(row_changes)` -> `MetricsUpdate` (new sales, sold out, goal reached); read
  `current_viewers`, `peak_viewers`, `unique_viewers`, `viewer_series()`, `chat_series()`,
  `feed`, `revenue`, `units`, `units_by_product`, `revenue_by_product`, `orders`, `buyers`
  (None until `set_buyers(count)` hands in the server's count), `conversion`,
  `goal_progress()`; `conversion_rate(buyers, unique_viewers)`.
- `show_report`: `build_report(server, session_id, rehearsal=...)`, `compute_report(...,
  figures=show_figures_reply)`, `ShowReport` (`top_products()`, `kind`, `rehearsal`),
  `report_csv(report)`, `write_report_csv(report, path)`.
- `studio.core.chat_rules` (pure): `classify(text, WordFilter(words))` -> buyer intent,
  question, filtered, size mentions, for the chat monitor.
"""
