/**
 * Answers a request Node's HTTP parser refused before any route ran — headers too large (431), a
 * malformed request (400), a request that did not arrive in time (408) — as Fastify's default
 * handler does, except that the answer to a HEAD request carries no content (RFC 9110 §9.3.2).
 * Fastify's default writes its JSON body whatever the method, and a client that sent HEAD reads
 * those bytes as the start of the next response ("Parse Error: Expected HTTP/"): the full-size
 * fuzz found it with a 20 KB HEAD request.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';

interface ClientError extends Error {
  readonly code?: string;
  /** The bytes the parser was reading when it gave up (a Buffer: Node sets it for parser errors). */
  readonly rawPacket?: unknown;
}

function refusal(code: string | undefined): { status: number; message: string; label: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: 'Client Timeout', label: 'timeout' };
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, message: 'Exceeded maximum allowed HTTP header size', label: 'header_overflow' };
  return { status: 400, message: 'Client Error', label: 'error' };
}

/** Whether the refused request was for the gateway check (its request line is at the start of the packet). */
function isGatewayCheck(rawPacket: unknown): boolean {
  return Buffer.isBuffer(rawPacket) && /^[A-Z]{1,10} \/gateway\/check[?# ]/.test(rawPacket.subarray(0, 40).toString('latin1'));
}

/** Fastify calls it with the server instance as `this` (only its logger is used). */
export function clientErrorHandler(this: { readonly log: FastifyBaseLogger }, err: ClientError, socket: Socket): void {
  // A reset connection is gone already: nothing to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message, label } = refusal(err.code);
  this.log.trace({ err }, `client ${label}`);
  if (socket.writable && isGatewayCheck(err.rawPacket)) {
    // The gateway check answers only 200, 401 or 403 (a proxy turns anything else into a 500): a
    // request it could not even read — an oversized or malformed Authorization header — is 401.
    socket.write(
      'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="keygate", error="invalid_token"\r\nCache-Control: no-store\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
  } else if (socket.writable) {
    const reason = STATUS_CODES[status]!;
    // The request line is at the start of the packet the parser read (a request that arrives in one
    // read, as an oversized one over a fast link does); otherwise the default answer stands.
    const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
    const body = head ? '' : `{"error":"${reason}","message":"${message}","statusCode":${status}}`;
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
