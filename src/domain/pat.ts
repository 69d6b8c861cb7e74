/**
 * Personal access tokens (PATs): the rules for their name, scopes, client and expiry.
 *
 * Expiry is a fixed date (never sliding): "never", 30, 90 or 365 days, or a chosen date.
 * KEYGATE_PAT_MAX_TTL caps it; while a cap is set, "never" and the day counts beyond the cap are
 * not offered, and a date beyond it is refused.
 */
import { isScope, type Scope } from './scope.js';

export const PAT_NAME_MAX_LENGTH = 255;
export const MS_PER_DAY = 86_400_000;

export const PAT_EXPIRY_CHOICES = ['never', '30', '90', '365', 'date'] as const;
export type PatExpiryChoice = (typeof PAT_EXPIRY_CHOICES)[number];

export const PAT_EXPIRY_LABELS: Readonly<Record<PatExpiryChoice, string>> = {
  never: 'Never',
  '30': '30 days',
  '90': '90 days',
  '365': '365 days',
  date: 'Custom date',
};

export type PatFieldErrors = Record<string, string[]>;

export function isPatExpiryChoice(value: unknown): value is PatExpiryChoice {
  return typeof value === 'string' && (PAT_EXPIRY_CHOICES as readonly string[]).includes(value);
}

/** The expiry choices to offer under a cap (seconds; undefined = no cap). */
export function patExpiryChoices(maxTtlSeconds: number | undefined): PatExpiryChoice[] {
  if (maxTtlSeconds === undefined) return [...PAT_EXPIRY_CHOICES];
  return PAT_EXPIRY_CHOICES.filter((c) => c === 'date' || (c !== 'never' && Number(c) * 86_400 <= maxTtlSeconds));
}

/** The choice preselected in forms: the configured default lifetime when it is one of the choices. */
export function defaultPatExpiryChoice(defaultTtlSeconds: number, maxTtlSeconds: number | undefined): PatExpiryChoice {
  const offered = patExpiryChoices(maxTtlSeconds);
  if (defaultTtlSeconds === 0 && offered.includes('never')) return 'never';
  const days = String(defaultTtlSeconds / 86_400);
  if (isPatExpiryChoice(days) && offered.includes(days)) return days;
  return offered.find((c) => c !== 'never' && c !== 'date') ?? 'date';
}

export function patNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'The Name field is required.';
  if (trimmed.length > PAT_NAME_MAX_LENGTH) return `The Name must not be greater than ${PAT_NAME_MAX_LENGTH} characters.`;
  // Control characters would make the name unreadable in lists and logs.
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'The Name must not contain control characters.';
  }
  return null;
}

/** Scopes for a PAT: empty means `api` (INTERFACE.md); unknown scopes are an error. */
export function parsePatScopes(input: readonly string[] | undefined): Scope[] | string {
  const list = [...new Set(input ?? [])];
  const unknown = list.find((s) => !isScope(s));
  if (unknown !== undefined) return `The scope "${unknown}" is not one of api, api:read.`;
  return list.length === 0 ? ['api'] : (list as Scope[]);
}

/** Checks an absolute expiry (ms, or null for never) against now and the cap; returns a problem or null. */
export function patExpiryProblem(expiresAtMs: number | null, nowMs: number, maxTtlSeconds: number | undefined): string | null {
  if (expiresAtMs === null) {
    return maxTtlSeconds === undefined ? null : `Tokens must expire: the longest lifetime allowed is ${describeTtl(maxTtlSeconds)}.`;
  }
  if (!Number.isFinite(expiresAtMs)) return 'The expiry date is not a valid date.';
  if (expiresAtMs <= nowMs) return 'The expiry date must be in the future.';
  if (maxTtlSeconds !== undefined && expiresAtMs > nowMs + maxTtlSeconds * 1000) {
    return `The expiry date must be within ${describeTtl(maxTtlSeconds)} from now.`;
  }
  return null;
}

