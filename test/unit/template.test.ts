import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTemplate, renderVolumeTable } from '../../src/cli/render.ts';
import { compileTemplate } from '../../src/cli/template.ts';
import type { VolumeInspect } from '../../src/core/model.ts';

const V: VolumeInspect = {
  Name: 'data',
  Driver: 'local',
  Mountpoint: '/r/volumes/data/_data',
  CreatedAt: '2026-01-01T00:00:00.000Z',
  Labels: { app: 'web', b: 'x=y' },
  Scope: 'local',
  Options: { UID: '5' },
  UID: 5,
  MountCount: 0,
};

test('fields, map keys, literal text, json and spacing inside actions', () => {
  assert.equal(compileTemplate('{{.Name}}').render(V), 'data');
  assert.equal(compileTemplate('{{ .Name }} on {{.Driver}}').render(V), 'data on local');
  assert.equal(compileTemplate('{{.Labels.app}}|{{ .Labels.missing }}|{{.Options.UID}}').render(V), 'web||5');
  assert.equal(compileTemplate('{{.MountCount}} {{.UID}}').render(V), '0 5');
  assert.equal(compileTemplate('{{json .Labels}}').render(V), '{"app":"web","b":"x=y"}');
  assert.equal(compileTemplate('{{.Labels}}').render(V), 'map[app:web b:x=y]');
  assert.equal(compileTemplate('{{.GID}}').render(V), '');
});

test('malformed templates are refused', () => {
  assert.throws(() => compileTemplate('{{.Name'), /unclosed action/);
  assert.throws(() => compileTemplate('{{range .}}x{{end}}'), /unsupported action/);
  assert.throws(() => compileTemplate('{{.Nope}}').render(V), /can't evaluate field Nope/);
});

test('table prefix adds an upper-cased header; .Name becomes VOLUME NAME', () => {
  assert.equal(renderTemplate('table {{.Name}}\\t{{.Driver}}', [V], true), 'VOLUME NAME\tDRIVER\ndata\tlocal\n');
  assert.equal(renderTemplate('{{.Name}}', [V, V], true), 'data\ndata\n');
  assert.equal(renderTemplate('table {{.Name}}', [], true), '');
  assert.equal(renderTemplate('table {{.Name}}', [V], true, false), 'data\n');
});

test('default table pads the driver column to 12 like Go tabwriter', () => {
  assert.equal(renderVolumeTable([V], true), 'DRIVER      VOLUME NAME\nlocal       data\n');
  assert.equal(renderVolumeTable([V], false), 'local       data\n');
  assert.equal(renderVolumeTable([], true), '');
});
