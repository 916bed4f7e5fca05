import type { Command } from "../commands/index.ts";

export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

interface Verb {
  names: string[];
  summary: string;
  flags: string[];
}

/** Every CLI verb with its names (aliases too) and long flags, `--json` and `--help` included. */
function verbsOf(commands: readonly Command[]): Verb[] {
  const verbs: Verb[] = [];
  for (const verb of commands) {
    const cli = verb.doors.cli;
    if (!cli) continue;
    const flags = (cli.options ?? [])
      .map((o) => /--[a-z0-9-]+/.exec(o.flags)?.[0])
      .filter((f): f is string => f !== undefined);
    verbs.push({
      names: [verb.name, ...verb.aliases],
      summary: verb.summary,
      flags: [...flags, "--json", "--help"],
    });
  }
  verbs.push({ names: ["completion"], summary: "print a shell completion script", flags: [] });
  return verbs;
}

/** Single quotes for a shell word (bash, zsh and fish read `'\''` alike). */
const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

/**
 * A completion script for `shell`, made from the verb registry (nothing is run at completion time, so
 * completing costs no ccc start): verbs first, then that verb's flags.
 */
export function completionScript(shell: CompletionShell, commands: readonly Command[]): string {
  const verbs = verbsOf(commands);
  const names = verbs.flatMap((v) => v.names);
  if (shell === "fish") {
    const lines = ["# ccc completion for fish: ccc completion fish > ~/.config/fish/completions/ccc.fish"];
    lines.push("complete -c ccc -f");
    for (const v of verbs) {
      for (const name of v.names) {
        lines.push(`complete -c ccc -n __fish_use_subcommand -a ${quote(name)} -d ${quote(v.summary)}`);
      }
      for (const flag of v.flags) {
        lines.push(
          `complete -c ccc -n ${quote(`__fish_seen_subcommand_from ${v.names.join(" ")}`)} -l ${flag.slice(2)}`,
        );
      }
    }
    lines.push(
      `complete -c ccc -n ${quote("__fish_seen_subcommand_from completion")} -a ${quote("bash zsh fish")}`,
    );
    return `${lines.join("\n")}\n`;
  }
  const cases = verbs
    .map(
      (v) =>
        `    ${v.names.join("|")}) words_for=${quote([...v.flags, ...(v.names[0] === "completion" ? ["bash", "zsh", "fish"] : [])].join(" "))} ;;`,
    )
    .join("\n");
  const body = [
    `  local verbs=${quote(names.join(" "))} words_for=""`,
    '  case "$1" in',
    cases,
    "  esac",
  ].join("\n");
  if (shell === "bash") {
    return [
      "# ccc completion for bash: source <(ccc completion bash), or save it in /etc/bash_completion.d/ccc",
      "_ccc_words() {",
      body,
      '  if [ -z "$1" ]; then printf "%s" "$verbs"; else printf "%s" "$words_for"; fi',
      "}",
      "_ccc() {",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
      '  local current="${COMP_WORDS[COMP_CWORD]}"',
      '  if [ "$COMP_CWORD" -le 1 ]; then',
      '    mapfile -t COMPREPLY < <(compgen -W "$(_ccc_words "")" -- "$current")',
      "  else",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
      '    mapfile -t COMPREPLY < <(compgen -W "$(_ccc_words "${COMP_WORDS[1]}")" -- "$current")',
      "  fi",
      "}",
      "complete -F _ccc ccc",
      "",
    ].join("\n");
  }
  return [
    "#compdef ccc",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    "# ccc completion for zsh: ccc completion zsh > ${fpath[1]}/_ccc (or source <(ccc completion zsh))",
    "_ccc_words() {",
    body,
    '  if [ -z "$1" ]; then print -r -- "$verbs"; else print -r -- "$words_for"; fi',
    "}",
    "_ccc() {",
    "  if (( CURRENT == 2 )); then",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    '    compadd -- ${=$(_ccc_words "")}',
    "  else",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    '    compadd -- ${=$(_ccc_words "${words[2]}")}',
    "  fi",
    "}",
    'if [ "$funcstack[1]" = "_ccc" ]; then _ccc "$@"; else compdef _ccc ccc; fi',
    "",
  ].join("\n");
}
