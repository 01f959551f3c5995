import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The part of @grpc/grpc-js the server uses. */
export type Grpc = typeof import('@grpc/grpc-js');

/** grpc-js and the CSI service definitions loaded from `csi.proto`. */
export interface CsiProto {
  grpc: Grpc;
  identity: import('@grpc/grpc-js').ServiceDefinition;
  controller: import('@grpc/grpc-js').ServiceDefinition;
  node: import('@grpc/grpc-js').ServiceDefinition;
}

/** How messages look to handlers: the spec's snake_case names, enums by name, int64 as numbers. */
export const LOADER_OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true } as const;

/** Where csi.proto is: beside the bundle in dist/, else in the repository's proto/. */
export function protoPath(): string {
  // In the bundle import.meta.url is the bundle's path; under tsx it is a file: URL.
  const here = dirname(import.meta.url.startsWith('file:') ? fileURLToPath(import.meta.url) : import.meta.url);
  for (const candidate of [join(here, 'csi.proto'), join(here, '..', '..', '..', 'proto', 'csi.proto')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`csi.proto not found beside ${here}: run npm run build`);
}

/**
 * Loads grpc-js and proto-loader on first use, through require: only `vol csi serve` pays for
 * them, and the bundled CLI runs as CommonJS without a loader for import().
 */
export function loadCsiProto(): CsiProto {
  const req = createRequire(import.meta.url);
  const grpc = req('@grpc/grpc-js') as Grpc;
  const loader = req('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
  const def = loader.loadSync(protoPath(), LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { csi: { v1: Record<string, { service: import('@grpc/grpc-js').ServiceDefinition }> } };
  const v1 = pkg.csi.v1;
  return { grpc, identity: v1.Identity!.service, controller: v1.Controller!.service, node: v1.Node!.service };
}
