/**
 * The audit log's events: one typed union, one detail shape per event type whatever the surface
 * (API, console, CLI, bootstrap). Services write them inside the transaction of the change they
 * record, so a change and its event commit together or not at all. Details never hold a secret,
 * a token or a password.
 */
import type { Kysely } from 'kysely';
import type { AuditStore } from '../store/audit-store.js';
import type { Database } from '../store/schema.js';
import { auditActor, type Actor } from './actor.js';

/** A client as the audit log records it (wire names; never its secret). */
export interface ClientSnapshot {
  readonly name: string;
  readonly types: readonly string[];
  readonly redirect: readonly string[];
  readonly confidential: boolean;
  readonly trusted: boolean;
  readonly introspect_all: boolean;
  readonly permissions: readonly string[];
  readonly scopes: readonly string[];
  readonly require_pkce: boolean;
  readonly allowed_origins: readonly string[];
}

export type AuditEvent =
  | { readonly type: 'client.created'; readonly clientId: string; readonly details: ClientSnapshot }
  | {
      readonly type: 'client.updated';
      readonly clientId: string;
      readonly details: { readonly name: string; readonly changed: readonly string[]; readonly values: Readonly<Record<string, unknown>> };
    }
  | { readonly type: 'client.deleted'; readonly clientId: string; readonly details: { readonly name: string; readonly tokens_ended: number } }
  | { readonly type: 'client.secret_regenerated'; readonly clientId: string; readonly details: { readonly name: string; readonly grace_period: number } }
  | {
      readonly type: 'user.created';
      readonly userId: string;
      readonly details: { readonly username: string; readonly administrator: boolean; readonly permissions: readonly string[] };
    }
  | {
      readonly type: 'user.updated';
      readonly userId: string;
      readonly details: {
        readonly username: string;
        readonly changed: readonly string[];
        readonly administrator: boolean;
        readonly permissions: readonly string[];
        readonly password_changed: boolean;
        /** What a password change ended: the user's other sessions, their OAuth tokens, and PATs when asked. */
        readonly sessions_ended: number;
        readonly tokens_revoked: number;
        readonly personal_access_tokens_revoked: number;
      };
    }
  | { readonly type: 'user.deleted'; readonly userId: string; readonly details: { readonly username: string } }
  | {
      readonly type: 'token.created';
      readonly tokenId: string;
      readonly details: {
        readonly kind: string;
        readonly name: string;
        readonly user_id: string;
        readonly client_id: string;
        readonly scopes: readonly string[];
        readonly expires_at: string | null;
      };
    }
  | {
      readonly type: 'token.revoked';
      readonly tokenId: string;
      readonly details: { readonly kind: string; readonly name: string | null; readonly user_id: string | null; readonly client_id: string };
    }
  | {
      readonly type: 'token.bulk_revoked';
      readonly details: { readonly filter: Readonly<Record<string, string | number | readonly string[]>>; readonly count: number };
    }
  | {
      readonly type: 'authorization.revoked';
      readonly userId: string;
      readonly details: { readonly client_id: string; readonly client_name: string; readonly tokens_revoked: number };
    }
  | { readonly type: 'scope.created'; readonly scope: string; readonly details: { readonly description: string } }
  | { readonly type: 'scope.updated'; readonly scope: string; readonly details: { readonly description: string } }
  | {
      readonly type: 'scope.deleted';
      readonly scope: string;
      readonly details: { readonly clients: number; readonly consents: number; readonly tokens: number; readonly tokens_revoked: number };
    };

export type AuditEventType = AuditEvent['type'];

function subjectOf(event: AuditEvent): { subjectType: string; subjectId?: string } {
  if ('clientId' in event) return { subjectType: 'client', subjectId: event.clientId };
  if ('userId' in event) return { subjectType: 'user', subjectId: event.userId };
  if ('tokenId' in event) return { subjectType: 'token', subjectId: event.tokenId };
  if ('scope' in event) return { subjectType: 'scope', subjectId: event.scope };
  return { subjectType: 'token' };
}

/** Writes one event in the caller's transaction. */
export async function recordAudit(audit: Pick<AuditStore, 'record'>, trx: Kysely<Database>, actor: Actor, event: AuditEvent, nowMs: number): Promise<void> {
  await audit.record({ type: event.type, actor: auditActor(actor), ...subjectOf(event), details: { ...event.details } }, trx, nowMs);
}
