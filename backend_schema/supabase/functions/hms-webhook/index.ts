/** Edge Function entry point of hms-webhook (see handler.ts and backend_schema/README.md). */

import { createWebhookHandler } from "./handler.ts";

Deno.serve(createWebhookHandler({ env: (name) => Deno.env.get(name) }));
