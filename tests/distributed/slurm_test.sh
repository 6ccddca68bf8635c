#!/usr/bin/env bash
# make test-distributed: a real single-node Slurm cluster on this machine (munged, slurmctld,
# slurmd; no systemd), the plan of scenarios/examples/plan-three-workloads.yaml run as a job array
# of shards made by `sharesim plan --emit slurm`, merged by the dependent merge job, and compared
# byte for byte with an unsharded run. Every daemon it starts is stopped by its PID on exit;
# state lives in a fresh folder each run, so it can be run again at once (idempotent).
# Usage: slurm_test.sh SHARESIM REPO_DIR [WORK_DIR]. Needs root (installs Debian packages
# slurmctld slurmd slurm-client munge when missing; exit 77 = skipped when it cannot).
set -euo pipefail
sharesim=$(realpath "$1")
repo=$(realpath "$2")
work=${3:-/tmp/sharesim-slurm}
shards=3

if [ "$(id -u)" != 0 ]; then echo "skip: needs root (daemons, /run/munge)"; exit 77; fi
missing=""
for p in slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing; } > "${TMPDIR:-/tmp}/sharesim-slurm-apt.log" 2>&1; then
    echo "skip: could not install$missing (see ${TMPDIR:-/tmp}/sharesim-slurm-apt.log)"
    exit 77
  fi
fi

pids=()
stop_daemons() {
  # Only what this script started, by PID, last started first.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2> /dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  done
}
trap stop_daemons EXIT

rm -rf "$work"
mkdir -p "$work"/{spool,state,log,run,munge,job}
chmod 755 "$work"

# munge: its own socket, key and pid file under $work, so a munged already running is left alone.
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0755 "$work/munge"  # munged: execute permission for all
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2> /dev/null
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
fi
socket=$work/munge/munge.socket
# setpriv execs munged itself as the munge user, so $! is munged's own PID (runuser would stay its parent).
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground --socket="$socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
  --seed-file="$work/munge/munged.seed" > "$work/munge/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done

host=$(hostname -s)
node_line=$(slurmd -C | head -n 1 | sed "s/^NodeName=[^ ]*/NodeName=$host/")
conf=$work/slurm.conf
cat > "$conf" << CONF
ClusterName=sharesim-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
JobCompType=jobcomp/none
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$conf
slurmctld -D -f "$conf" > "$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$conf" -N "$host" > "$work/log/slurmd.out" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 100); do
  if sinfo -h -o %T 2> /dev/null | grep -qE '^(idle|mixed|allocated)'; then up=1; break; fi
  sleep 0.2
done
if [ "$up" != 1 ]; then
  echo "FAIL: the Slurm node did not come up"; tail -n 20 "$work"/log/*; exit 1
fi
echo "slurm up: $(sinfo -h -o '%N %T %c CPUs')"

scenario=$repo/scenarios/examples/plan-three-workloads.yaml
cd "$work/job"
"$sharesim" plan "$scenario" -o "$work/single" --jobs 1 --quiet || true
"$sharesim" plan "$scenario" --emit slurm --shards "$shards" --jobs 1 -o "$work/job/emitted" --quiet
rc=0
SHARESIM_SLURM_WAIT=1 sh "$work/job/emitted/slurm/submit.sh" > "$work/log/submit.out" || rc=$?
cat "$work/log/submit.out"
echo "merge job exit code: $rc"
sacct_line=$(squeue -h 2> /dev/null | wc -l)
[ "$sacct_line" = 0 ] || { echo "FAIL: jobs still queued"; squeue; exit 1; }
for i in $(seq 0 $((shards - 1))); do
  [ -s "results/shard-$i/shard.txt" ] || { echo "FAIL: shard $i wrote nothing"; cat results/slurm-*_"$i".out; exit 1; }
done
if cmp -s results/plan/plan.json "$work/single/plan.json" && cmp -s results/plan/plan.md "$work/single/plan.md"; then
  echo "IDENTICAL: the merged plan of $shards Slurm array tasks is byte-identical to the unsharded run (plan.json, plan.md)"
else
  echo "DIFFERENT: the merged plan differs from the unsharded run"
  diff results/plan/plan.json "$work/single/plan.json" | head -20 || true
  exit 1
fi
