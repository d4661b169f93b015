-- Realtime: the catalog joins the `supabase_realtime` publication, so a studio with a workspace
-- open hears of new and changed products, categories and wholesalers as they commit, not only
-- at its next pull. Realtime applies each subscriber's RLS policies and column privileges, as
-- for the other published tables (ACCESS.md); pulls stay the source of truth (a product leaving
-- a subscriber's filter, say, is dropped by the next pull).

do $$
declare
  t text;
begin
  if (select puballtables from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    return;
  end if;
  foreach t in array array['products', 'categories', 'wholesalers'] loop
    if not exists (
      select 1 from pg_catalog.pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = t
    ) then
      execute format('alter publication supabase_realtime add table public.%I', t);
    end if;
  end loop;
end
$$;
