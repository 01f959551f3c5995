import { VolError } from './errors.ts';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Longest accepted name; keeps `<root>/locks/<name>.lock` under NAME_MAX (255). */
export const MAX_NAME_LENGTH = 200;

/** Throws INVALID_NAME unless `name` may be used as a volume name (and so in a path). */
export function validateVolumeName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new VolError('INVALID_NAME', `invalid volume name ${JSON.stringify(name)}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
  // podman: no length limit there; a name longer than a path component could hold fails late with ENAMETOOLONG.
  if (name.length > MAX_NAME_LENGTH) {
    throw new VolError('INVALID_NAME', `invalid volume name ${JSON.stringify(name.slice(0, 20) + '…')}: names must be at most ${MAX_NAME_LENGTH} characters`);
  }
}

/** A random name of 64 lowercase hex characters, as Podman gives unnamed volumes. */
export function randomVolumeName(): string {
  // Web Crypto is loaded on first use; importing node:crypto would cost every command start-up time.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(32));
  return Buffer.from(bytes).toString('hex');
}
