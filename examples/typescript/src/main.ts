/**
 * Start a Request to Pay and a Transfer on momoflow's worker from TypeScript, follow them to
 * their final state, and show how a bad request is refused.
 *
 * Nothing here comes from momoflow itself: workflows are started by type name with plain
 * JSON, under the workflow ids and id policies momoflow documents, and payloads are
 * encrypted with the same AES-256-GCM format as the worker's codec (see codec.ts).
 *
 * Settings come from the same environment variables as momoflow's own processes: Temporal's
 * standard client configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS*, TEMPORAL_PROFILE, ...), TEMPORAL_TASK_QUEUE, and CODEC_KEYS (or CODEC_KEYS_FILE;
 * without a key it refuses to run unless CODEC_ALLOW_PLAINTEXT=true).
 * `--json` prints a one-line summary at the end, for scripts and tests.
 */

import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Client,
  Connection,
  WorkflowFailedError,
  WorkflowHandle,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { EncryptionCodec, parseKeys } from './codec';

/** The part of momoflow's `PaymentState` this example reads (the `status` query and the result). */
interface PaymentState {
  operation: string;
  reference_id: string;
  external_id?: string | null;
  amount?: string | null; // money is always a decimal string
  currency?: string | null;
  status: 'SUBMITTING' | 'PENDING' | 'SUCCESSFUL' | 'FAILED' | 'UNKNOWN';
  reason?: string | null;
  financial_transaction_id?: string | null;
}

interface Party {
  party_id_type: 'MSISDN' | 'EMAIL' | 'PARTY_CODE';
  party_id: string;
}

interface Settings {
  taskQueue: string;
  codecKeys: string;
  refusalWaitMs: number;
}

interface Followed {
  workflow_id: string;
  status: string;
  reason: string | null;
  reference_id: string;
  financial_transaction_id: string | null;
}

interface Refusal {
  workflow_id: string;
  refused: boolean;
  type: string | null;
  message: string;
  non_retryable: boolean | null;
}

const FINAL = new Set(['SUCCESSFUL', 'FAILED']);
const STATUS_QUERY = 'status';

function settings(): Settings {
  const env = process.env;
  let codecKeys = (env.CODEC_KEYS ?? '').trim();
  if (!codecKeys && env.CODEC_KEYS_FILE) codecKeys = readFileSync(env.CODEC_KEYS_FILE, 'utf8').trim();
  if (!codecKeys && !['1', 'true', 'yes'].includes((env.CODEC_ALLOW_PLAINTEXT ?? '').toLowerCase())) {
    throw new Error('no payload key: set CODEC_KEYS (or CODEC_KEYS_FILE), or CODEC_ALLOW_PLAINTEXT=true');
  }
  return {
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'momoflow',
    codecKeys,
    refusalWaitMs: 1000 * Number(env.REFUSAL_WAIT_S || '20'),
  };
}

