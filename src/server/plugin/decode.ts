import { VolError } from '../../core/errors.ts';

/** A request body as the protocol's endpoints take it, decoded and checked. */
export interface PluginRequest {
  Name?: string;
  ID?: string;
  Opts?: Record<string, string>;
}

/**
 * Decodes a request body as Go's encoding/json does for the protocol's structs: member names
 * match case-insensitively (an exact match wins), unknown members are ignored, and an empty body
 * is an empty request. Members of the wrong type are refused.
 */
export function decodeRequest(body: string): PluginRequest {
  if (body.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new VolError('INVALID_ARG', `the request body is not JSON: ${(err as Error).message}`);
  }
  if (json === null) return {};
  if (typeof json !== 'object' || Array.isArray(json)) throw new VolError('INVALID_ARG', 'the request body is not a JSON object');
  const obj = json as Record<string, unknown>;
  const out: PluginRequest = {};
  const name = member(obj, 'Name');
  if (name !== undefined && name !== null) out.Name = stringMember(name, 'Name');
  const id = member(obj, 'ID');
  if (id !== undefined && id !== null) out.ID = stringMember(id, 'ID');
  const opts = member(obj, 'Opts');
  if (opts !== undefined && opts !== null) out.Opts = decodeOpts(opts);
  return out;
}

/** The volume name a request must carry. */
export function requireName(req: PluginRequest): string {
  if (req.Name === undefined || req.Name === '') throw new VolError('INVALID_ARG', 'the request has no volume Name');
  return req.Name;
}

/** The mount ID a Mount or Unmount must carry. */
export function requireId(req: PluginRequest): string {
  if (req.ID === undefined || req.ID === '') throw new VolError('INVALID_ARG', 'the request has no mount ID');
  return req.ID;
}

function member(obj: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  const found = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : obj[found];
}

function stringMember(value: unknown, key: string): string {
  if (typeof value !== 'string') throw new VolError('INVALID_ARG', `the request's ${key} must be a string`);
  return value;
}

function decodeOpts(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new VolError('INVALID_ARG', "the request's Opts must be an object of strings");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new VolError('INVALID_ARG', `the request's option ${JSON.stringify(k)} must be a string`);
    out[k] = v;
  }
  return out;
}
