# Shared by the stub launchers (srun, sbatch, qsub, mpiexec, aprun, flux): each
# checks that its arguments are well formed, logs the call to $STUB_LOG, and
# runs the command for real with mpirun, so a recipe really stages and runs.
# Scaled down: at most $STUB_MAX_RANKS ranks (default 8), spread over the
# job's nodes as pybcast virtual nodes.
set -euo pipefail
STUB_NAME=$(basename "$0")
STUB_LOG=${STUB_LOG:-/dev/stderr}

stub_fail() {
  echo "BAD $STUB_NAME: $*" >>"$STUB_LOG"
  echo "$STUB_NAME (stub): $*" >&2
  exit 64
}

is_count() { [[ ${1:-} =~ ^[1-9][0-9]*$ ]]; }
need_count() { is_count "${2:-}" || stub_fail "$1 needs a positive integer, got '${2:-}'"; }
# [[HH:]MM:]SS or minutes, as Slurm and PBS take it.
is_duration() { [[ ${1:-} =~ ^([0-9]+-)?[0-9]+(:[0-9]{2}){0,2}$ ]]; }

# Splits "--opt=value" / "--opt value" / "-Xvalue" / "-X value" while parsing:
# sets OPT and VAL and SHIFTS (how many words they took).
take_value() {  # take_value WORD NEXT
  if [[ $1 == --*=* ]]; then OPT=${1%%=*} VAL=${1#*=} SHIFTS=1
  elif [[ $1 == --* ]]; then OPT=$1 VAL=${2-} SHIFTS=2
  elif [[ ${#1} -gt 2 ]]; then OPT=${1:0:2} VAL=${1:2} SHIFTS=1
  else OPT=$1 VAL=${2-} SHIFTS=2
  fi
  [ -n "$VAL" ] || stub_fail "$OPT needs a value"
}

# stub_launch RANKS NODES COMMAND...
stub_launch() {
  local ranks=$1 nodes=$2
  shift 2
  [ $# -gt 0 ] || stub_fail "no command to run"
  command -v "$1" >/dev/null || stub_fail "command not found on PATH: $1"
  (( nodes <= ranks )) || stub_fail "$nodes nodes for $ranks ranks"
  local max=${STUB_MAX_RANKS:-8} vnodes=$nodes n=$ranks
  (( vnodes <= max )) || vnodes=$max
  if (( n > max )); then
    local per=$(( max / vnodes ))
    (( per >= 1 )) || per=1
    n=$(( vnodes * per ))
  fi
  echo "RUN $STUB_NAME ranks=$ranks nodes=$nodes -> mpirun -n $n, $vnodes virtual nodes: $*" >>"$STUB_LOG"
  export PYBCAST_VIRTUAL_NODES=$vnodes
  if [ -n "${STUB_NODE_SHM:-}" ]; then
    # The compute nodes' /dev/shm is theirs: give the job a private one.
    exec unshare --mount --propagation private -- bash -c 'mount --bind "$0" /dev/shm && exec "$@"' \
      "$STUB_NODE_SHM" mpirun -n "$n" "$@"
  fi
  exec mpirun -n "$n" "$@"
}

# stub_batch DIRECTIVE SCRIPT ARGS...: the directives of a batch script
# (lines "#SBATCH ...", "#PBS ...", "# flux: ..." before the first command),
# one option per array element, into BATCH_OPTS.
batch_directives() {
  local prefix=$1 script=$2 line
  BATCH_OPTS=()
  [ -r "$script" ] || stub_fail "cannot read the job script $script"
  while IFS= read -r line; do
    [[ $line == "#!"* || -z $line ]] && continue
    [[ $line == "#"* ]] || break
    if [[ $line == "$prefix"* ]]; then
      read -r -a words <<<"${line#"$prefix"}"
      BATCH_OPTS+=("${words[@]}")
    fi
  done <"$script"
}
