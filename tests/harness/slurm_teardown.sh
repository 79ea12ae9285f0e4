#!/bin/bash
# The Slurm harness stops everything when its script is killed: a child script
# brings up the 4-node cluster and runs a job (srun sleep on every node); once
# munged, slurmctld, 4 slurmd, the job's slurmstepd and its tasks are all
# running, the child gets SIGTERM (then, in a second round, SIGINT). It must
# exit with the signal's status and leave no process, namespace, link, mount
# or file of the harness behind.
. "$(dirname "$0")/slurm_lib.sh"

if [ "${1:-}" = --child ]; then
  record=$2
  slurm_up_or_skip 4 --cpus 2
  jobid=$(slurm_cmd sbatch --parsable --nodes=4 --ntasks-per-node=1 --time=5 --output=/dev/null \
    --wrap "srun sleep 600")
  # Wait until the step's tasks run on all 4 hosts.
  for _ in $(seq 1 300); do
    tasks=0
    for h in "${PBH_HOSTS[@]}"; do
      for p in $(ip netns pids "$(hosts_netns "$h")"); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && tasks=$((tasks + 1))
      done
    done
    [ "$tasks" -lt 4 ] || break
    sleep 0.2
  done
  [ "$tasks" -ge 4 ] || fail "job $jobid: tasks did not start on 4 hosts: $(slurm_cmd squeue -s 2>&1)"
  # Every process in the harness's network namespaces: the daemons, the steps, the tasks.
  pids=""
  for ns in $(ip netns list | awk '{print $1}' | grep "^pbh$PBH_ID-"); do pids+=" $(ip netns pids "$ns" | tr '\n' ' ')"; done
  {
    echo "PBH_LAST_ID=$PBH_LAST_ID PBH_LAST_DIR=$PBH_LAST_DIR PBH_LAST_SHM=$PBH_LAST_SHM"
    echo "procs=\"$(echo $pids)\""
    echo "comms=\"$(for p in $pids; do cat "/proc/$p/comm"; done | sort | uniq -c | tr -s ' \n' ' ')\""
  } >"$record.tmp"
  mv "$record.tmp" "$record"
  tail --pid=$$ -f /dev/null &  # waits for a signal, and goes when this shell does
  wait $!
  exit 0
fi

for sig in TERM INT; do
  record=$SCRATCH/child-$sig
  # A background job of a script starts with SIGINT ignored (and bash cannot
  # trap a signal ignored on entry): restore the default, as a terminal would have it.
  env --default-signal=INT "$0" --child "$record" >"$SCRATCH/child-$sig.out" 2>&1 &
  child=$!
  for _ in $(seq 1 600); do
    [ -e "$record" ] || ! kill -0 $child 2>/dev/null || { sleep 0.1; continue; }
    break
  done
  if [ ! -e "$record" ]; then
    rc=0
    wait $child || rc=$?
    [ $rc -ne 77 ] || skip "$(grep -m1 '^SKIP' "$SCRATCH/child-$sig.out")"
    fail "the child did not bring the cluster up (exit $rc): $(cat "$SCRATCH/child-$sig.out")"
  fi
  . "$record"
  for c in munged slurmctld slurmd slurmstepd sleep; do
    [[ " $comms " == *" $c "* ]] || fail "before SIG$sig: no $c running in the harness's namespaces: $comms"
  done
  [[ $comms == *" 4 slurmd "* ]] || fail "before SIG$sig: expected 4 slurmd: $comms"
  kill -$sig $child
  for _ in $(seq 1 600); do kill -0 $child 2>/dev/null || break; sleep 0.1; done
  kill -0 $child 2>/dev/null && fail "the child did not exit within 60 s of SIG$sig: $(cat "$SCRATCH/child-$sig.out")"
  rc=0
  wait $child || rc=$?
  case $sig in TERM) want=143 ;; INT) want=130 ;; esac
  [ $rc -eq $want ] || fail "after SIG$sig the child exited $rc, expected $want: $(cat "$SCRATCH/child-$sig.out")"
  # Nothing of the harness is left: no process (by PID), no namespace, link, mount or directory.
  SLURM_LAST_PIDS=$procs
  slurm_check_clean || fail "after SIG$sig: the harness left things behind: $(cat "$SCRATCH/child-$sig.out")"
  echo "SIG$sig: stopped $comms; nothing left"
done
echo "ok: the Slurm harness tears everything down on SIGTERM and SIGINT"
