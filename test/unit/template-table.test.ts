import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTemplate, renderVolumeTable } from '../../src/cli/render.ts';
import { compileTemplate, headerOf, normalizeFormat, tabwrite } from '../../src/cli/template/index.ts';
import type { VolumeInspect } from '../../src/core/model.ts';

function volume(name: string, driver = 'local'): VolumeInspect {
  return { Name: name, Driver: driver, Mountpoint: `/r/volumes/${name}/_data`, CreatedAt: '2026-12-01T07:55:30.824812859Z', Labels: { a: 'b' }, Scope: 'local', Options: {}, MountCount: 0 };
}

test('tabwriter: Go semantics with Podman settings (min width 12, padding 2, spaces)', () => {
  assert.equal(tabwrite('a\tb\n'), 'a           b\n');
  assert.equal(tabwrite('VOLUME NAME\tDRIVER\nlongishnamelonger\tlocal\nx\tlocal\n'), 'VOLUME NAME        DRIVER\nlongishnamelonger  local\nx                  local\n');
  // The last cell of a line is not aligned, and a line without a cell in a column ends that column's block.
  assert.equal(tabwrite('aaaaaaaaaaaaaaa\tb\tc\nno tab\nx\ty\n'), 'aaaaaaaaaaaaaaa  b           c\nno tab\nx           y\n');
  assert.equal(tabwrite('\tx\n\t\ty\n'), '            x\n                        y\n');
  // Widths count characters, not bytes.
  assert.equal(tabwrite('héllo wörld\tx\nabcdefghijkl\ty\n'), 'héllo wörld   x\nabcdefghijkl  y\n');
  assert.equal(tabwrite('no newline\tat end'), 'no newline  at end');
});

test('headers split at word boundaries as Podman does', () => {
  assert.deepEqual(['CreatedAt', 'MountCount', 'UID', 'Mountpoint', 'NeedsCopyUp', 'UsedBytes', 'TimeNano', 'ID'].map(headerOf), [
    'CREATED AT', 'MOUNT COUNT', 'UID', 'MOUNTPOINT', 'NEEDS COPY UP', 'USED BYTES', 'TIME NANO', 'ID',
  ]);
});

test('formats: typed escapes become characters; table turns spaces into tabs; one newline at the end', () => {
  assert.equal(normalizeFormat('{{.Name}}'), '{{.Name}}\n');
  assert.equal(normalizeFormat('{{.Name}}\\n'), '{{.Name}}\n');
  assert.equal(normalizeFormat('{{.Name}}\\t{{.Driver}}'), '{{.Name}}\t{{.Driver}}\n');
  assert.equal(normalizeFormat('table {{.Name}} {{.Driver}}'), '{{.Name}}\t{{.Driver}}\n');
  assert.equal(compileTemplate('{{.A}}\\n').render({ A: 1 }), '1');
  assert.equal(compileTemplate('{{.A}}').render({ A: 1 }), '1');
  assert.throws(() => compileTemplate('{{.B}}').render({ A: 1 }), /can't evaluate field B/);
});

test('ls tables: aligned columns under split headers, long names too; --noheading drops the header only', () => {
  const vols = [volume('averyveryverylongvolumenamethatgoesonandon'), volume('demo')];
  assert.equal(renderTemplate('table {{.Name}}\\t{{.Driver}}\\t{{.MountCount}}', vols, true),
    'VOLUME NAME                                 DRIVER      MOUNT COUNT\n' +
    'averyveryverylongvolumenamethatgoesonandon  local       0\n' +
    'demo                                        local       0\n');
  assert.equal(renderTemplate('table {{.Name}} {{.CreatedAt}}', vols.slice(1), true, false), 'demo        2026-12-01 07:55:30.824812859 +0000 UTC\n');
  assert.equal(renderTemplate('{{.Name}}\\t{{.Driver}}', vols.slice(1), true), 'demo\tlocal\n');
  assert.equal(renderTemplate('table {{.Name}}', [], true), '');
  assert.equal(renderVolumeTable([{ name: 'x', driver: 'a-plugin-with-a-long-name' }, { name: 'y', driver: 'local' }], true),
    'DRIVER                     VOLUME NAME\na-plugin-with-a-long-name  x\nlocal                      y\n');
  assert.equal(renderVolumeTable([{ name: 'y', driver: 'local' }], false), 'local       y\n');
  // Widths count code points, as Go's tabwriter counts runes.
  assert.equal(renderVolumeTable([{ name: 'z', driver: 'plügin-ünïcode' }, { name: 'y', driver: 'local' }], true),
    'DRIVER          VOLUME NAME\nplügin-ünïcode  z\nlocal           y\n');
  assert.equal(renderVolumeTable([], true), '');
});

test('values: CreatedAt as Go time.Time, maps as map[k:v], missing keys <no value>, absent UID 0', () => {
  const v = volume('demo');
  assert.equal(renderTemplate('{{.CreatedAt}}|{{.Labels}}|{{.Labels.nope}}|{{.UID}}|{{.Status}}', [v], true),
    '2026-12-01 07:55:30.824812859 +0000 UTC|map[a:b]|<no value>|0|map[]\n');
  assert.equal(renderTemplate('{{json .CreatedAt}}', [{ ...v, CreatedAt: '2026-12-01T07:55:30Z' }], true), '"2026-12-01T07:55:30Z"\n');
});
