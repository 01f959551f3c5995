import { buildInfo } from './build-info.ts';
import { CliContext } from './context.ts';
import { buildProgram, registerAll } from './main.ts';
import { renderManPage } from './man.ts';
import { progressFactory } from './progress.ts';

// Build step (scripts/build.mjs): prints vol(1) for the command tree; never part of the CLI bundle.
const program = buildProgram({ out: '', err: '' });
registerAll(program, { ctx: new CliContext(program), finish: () => {}, progress: progressFactory({ stderr: () => {} }) });
const epoch = Number(process.env.SOURCE_DATE_EPOCH);
const date = (Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date()).toISOString().slice(0, 10);
process.stdout.write(renderManPage(program, buildInfo().version, date));
