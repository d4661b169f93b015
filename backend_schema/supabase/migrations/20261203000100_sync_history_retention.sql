-- Sync history retention: the op ledger (private.applied_ops) and the deletions feed
-- (public.sync_tombstones) are kept 45 days, then pruned daily.
--
-- Why 45: the studio never sends a change queued more than 30 days ago (it undoes it and says
-- so), so every op id a device can still resend is in the ledger, and a resent op stays a no-op.
-- The 15 days between cover a device clock running behind. A device whose tombstone cursor falls
-- below the pruned floor reconciles in full (sync_tombstone_floor), so no deletion is missed.
--
-- Scheduling: with pg_cron (on Supabase: Database -> Extensions -> pg_cron) the job
-- `shopstream-prune-sync-history` runs at 04:17 UTC. Without it (the studio's embedded server)
-- the studio prunes when it starts its local workspace.

-- Pruning by age: the ledger's own index leads with the user.
create index applied_ops_applied_at_idx on private.applied_ops (applied_at);

create function private.prune_sync_history(p_keep interval default interval '45 days')
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_ops bigint;
  v_tombstones bigint;
begin
  if p_keep is null or p_keep < interval '31 days' then
    raise exception 'keep at least 31 days of sync history (asked: %)', p_keep
      using errcode = '22023',
            hint = 'The studio sends changes queued up to 30 days ago; their op ids must stay.';
  end if;
  v_tombstones := private.prune_sync_tombstones(p_keep);
  delete from private.applied_ops a where a.applied_at < now() - p_keep;
  get diagnostics v_ops = row_count;
  return jsonb_build_object('applied_ops', v_ops, 'tombstones', v_tombstones);
end
$$;
comment on function private.prune_sync_history(interval) is
  'Drops applied op ids and tombstones older than p_keep (at least 31 days); daily via pg_cron.';

revoke execute on function private.prune_sync_history(interval) from public, anon, authenticated;
grant execute on function private.prune_sync_history(interval) to service_role;

-- pg_cron must be preloaded by the server (Supabase does); anywhere else this only notes it.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron') then
    raise notice 'pg_cron is not available: prune sync history with '
                 'select private.prune_sync_history() (the studio does so for local workspaces)';
    return;
  end if;
  begin
    create extension if not exists pg_cron;
    perform cron.schedule('shopstream-prune-sync-history', '17 4 * * *',
                          'select private.prune_sync_history()');
  exception when others then
    raise notice 'pg_cron could not be used (%): prune sync history with '
                 'select private.prune_sync_history()', sqlerrm;
  end;
end
$$;
