package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

func runCompletion(_ context.Context, e env, args []string) error {
	if len(args) != 1 || (args[0] != "bash" && args[0] != "zsh") {
		return usageError("completion: want bash or zsh, as in: source <(feedwire completion bash)")
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	events := make([]string, 0, len(triggers))
	for name := range triggers {
		events = append(events, name)
	}
	sort.Strings(events)
	subcommands := map[string]string{
		"webhooks": "list create show update delete secret rotate-secret test test-filter", "deliveries": "list show retry",
		"events": "list show types", "keys": "create list revoke rotate", "completion": "bash zsh", "trigger": strings.Join(events, " "),
	}
	var cases strings.Builder
	for _, c := range names {
		if subs, ok := subcommands[c]; ok {
			fmt.Fprintf(&cases, "    %s) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", c, subs)
		}
	}
	script := fmt.Sprintf(`# feedwire completion for bash; in zsh, run "autoload -U +X bashcompinit && bashcompinit" first.
_feedwire() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W %q -- "$cur"))
    return
  fi
  case "${COMP_WORDS[1]}" in
%s  esac
}
complete -F _feedwire feedwire
`, strings.Join(names, " "), cases.String())
	if args[0] == "zsh" {
		script = "autoload -U +X bashcompinit && bashcompinit\n" + script
	}
	fmt.Fprint(e.stdout, script)
	return nil
}
