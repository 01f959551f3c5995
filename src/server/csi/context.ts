import type { Engine } from '../../core/engine.ts';
import type { Logger } from '../../core/model.ts';
import type { InFlight } from './in-flight.ts';

/** What every CSI handler works with. */
export interface CsiContext {
  engine: Engine;
  nodeId: string;
  inFlight: InFlight;
  log: Logger;
}

/** A unary RPC implementation: request in, response out, errors mapped to gRPC codes by the server. */
export type Handler = (req: never) => Promise<object>;
