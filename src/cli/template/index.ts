export { parseTemplate, TemplateError, type Template } from './compile.ts';
export { GoTime } from './go-time.ts';
export { compileTemplate, headerOf, isJsonFormat, normalizeFormat, renderReport, type ObjectTemplate, type ReportOptions } from './report.ts';
export { PODMAN_TABLE, tabwrite } from './tabwriter.ts';
export { GoNil, GoStruct, NO_VALUE, toJson } from './values.ts';
