import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GoNil, GoStruct, GoTime, parseTemplate } from '../../src/cli/template/index.ts';

// Cases drawn from the documented semantics of Go's text/template (go1.19, as Podman 4.3.1 is built).
const DATA = new GoStruct('main.T', {
  Name: 'demo',
  Count: 3,
  Zero: 0,
  Empty: '',
  On: true,
  Labels: { b: '2', a: '1', 'k.x': 'dot' },
  None: {},
  List: ['x', 'y', 'z'],
  Time: new GoTime(Date.UTC(2026, 11, 1, 7, 55, 30, 824), 812_859),
  Nil: new GoNil('*main.Q'),
  Inner: new GoStruct('main.I', { V: 'in' }),
});

const CASES: [src: string, out: string][] = [
  ['plain text', 'plain text'],
  ['{{.Name}}', 'demo'],
  ['{{ .Name }}|{{.Count}}|{{.On}}', 'demo|3|true'],
  ['a  {{- .Name -}}  b', 'ademob'],
  ['a {{- 3}} {{4 -}} b', 'a3 4b'],
  ['{{/* gone */}}x{{- /* trimmed */ -}} y', 'xy'],
  ['{{.Labels}}', 'map[a:1 b:2 k.x:dot]'],
  ['{{.Labels.a}}{{.Labels.nope}}', '1<no value>'],
  ['{{index .Labels "k.x"}}|{{index .Labels "nope"}}|', 'dot||'],
  ['{{.List}} {{index .List 1}} {{len .List}}', '[x y z] y 3'],
  ['{{.Inner}} {{.Inner.V}}', '{in} in'],
  ['{{.Nil}}', '<nil>'],
  ['{{.Time}}', '2026-12-01 07:55:30.824812859 +0000 UTC'],
  ['{{.Time.Unix}} {{.Time.Year}} {{.Time.Month}} {{.Time.Format "Jan _2 15:04:05.000"}}', '1796111730 2026 December Dec  1 07:55:30.824'],
  ['{{json .Time}} {{json .Labels}} {{json .List}}', '"2026-12-01T07:55:30.824812859Z" {"a":"1","b":"2","k.x":"dot"} ["x","y","z"]'],
  ['{{json .Inner}} {{json .Nil}} {{json .Labels.nope}}', '{"V":"in"} null null'],
  ['{{if .On}}y{{end}}{{if .Zero}}n{{end}}{{if .Empty}}n{{end}}{{if .None}}n{{end}}{{if .Nil}}n{{end}}', 'y'],
  ['{{if .Zero}}a{{else if .Empty}}b{{else if .Count}}c{{else}}d{{end}}', 'c'],
  ['{{if not .On}}a{{else}}b{{end}}', 'b'],
  ['{{with .Labels.a}}[{{.}}]{{end}}{{with .Labels.nope}}x{{else}}none{{end}}', '[1]none'],
  ['{{range .List}}<{{.}}>{{end}}', '<x><y><z>'],
  ['{{range $i, $e := .List}}{{$i}}={{$e}} {{end}}', '0=x 1=y 2=z '],
  ['{{range $k, $v := .Labels}}{{$k}}:{{$v}};{{end}}', 'a:1;b:2;k.x:dot;'],
  ['{{range .None}}x{{else}}empty{{end}}', 'empty'],
  ['{{range .List}}{{if eq . "y"}}{{break}}{{end}}{{.}}{{end}}', 'x'],
  ['{{range .List}}{{if eq . "y"}}{{continue}}{{end}}{{.}}{{end}}', 'xz'],
  ['{{range .List}}{{$.Name}}{{end}}', 'demodemodemo'],
  ['{{$x := .Name}}{{$x}}{{$x = "b"}}{{$x}}', 'demob'],
  ['{{$x := 1}}{{range .List}}{{$x = 2}}{{end}}{{$x}}', '2'],
  ['{{with $v := .Labels.b}}{{$v}}{{end}}', '2'],
  ['{{define "T"}}[{{.}}]{{end}}{{template "T" .Name}}{{template "T" 5}}', '[demo][5]'],
  ['{{block "B" .Count}}<{{.}}>{{end}}', '<3>'],
  ['{{.Name | printf "%s-%s" "x"}}', 'x-demo'],
  ['{{.Name | len | printf "%03d"}}', '004'],
  ['{{(index .List 2) | upper}}', 'Z'],
  ['{{printf "%5s|%-5s|%q|%v|%d|%x|%X|%o|%b|%c|%U|%t|%%" "a" "b" "c" .Labels 42 255 255 8 5 65 65 true}}', '    a|b    |"c"|map[a:1 b:2 k.x:dot]|42|ff|FF|10|101|A|U+0041|true|%'],
  ['{{printf "%.2f|%8.3f|%e|%g|%v" 3.14159 2.5 1234.5 0.00001 1.5}}', '3.14|   2.500|1.234500e+03|1e-05|1.5'],
  ['{{printf "%d %s"}}|{{printf "%d" "x"}}|{{printf "x" 1}}', '%!d(MISSING) %!s(MISSING)|%!d(string=x)|x%!(EXTRA int=1)'],
  ['{{printf "%T %T %T %T" .Name .Count .Labels .List}}', 'string int map[string]string []string'],
  ['{{print "a" 1 2 "b"}}|{{println "a" 1}}', 'a1 2b|a 1\n'],
  ['{{1.0}} {{1e6}} {{0.000012}} {{0x1F}} {{0o17}} {{1_000}} {{\'a\'}} {{-5}} {{true}}', '1 1e+06 1.2e-05 31 15 1000 97 -5 true'],
  ['{{"a\\tb\\u00e9"}}|{{`raw\\n`}}', 'a\tbé|raw\\n'],
  ['{{eq .Count 3}} {{eq .Name "x" "demo"}} {{ne .Name "demo"}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}', 'true true false true true true false'],
  ['{{and 1 0 2}} {{and 1 2}} {{or 0 "" 3}} {{or 0 ""}}|{{not 0}}', '0 2 3 |true'],
  ['{{and .Zero .Nope}}', '0'],
  ['{{len .Name}} {{len .Labels}} {{len "é"}}', '4 3 2'],
  ['{{slice .Name 1 3}} {{slice .List 1}} {{slice .Name}}', 'em [y z] demo'],
  ['{{html "<a href=\\"x\\">&\'"}}', '&lt;a href=&#34;x&#34;&gt;&amp;&#39;'],
  ['{{js "it\'s \\"q\\" <b>&="}}', 'it\\\'s \\"q\\" \\u003Cb\\u003E\\u0026\\u003D'],
  ['{{urlquery "a b&c/ü"}}', 'a+b%26c%2F%C3%BC'],
  ['{{lower "AbC"}} {{upper "abc"}} {{title "hello big-world"}}', 'abc ABC Hello Big-World'],
  ['{{split "a,b,c" ","}} {{join .List "+"}} {{truncate "abcdef" 3}} {{truncate "ab" 3}}|{{pad "x" 1 2}}|{{pad "" 1 1}}|', '[a b c] x+y+z abc ab| x  ||'],
  ['{{json .}}', '{"Name":"demo","Count":3,"Zero":0,"Empty":"","On":true,"Labels":{"a":"1","b":"2","k.x":"dot"},"None":{},"List":["x","y","z"],"Time":"2026-12-01T07:55:30.824812859Z","Nil":null,"Inner":{"V":"in"}}'],
  // Templates see only the data's own fields and keys, never JavaScript's prototype chain.
  ['{{.Labels.constructor}}|{{.Labels.__proto__}}|{{.Labels.hasOwnProperty}}|{{index .Labels "toString"}}|', '<no value>|<no value>|<no value>||'],
];

