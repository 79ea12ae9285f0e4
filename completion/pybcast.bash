# bash completion for pybcast                        -*- shell-script -*-
# Installed as share/bash-completion/completions/pybcast; works without the
# bash-completion package too (source it). Completes subcommands, their flags
# (tests/ecosystem/completion.sh checks them against `--help`), flag values
# and bundle files (*.tar, *.tar.*, *.tgz, *.tzst), in the current directory
# or, for stage and --packages, relative to the package root.

_pybcast_stage_flags='-h --help --packages --chroot --pkgroot --report --trace --virtual-nodes --chunk-size --extract-threads --verify-cache --cache-max --lock-timeout'
_pybcast_pack_flags='-h --help --output -o --name --exclude --no-default-excludes --compile --no-compile --format --level --block-size --threads --python'

# Bundle files under directory $1 (relative to it) matching the prefix $2.
_pybcast_bundles() {
  local dir=${1:-.} cur=$2 f
  local IFS=$'\n'
  for f in $(cd -- "$dir" 2>/dev/null && compgen -f -- "$cur"); do
    if [[ -d $dir/$f ]]; then
      COMPREPLY+=("$f/")
    elif [[ $f == *.tar || $f == *.tar.* || $f == *.tgz || $f == *.tzst ]]; then
      COMPREPLY+=("$f")
    fi
  done
}

# The value of flag $1 on the command line so far, else the environment's $2.
_pybcast_flag_value() {
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} == "$1" ]]; then
      echo "${COMP_WORDS[i + 1]}"
      return
    fi
  done
  echo "${!2:-}"
}

_pybcast() {
  COMPREPLY=()
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cmd=${COMP_WORDS[1]} sub='' i
  local commands='stage run pack inspect gc doctor'

  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
    return
  fi
  # After `--` (run's python arguments, pip's, the traced command): files.
  for ((i = 2; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} == -- ]]; then
      COMPREPLY=($(compgen -f -- "$cur"))
      return
    fi
  done

  case $prev in
    --chroot | --pkgroot)
      COMPREPLY=($(compgen -d -- "$cur"))
      return
      ;;
    -o | --output | --trace | --script | --audit-json | --with | --caches | --save-caches)
      COMPREPLY=($(compgen -f -- "$cur"))
      return
      ;;
    --python)
      COMPREPLY=($(compgen -c -- "$cur") $(compgen -f -- "$cur"))
      return
      ;;
    --format)
      COMPREPLY=($(compgen -W 'tar.zst tar.gz tar squashfs' -- "$cur"))
      return
      ;;
    --keep)
      COMPREPLY=($(compgen -W 'test idlelib tkinter ensurepip __pycache__ config site-packages' -- "$cur"))
      return
      ;;
    --packages)
      _pybcast_bundles "$(_pybcast_flag_value --pkgroot PYTHON_MPI_PKGROOT)" "$cur"
      return
      ;;
    --virtual-nodes | --chunk-size | --extract-threads | --cache-max | --lock-timeout | --name | --exclude | --level | --block-size | --threads | \
      --older-than | --max-size)
      return
      ;;
  esac

  local flags=''
  case $cmd in
    stage)
      flags="$_pybcast_stage_flags --print-env"
      ;;
    run)
      flags="$_pybcast_stage_flags --no-abort-on-error --cleanup --keep-pythonhome --audit --audit-json --stage-script-dir --caches --save-caches"
      ;;
    inspect)
      flags='-h --help --json --files --verify --check-import --with --python'
      ;;
    gc)
      flags='-h --help --chroot --all --older-than --max-size --dry-run -n'
      ;;
    doctor)
      flags='-h --help --python --script --json --measure --chroot'
      [[ $prev == --measure ]] && return
      ;;
    pack)
      for ((i = 2; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
          python | dist | dir | env | pip | image | --from-run) sub=${COMP_WORDS[i]} && break ;;
        esac
      done
      case $sub in
        '')
          COMPREPLY=($(compgen -W 'python dist dir env pip image --from-run --help' -- "$cur"))
          return
          ;;
        python) flags="$_pybcast_pack_flags --keep --no-headers" ;;
        dist) flags="$_pybcast_pack_flags --deps --no-check --with" ;;
        dir | env)
          flags=$_pybcast_pack_flags
          [[ $cur != -* ]] && COMPREPLY=($(compgen -d -- "$cur"))
          ;;
        pip) flags=$_pybcast_pack_flags ;;
        image)
          flags='-h --help --output -o --level --threads --block-size'
          [[ $cur != -* ]] && COMPREPLY=($(compgen -f -- "$cur"))
          ;;
        --from-run) flags="$_pybcast_pack_flags --from-run --with-python --" ;;
      esac
      ;;
    *)
      return
      ;;
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [[ $cmd == stage ]]; then
    _pybcast_bundles "$(_pybcast_flag_value --pkgroot PYTHON_MPI_PKGROOT)" "$cur"
  elif [[ $cmd == run ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))  # python's arguments: the script
  elif [[ $cmd == inspect ]]; then
    _pybcast_bundles . "$cur"
  fi
}

complete -F _pybcast pybcast
