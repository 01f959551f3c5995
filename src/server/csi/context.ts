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
