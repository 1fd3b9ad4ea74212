# Bash completion for vellum: commands, options and their values, as the program itself
# lists them (System.CommandLine's [suggest] directive). Source it from ~/.bashrc:
#
#   source /path/to/vellum/scripts/vellum-completion.bash
#
# VELLUM_COMMAND runs the program when it is not 'vellum' on PATH, e.g.
#   VELLUM_COMMAND="dotnet /path/to/vellum.dll"

_vellum_complete()
{
    local -a program
    read -r -a program <<< "${VELLUM_COMMAND:-${COMP_WORDS[0]}}"
    # The program parses the line it is given as 'vellum ...', whatever it was typed as.
    local rest=${COMP_LINE:${#COMP_WORDS[0]}}
    local line="vellum${rest}"
    local position=$(( COMP_POINT - ${#COMP_WORDS[0]} + 6 ))
    local IFS=$'\n'
    # The program offers every name that contains the word; bash completes those that begin with it.
    local offered
    offered=$("${program[@]}" "[suggest:${position}]" "${line}" 2>/dev/null)
    COMPREPLY=( $(compgen -W "${offered}" -- "${COMP_WORDS[COMP_CWORD]}") )
    # Nothing the program knows (a path argument): let bash complete file names.
    if [[ ${#COMPREPLY[@]} -eq 0 ]]; then
        compopt -o default 2>/dev/null
    fi
}

complete -F _vellum_complete vellum