function log(workflowId: string, message: string): void {
  console.log(`[${workflowId}] ${message}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A customer number for the sandbox (a 256 country code and eight random digits). */
function customer(): Party {
  return { party_id_type: 'MSISDN', party_id: `2567${randomInt(10_000_000, 100_000_000)}` };
}

/** Never print a whole phone number. */
function masked(party: Party): string {
  return party.party_id_type === 'MSISDN' ? `${party.party_id.slice(0, 4)}****${party.party_id.slice(-2)}` : party.party_id_type;
}

/**
 * Start `workflowType` under `<prefix>-<key>` as momoflow does: a repeated start attaches to the
 * running operation (USE_EXISTING) and a finished one is never started again (REJECT_DUPLICATE).
 */
async function start(
  client: Client,
  cfg: Settings,
  workflowType: string,
  workflowId: string,
  input: object,
): Promise<WorkflowHandle> {
  try {
    const handle = await client.workflow.start(workflowType, {
      workflowId,
      taskQueue: cfg.taskQueue,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    log(workflowId, `started ${workflowType}`);
    return handle;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    log(workflowId, `already finished earlier; reading its outcome`);
    return client.workflow.getHandle(workflowId);
  }
}

/** Print each status the `status` query reports until the workflow returns its final state. */
async function follow(handle: WorkflowHandle): Promise<PaymentState> {
  let finished = false;
  const result = handle.result().finally(() => {
    finished = true;
  }) as Promise<PaymentState>;
  result.catch(() => undefined); // handled by the caller; keep the loop below quiet
  let last = '';
  while (!finished) {
    try {
      const state = (await handle.query(STATUS_QUERY)) as PaymentState;
      if (state.status !== last) {
        last = state.status;
        log(handle.workflowId, `status ${state.status}`);
      }
    } catch {
      // The first workflow task may not have run yet; ask again shortly.
    }
    await Promise.race([sleep(500), result.catch(() => undefined)]);
  }
  return result;
}

async function payment(client: Client, cfg: Settings, workflowType: string, workflowId: string, input: object): Promise<Followed> {
  const handle = await start(client, cfg, workflowType, workflowId, input);
  const state = await follow(handle);
  const extra = state.reason ? `, reason ${state.reason}` : '';
  const txn = state.financial_transaction_id ? `, financial transaction id ${state.financial_transaction_id}` : '';
  log(workflowId, `final ${state.status} (${state.currency} ${state.amount}, reference id ${state.reference_id}${txn}${extra})`);
  return {
    workflow_id: workflowId,
    status: state.status,
    reason: state.reason ?? null,
    reference_id: state.reference_id,
    financial_transaction_id: state.financial_transaction_id ?? null,
  };
}

/**
 * Start a request the worker must refuse and report how it ends. The example checks nothing
 * itself: the workflow is the one definition of good input.
 */
async function refusal(client: Client, cfg: Settings, workflowType: string, workflowId: string, input: object): Promise<Refusal> {
  const handle = await start(client, cfg, workflowType, workflowId, input);
  const outcome = await Promise.race([
    handle.result().then(
      (state) => ({ kind: 'completed' as const, state: state as PaymentState }),
      (err: unknown) => ({ kind: 'failed' as const, err }),
    ),
    sleep(cfg.refusalWaitMs).then(() => ({ kind: 'waiting' as const })),
  ]);
  if (outcome.kind === 'failed' && outcome.err instanceof WorkflowFailedError) {
    const cause = outcome.err.cause;
    if (cause instanceof ApplicationFailure) {
      // The refusal: the workflow failed with an application error naming the field.
      log(workflowId, `refused: ${cause.type ?? 'ApplicationFailure'}: ${cause.message}`);
      return { workflow_id: workflowId, refused: true, type: cause.type ?? null, message: cause.message, non_retryable: Boolean(cause.nonRetryable) };
    }
    const message = `not refused: the workflow ended with ${cause?.name ?? 'a failure'}: ${cause?.message ?? outcome.err.message}`;
    log(workflowId, message);
    return { workflow_id: workflowId, refused: false, type: null, message, non_retryable: null };
  }
  if (outcome.kind === 'failed') throw outcome.err;
  if (outcome.kind === 'completed') {
    const message = `not refused: the workflow completed with status ${outcome.state.status}`;
    log(workflowId, message);
    return { workflow_id: workflowId, refused: false, type: null, message, non_retryable: null };
  }
  // Still running: the worker did not turn the bad input into a workflow failure. Clean up.
  const message = `not refused within ${cfg.refusalWaitMs / 1000}s: the workflow is still running`;
  log(workflowId, `${message}; terminating it`);
  await handle.terminate('example: bad request was not refused');
  return { workflow_id: workflowId, refused: false, type: null, message, non_retryable: null };
}

/**
 * Temporal's client configuration (profile file and TEMPORAL_* variables). @temporalio/envconfig
 * 1.24.0 throws a TypeError on a config file without any `[profile]` table (an empty file, or one
 * holding only comments); such a file sets nothing, so read the variables alone then.
 */
function clientConnectConfig(): ReturnType<typeof loadClientConnectConfig> {
  try {
    return loadClientConnectConfig();
  } catch (err) {
    if (!(err instanceof TypeError && err.message.includes('reading'))) throw err;
    return loadClientConnectConfig({ disableFile: true });
  }
}

async function main(): Promise<number> {
  const cfg = settings();
  const codecKeys = cfg.codecKeys ? parseKeys(cfg.codecKeys) : [];
  // Address, namespace, TLS and API key from Temporal's standard client configuration.
  const connect = clientConnectConfig();
  const address = connect.connectionOptions.address || '127.0.0.1:7233';
  const namespace = connect.namespace || 'default';
  const connection = await Connection.connect({ ...connect.connectionOptions, address });
  const client = new Client({
    connection,
    namespace,
    dataConverter: codecKeys.length ? { payloadCodecs: [new EncryptionCodec(codecKeys)] } : {},
  });
  const encryption = codecKeys.length ? `payloads encrypted with key ${codecKeys[0].id}` : 'payloads in plain text';
  console.log(`connected to ${address}, namespace ${namespace}, task queue ${cfg.taskQueue}, ${encryption}`);

  // Part of every key; run again with the same RUN_ID and the starts attach to the first payments.
  const run = process.env.RUN_ID || randomBytes(4).toString('hex');
  try {
    // Request to Pay: the business key is the external id; the workflow id is `rtp-<key>`.
    const payer = customer();
    const order = `ORD-ts-${run}`;
    console.log(`request to pay EUR 42.10 from ${masked(payer)}, order ${order}`);
    const rtp = await payment(client, cfg, 'RequestToPay', `rtp-${order}`, {
      request: { amount: '42.10', currency: 'EUR', payer, external_id: order, payer_message: 'Order ' + order, payee_note: 'Thank you' },
    });

    // Transfer: the workflow id is `transfer-<key>`.
    const payee = customer();
    const payout = `PAY-ts-${run}`;
    console.log(`transfer EUR 12.50 to ${masked(payee)}, payout ${payout}`);
    const transfer = await payment(client, cfg, 'Transfer', `transfer-${payout}`, {
      request: { amount: '12.50', currency: 'EUR', payee, external_id: payout, payer_message: 'Refund', payee_note: 'Refund ' + payout },
    });

    // A bad request: a negative amount. The worker refuses it; no money moves.
    const bad = `ORD-ts-${run}-bad`;
    console.log(`request to pay EUR -5.00 (a bad request), order ${bad}`);
    const refused = await refusal(client, cfg, 'RequestToPay', `rtp-${bad}`, {
      request: { amount: '-5.00', currency: 'EUR', payer: customer(), external_id: bad },
    });

    if (process.argv.includes('--json')) {
      console.log(JSON.stringify({ request_to_pay: rtp, transfer, refused }));
    }
    const ok = FINAL.has(rtp.status) && FINAL.has(transfer.status) && refused.refused;
    return ok ? 0 : 1;
  } finally {
    await connection.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
