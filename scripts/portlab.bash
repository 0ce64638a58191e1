# bash completion for portlab                                -*- shell-script -*-
# Installed as share/bash-completion/completions/portlab. Commands and
# options come from portlab's own --help, lab names from `portlab list`, so
# a new command or option completes without changing this file.

# _portlab_commands - the commands that `portlab --help` lists
_portlab_commands()
{
    "$1" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\)  *.*/\1/p'
}

# _portlab_options CMD - the long options that `portlab CMD --help` shows
_portlab_options()
{
    { "$1" "$2" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*'; echo --help; } | sort -u
}

# _portlab_labs - the lab names: the first word of each line of `portlab list`
# between its header and the blank line that ends the table
_portlab_labs()
{
    "$1" list 2>/dev/null | sed -n '2,/^$/{/^[a-z0-9]/s/ .*//p}'
}

# _portlab_up - the names of the labs that are up (`portlab ps --json`)
_portlab_up()
{
    "$1" ps --json 2>/dev/null | sed -n 's/^ *"name": "\(.*\)",$/\1/p'
}

# _portlab_hosts NAME - the hosts of the lab up as NAME
_portlab_hosts()
{
    "$1" ps --json 2>/dev/null | awk -v name="$2" '
        /"name":/ { up = index($0, "\"" name "\",") > 0 }
        /"namespaces":/ { inside = up; next }
        inside && /\]/ { inside = 0 }
        inside { gsub(/[ ",]/, ""); print }'
}

# _portlab_files [EXT...] - file names (only those ending in .EXT, if given) and folders
_portlab_files()
{
    local cur=${COMP_WORDS[COMP_CWORD]} f ext IFS=$'\n'
    for f in $(compgen -f -- "$cur"); do
        if [[ -d $f ]]; then
            COMPREPLY+=("$f/")
        elif [[ $# -eq 0 ]]; then
            COMPREPLY+=("$f")
        else
            for ext in "$@"; do
                [[ $f == *."$ext" ]] && COMPREPLY+=("$f")
            done
        fi
    done
    compopt -o nospace 2>/dev/null
}

_portlab()
{
    local portlab=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
    local prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[1]}
    COMPREPLY=()

    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$(_portlab_commands "$portlab") --help --version" -- "$cur"))
        return
    fi
    # the values of options that take one
    case $prev in
        --captures) COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
        --junit) _portlab_files; return ;;
        --param) return ;;
        --use) return ;; # ROLE=PATH: the role is the lab's; the path completes after '='
        =) [[ ${COMP_WORDS[COMP_CWORD-3]} == --use ]] && _portlab_files; return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_portlab_options "$portlab" "$cmd")" -- "$cur"))
        return
    fi
    case $cmd in
        run)
            if [[ $cur == */* || $cur == .* ]]; then
                _portlab_files    # a lab file, or its folder
            else
                COMPREPLY=($(compgen -W "$(_portlab_labs "$portlab")" -- "$cur"))
            fi ;;
        flows) _portlab_files pcap pcapng ;;
        ladder) _portlab_files pcap pcapng ;;
        check|up)
            COMPREPLY=($(compgen -W "$(_portlab_labs "$portlab")" -- "$cur")) ;;
        down|run-step)
            COMPREPLY=($(compgen -W "$(_portlab_up "$portlab")" -- "$cur")) ;;
        shell|exec|capture)
            if [[ $COMP_CWORD -eq 2 ]]; then
                COMPREPLY=($(compgen -W "$(_portlab_up "$portlab")" -- "$cur"))
            elif [[ $COMP_CWORD -eq 3 ]]; then
                local hosts=$(_portlab_hosts "$portlab" "${COMP_WORDS[2]}")
                [[ $cmd == capture ]] && hosts=$(printf '%s:\n' $hosts)
                COMPREPLY=($(compgen -W "$hosts" -- "$cur"))
                [[ $cmd == capture ]] && compopt -o nospace 2>/dev/null
            fi ;;
    esac
}
complete -F _portlab portlab
