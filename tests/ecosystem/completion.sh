#!/bin/bash
# The bash completion script: `bash -n` clean; sourced, its function offers
# the commands, every flag each command's --help prints, pack's forms, flag
# values, and bundle files (*.tar.*) from the current directory and the
# package root, but not other files.
. "$(dirname "$0")/lib.sh"
script=${PYBCAST_COMPLETION:-$SRC/completion/pybcast.bash}
bash -n "$script" || fail "syntax errors in $script"
. "$script"
complete -p pybcast | grep -q -- "-F _pybcast" || fail "no completion registered for pybcast"

# complete WORDS...: the last word is the one being completed; sets REPLY_WORDS.
complete_line() {
  COMP_WORDS=(pybcast "$@")
  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
  COMP_LINE="${COMP_WORDS[*]}"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _pybcast
  REPLY_WORDS=" ${COMPREPLY[*]} "
}
expect() {  # WORD: offered by the last complete_line
  [[ $REPLY_WORDS == *" $1 "* ]] || fail "completing '${COMP_WORDS[*]}': '$1' not offered (got:$REPLY_WORDS)"
}
expect_not() {
  [[ $REPLY_WORDS != *" $1 "* ]] || fail "completing '${COMP_WORDS[*]}': '$1' offered"
}

complete_line ""
commands=$("$PYBCAST" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
for c in $commands --help --version; do expect "$c"; done
complete_line st
[ "$REPLY_WORDS" = " stage " ] || fail "'st' completes to '$REPLY_WORDS'"

# Every flag of every --help, from `pybcast CMD -`.
flags_of() { "$PYBCAST" "$@" --help 2>&1 | sed -nE 's/^  (-[^ ]+).*/\1/p' | tr ',' '\n' | sort -u; }
for c in $commands; do
  [ "$c" = pack ] && continue
  complete_line "$c" -
  for f in $(flags_of "$c"); do expect "$f"; done
done
complete_line pack ""
for form in python dist dir env pip --from-run; do expect "$form"; done
for form in python dist dir env pip; do
  complete_line pack "$form" -
  for f in $(flags_of pack "$form"); do expect "$f"; done
done
complete_line pack --from-run -
for f in $(flags_of pack --from-run); do expect "$f"; done

# Values.
complete_line pack python --format ""
for v in tar.zst tar.gz tar; do expect $v; done
complete_line pack python --keep te
expect test
mkdir -p "$SCRATCH/jobdir/bundles/sub" "$SCRATCH/jobdir/somedir"
cd "$SCRATCH/jobdir"
touch python.tar.zst numpy.tar.gz plain.tar notes.txt script.py bundles/site.tar.zst bundles/readme.md
complete_line stage ""
for f in python.tar.zst numpy.tar.gz plain.tar somedir/; do expect "$f"; done
expect_not notes.txt
expect_not script.py
complete_line inspect n
expect numpy.tar.gz
expect_not notes.txt
complete_line stage --pkgroot bundles ""
expect site.tar.zst
expect_not readme.md
PYTHON_MPI_PKGROOT=$SCRATCH/jobdir/bundles complete_line run --packages s
expect site.tar.zst
complete_line stage --chroot some
expect somedir
expect_not notes.txt
complete_line run --report scr
expect script.py
complete_line pack --from-run -o out.tar.zst -- pyth
expect python.tar.zst   # after --: any file (the traced command's arguments)
echo "ok: completion offers $(wc -w <<<"$commands") commands, every --help flag, values and bundle files"