test('Go text/template semantics, case by case', () => {
  for (const [src, want] of CASES) {
    let got: string;
    try {
      got = parseTemplate(src, 't').execute(DATA);
    } catch (err) {
      got = `ERROR ${(err as Error).message}`;
    }
    assert.equal(got, want, src);
  }
});

const ERRORS: [src: string, message: string][] = [
  ['{{.Nope}}', `template: t:1:2: executing "t" at <.Nope>: can't evaluate field Nope in type main.T`],
  ['{{.constructor}}', `template: t:1:2: executing "t" at <.constructor>: can't evaluate field constructor in type main.T`],
  ['{{.Time.constructor}}', `template: t:1:7: executing "t" at <.Time.constructor>: can't evaluate field constructor in type time.Time`],
  ['{{.Name.X}}', `template: t:1:7: executing "t" at <.Name.X>: can't evaluate field X in type string`],
  ['{{.Nil.X}}', `template: t:1:6: executing "t" at <.Nil.X>: nil pointer evaluating *main.Q.X`],
  ['a\n{{.Nope}}', `template: t:2:2: executing "t" at <.Nope>: can't evaluate field Nope in type main.T`],
  ['{{nope 1}}', 'template: t:1: function "nope" not defined'],
  ['{{$x}}', 'template: t:1: undefined variable "$x"'],
  ['{{.Name', "template: t:1: unclosed action"],
  ['{{if .On}}x', 'template: t:1: unexpected EOF'],
  ['x{{end}}', 'template: t:1: unexpected {{end}}'],
  ['{{if .On}}a{{else}}b{{else}}c{{end}}', 'template: t:1: expected end; found {{else}}'],
  ['{{with .On}}a{{else with .On}}b{{end}}', 'template: t:1: unexpected <with> in else'],
  ['{{if}}x{{end}}', 'template: t:1: missing value for if'],
  ['{{break}}', 'template: t:1: {{break}} outside {{range}}'],
  ['{{"abc}}', 'template: t:1: unterminated quoted string'],
  ['{{printf}}', `template: t:1:2: executing "t" at <printf>: wrong number of args for printf: want at least 1 got 0`],
  ['{{index .Labels 1}}', `template: t:1:2: executing "t" at <index .Labels 1>: error calling index: value has type int; should be string`],
  ['{{index .List 5}}', `template: t:1:2: executing "t" at <index .List 5>: error calling index: index out of range: 5`],
  ['{{len 3}}', `template: t:1:2: executing "t" at <len 3>: error calling len: len of type int`],
  ['{{slice .Name 3 1}}', `template: t:1:2: executing "t" at <slice .Name 3 1>: error calling slice: invalid slice index: 3 > 1`],
  ['{{eq .Name 1}}', `template: t:1:2: executing "t" at <eq .Name 1>: error calling eq: incompatible types for comparison`],
  ['{{range .Count}}x{{end}}', `template: t:1:8: executing "t" at <.Count>: range can't iterate over 3`],
  ['{{join .Labels ","}}', `template: t:1:7: executing "t" at <.Labels>: wrong type for value; expected []string; got map[string]string`],
  ['{{upper .Labels.nope}}', `template: t:1:15: executing "t" at <.Labels.nope>: invalid value; expected string`],
  ['{{template "X"}}', `template: t:1:2: executing "t" at <{{template "X"}}>: no such template "X"`],
  ['{{nil}}', `template: t:1:2: executing "t" at <nil>: nil is not a command`],
  ['{{$ 1}}', `template: t:1:2: executing "t" at <$>: can't give argument to non-function $`],
  ['{{"x" 1}}', `template: t:1:2: executing "t" at <"x">: can't give argument to non-function "x"`],
  ['{{call .Name}}', `template: t:1:2: executing "t" at <call .Name>: error calling call: non-function of type string`],
];

test('faults are worded as Go words them, with line and column', () => {
  for (const [src, message] of ERRORS) {
    assert.throws(() => parseTemplate(src, 't').execute(DATA), (err: Error & { code?: string }) => {
      assert.equal(err.message, message, src);
      assert.equal(err.code, 'INVALID_ARG');
      return true;
    }, src);
  }
});

test('template recursion is bounded', () => {
  assert.throws(() => parseTemplate('{{define "R"}}{{template "R" .}}{{end}}{{template "R" .}}', 't').execute(DATA), /exceeded maximum template depth/);
});
