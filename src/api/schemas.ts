/** Schemas shared by the API routes: error bodies, list envelopes, pagination parameters. */
import { Type, type TSchema } from '@sinclair/typebox';

export const ErrorMessage = Type.Object({ message: Type.String() }, { $id: 'ErrorMessage' });

export const ValidationError = Type.Object(
  { message: Type.String(), errors: Type.Record(Type.String(), Type.Array(Type.String())) },
  { $id: 'ValidationError' },
);

export const ListMeta = Type.Object({ total: Type.Integer(), page: Type.Integer(), per_page: Type.Integer() });

export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({ data: Type.Array(item), meta: ListMeta });
}

/** `page` (from 1) and `per_page` (1–100, default 15), as query parameters. */
export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 15 })),
};

export const MAX_PER_PAGE = 100;

export function pageOf(query: { page?: number; per_page?: number }): { page: number; perPage: number } {
  return { page: query.page ?? 1, perPage: Math.min(query.per_page ?? 15, MAX_PER_PAGE) };
}

/** Standard error responses for a protected route. */
export const PROTECTED_ERRORS = { 401: ErrorMessage, 403: ErrorMessage } as const;
