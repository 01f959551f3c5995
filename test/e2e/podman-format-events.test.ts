import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';

// Events templates, checked against Go's text/template semantics (Podman's events carry other
// fields, so these expectations are written by hand). The events: create a (label k=v), create b, remove a.
const CASES: [format: string, stdout: string][] = [
  ['{{.Type}} {{.Volume}}', 'create a\ncreate b\nremove a\n'],
  ['{{.Type}}\\n', 'create\ncreate\nremove\n'],
  ['{{.Type}}\\n\\n', 'create\n\ncreate\n\nremove\n\n'],
  ['{{.Volume}}\\t{{.Driver}}', 'a\tlocal\nb\tlocal\na\tlocal\n'],
  ['{{if eq .Type "create"}}+{{else}}-{{end}}{{.Volume}}', '+a\n+b\n-a\n'],
  ['{{.Attributes.labels.k}}', 'v\n<no value>\nv\n'],
  ['{{.Attributes.labels}}', 'map[k:v]\n<no value>\nmap[k:v]\n'],
  ['{{.Attributes}}', 'map[labels:map[k:v]]\nmap[]\nmap[labels:map[k:v]]\n'],
  ['{{range $k, $v := .Attributes}}{{$k}}={{$v}};{{end}}', 'labels=map[k:v];\n\nlabels=map[k:v];\n'],
  ['{{range .Attributes}}x{{else}}empty{{end}}', 'x\nempty\nx\n'],
  ['{{with .Attributes.labels}}{{.k}}{{else}}none{{end}}', 'v\nnone\nv\n'],
  ['{{printf "%-8s|%s" .Type .Volume}}', 'create  |a\ncreate  |b\nremove  |a\n'],
  ['{{upper .Type}} {{len .Volume}} {{title .Driver}}', 'CREATE 1 Local\nCREATE 1 Local\nREMOVE 1 Local\n'],
  ['{{.ID}}:{{.UID}}', `1:${process.getuid?.()}\n2:${process.getuid?.()}\n3:${process.getuid?.()}\n`],
  ['{{.Type | printf "%q"}}', '"create"\n"create"\n"remove"\n'],
  ['{{json .Attributes}}', '{"labels":{"k":"v"}}\n{}\n{"labels":{"k":"v"}}\n'],
  ['{{index .Attributes "labels"}}', 'map[k:v]\n\nmap[k:v]\n'],
  ['{{.Attributes.constructor}}|{{.Attributes.toString}}', '<no value>|<no value>\n<no value>|<no value>\n<no value>|<no value>\n'],
  ['{{$t := .Type}}{{$t}}-{{$t}}', 'create-create\ncreate-create\nremove-remove\n'],
  ['{{- " " -}}{{.Volume}}{{/* comment */}}', ' a\n b\n a\n'],
  ['{{and .Attributes.labels .Volume}}|{{or .Attributes.labels "none"}}', 'a|map[k:v]\n<no value>|none\na|map[k:v]\n'],
  ['{{len .TimeNano}}', '19\n19\n19\n'],
];

describe('events --format runs Go templates', () => {
  let root = '';
  before(() => {
    root = makeTemp('vol-events-fmt-');
    for (const args of [['create', '-l', 'k=v', 'a'], ['create', 'b'], ['rm', 'a']]) assert.equal(vol(root, args).code, 0);
  });
  after(() => removeTemp(root));

  for (const [format, stdout] of CASES) {
    test(format, () => {
      const r = vol(root, ['events', '--format', format]);
      assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout, stderr: '' });
    });
  }

  test('a field the event lacks, or a prototype member, is an error at its position', () => {
    for (const field of ['Nope', 'constructor', '__proto__']) {
      const r = vol(root, ['events', '--format', `{{.${field}}}`]);
      assert.equal(r.code, 125);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `Error: template: template:1:2: executing "template" at <.${field}>: can't evaluate field ${field} in type interface {}\n`);
    }
  });
});
