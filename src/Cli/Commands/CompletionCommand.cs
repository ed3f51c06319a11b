using System.CommandLine;

namespace GraphDsl.Cli.Commands;

/// <summary><c>graphdsl completion bash|zsh|pwsh</c>: a script that makes the shell complete graphdsl's commands, options
/// and option values (formats, hardware ids, ...). Each script asks graphdsl itself through System.CommandLine's
/// <c>[suggest:POSITION]</c> directive (the protocol of dotnet-suggest, without needing that tool installed), so the
/// completions are always the installed version's.</summary>
public static class CompletionCommand
{
    public static readonly string[] Shells = { "bash", "zsh", "pwsh" };

    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or pwsh" };
        shell.AcceptOnlyFromAmong(Shells);
        var cmd = new Command("completion", "Print a shell completion script for graphdsl (bash, zsh or pwsh); see the examples for where it goes.") { shell };
        cmd.SetAction(r =>
        {
            System.Console.Out.Write(Script(r.GetValue(shell)!));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    public static string Script(string shell) => shell switch
    {
        "bash" => """
            # graphdsl completion for bash: add  eval "$(graphdsl completion bash)"  to ~/.bashrc
            _graphdsl_complete() {
              local IFS=$'\n'
              COMPREPLY=($("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null))
            }
            complete -o default -F _graphdsl_complete graphdsl

            """,
        "zsh" => """
            #compdef graphdsl
            # graphdsl completion for zsh: save as _graphdsl in a folder on $fpath, or add  eval "$(graphdsl completion zsh)"  to ~/.zshrc
            _graphdsl() {
              local line="${words[*]}"
              local -a suggestions
              suggestions=("${(@f)$("${words[1]}" "[suggest:${#line}]" "$line" 2>/dev/null)}")
              if (( ${#suggestions[@]} )) && [[ -n "${suggestions[1]}" ]]; then compadd -a suggestions; else _files; fi
            }
            compdef _graphdsl graphdsl

            """,
        _ => """
            # graphdsl completion for PowerShell: add  graphdsl completion pwsh | Out-String | Invoke-Expression  to $PROFILE
            Register-ArgumentCompleter -Native -CommandName graphdsl -ScriptBlock {
                param($wordToComplete, $commandAst, $cursorPosition)
                $line = $commandAst.ToString().PadRight($cursorPosition, ' ')
                graphdsl "[suggest:$cursorPosition]" "$line" | ForEach-Object {
                    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
                }
            }

            """,
    };
}
