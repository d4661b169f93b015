-- Realtime: the tables the studio subscribes to join the `supabase_realtime` publication.
-- Realtime applies each subscriber's RLS policies and column privileges (see ACCESS.md).
-- Replica identity stays `default`: updates carry the new row, deletes only the primary key.
-- `full` would put whole old rows into delete events, which realtime does not filter by RLS.

do $$
declare
  t text;
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
  if (select puballtables from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    return;
  end if;
  foreach t in array array[
    'live_stream_chat', 'live_stream_viewers', 'live_stream_sessions', 'live_products',
    'order_items', 'influencer_notifications', 'influencer_goals', 'influencer_earnings',
    'influencer_achievements'
  ] loop
    if not exists (
      select 1 from pg_catalog.pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = t
    ) then
      execute format('alter publication supabase_realtime add table public.%I', t);
    end if;
  end loop;
end
$$;
