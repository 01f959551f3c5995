/** The completion scripts `vol completion SHELL` prints; each asks `vol __complete` for the candidates. */
export const COMPLETION_SCRIPTS: Readonly<Record<string, string>> = {
  bash: `# bash completion for vol. Load it with:  source <(vol completion bash)
_vol() {
  COMPREPLY=()
  mapfile -t COMPREPLY < <("\${COMP_WORDS[0]}" __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  # A filter key (label=) is completed without a space after it, so its value can follow.
  if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == *[=\\ ] ]]; then
    compopt -o nospace 2>/dev/null
  fi
  return 0
}
complete -o default -F _vol vol
`,
  zsh: `#compdef vol
# zsh completion for vol. Load it with:  source <(vol completion zsh)
_vol() {
  local -a candidates
  candidates=("\${(@f)$("\${words[1]}" __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  if (( \${#candidates} )); then
    compadd -Q -S '' -- "\${candidates[@]}"
  else
    _files
  fi
}
if (( \${+functions[compdef]} )); then compdef _vol vol; fi
`,
  fish: `# fish completion for vol. Load it with:  vol completion fish | source
function __vol_complete
  set -l words (commandline -opc)
  vol __complete $words[2..-1] (commandline -ct) 2>/dev/null
end
complete -c vol -f -a '(__vol_complete)'
`,
};