export function describeTtl(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/**
 * A form's expiry choice (and date, `YYYY-MM-DD`, meaning the end of that UTC day) as an absolute
 * expiry. Returns `{ expiresAt }` or `{ error }`.
 */
export function resolvePatExpiry(
  choice: string,
  date: string | undefined,
  nowMs: number,
  maxTtlSeconds: number | undefined,
): { expiresAt: number | null } | { error: string } {
  if (!isPatExpiryChoice(choice) || !patExpiryChoices(maxTtlSeconds).includes(choice)) return { error: 'Choose one of the offered expiry options.' };
  let expiresAt: number | null;
  if (choice === 'never') expiresAt = null;
  else if (choice === 'date') {
    if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return { error: 'Enter the expiry date as YYYY-MM-DD.' };
    const start = Date.parse(`${date}T00:00:00.000Z`);
    if (!Number.isFinite(start)) return { error: 'The expiry date is not a valid date.' };
    expiresAt = start + MS_PER_DAY - 1;
    // The last day the cap allows ends at the cap, not at midnight after it.
    const capMs = maxTtlSeconds === undefined ? undefined : nowMs + maxTtlSeconds * 1000;
    if (capMs !== undefined && expiresAt > capMs && start <= capMs) expiresAt = capMs;
  } else expiresAt = nowMs + Number(choice) * MS_PER_DAY;
  const problem = patExpiryProblem(expiresAt, nowMs, maxTtlSeconds);
  return problem ? { error: problem } : { expiresAt };
}

export interface PatClientOption {
  readonly id: string;
  readonly name: string;
  /** The scopes the client may give a token. */
  readonly scopes: readonly string[];
}

/**
 * Which client mints a PAT: the requested one (it must hold `personal_access_client`), or the only
 * such client when none is named.
 */
export function choosePatClient(requestedId: string | undefined, patClients: readonly PatClientOption[]): { clientId: string; scopes: readonly string[] } | { error: string } {
  if (requestedId !== undefined && requestedId !== '') {
    const found = patClients.find((c) => c.id === requestedId);
    return found
      ? { clientId: found.id, scopes: found.scopes }
      : { error: 'The client does not exist or cannot issue personal access tokens (it needs Enable Personal Access Tokens).' };
  }
  if (patClients.length === 1) return { clientId: patClients[0]!.id, scopes: patClients[0]!.scopes };
  if (patClients.length === 0) return { error: 'No client can issue personal access tokens: enable Personal Access Tokens on an Auth Client first.' };
  return { error: 'Choose the client: more than one can issue personal access tokens.' };
}

/** True when a token is older than the rotation policy. */
export function needsRotation(createdAtMs: number, nowMs: number, rotationDays: number): boolean {
  return nowMs - createdAtMs > rotationDays * MS_PER_DAY;
}

/** A "created before" bound from `YYYY-MM-DD` (start of that UTC day) or a full ISO 8601 time; null if unreadable. */
export function parseBeforeDate(text: string): number | null {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const ms = Date.parse(`${t}T00:00:00.000Z`);
    return Number.isFinite(ms) ? ms : null;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

/** A personal access token as the API and the CLI print it (INTERFACE.md): never the token itself. */
export interface PatWire {
  readonly id: string;
  readonly name: string;
  readonly client_id: string;
  readonly scopes: string[];
  readonly prefix: string;
  readonly created_at: string;
  readonly expires_at: string | null;
  readonly last_used_at: string | null;
}

export function patWireForm(pat: {
  readonly id: string;
  readonly name: string;
  readonly clientId: string;
  readonly scopes: string[];
  readonly prefix: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
}): PatWire {
  return {
    id: pat.id,
    name: pat.name,
    client_id: pat.clientId,
    scopes: pat.scopes,
    prefix: pat.prefix,
    created_at: pat.createdAt.toISOString(),
    expires_at: pat.expiresAt?.toISOString() ?? null,
    last_used_at: pat.lastUsedAt?.toISOString() ?? null,
  };
}
