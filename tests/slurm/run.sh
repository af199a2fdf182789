#!/usr/bin/env bash
# A one-node Slurm cluster on localhost runs tests/slurm/seeds.sbatch, an 8-task job array
# of short runs; one task is sent SIGTERM mid-run and requeued (as a time limit or a
# preemption would). Checks that all 8 runs complete and that the interrupted one equals an
# uninterrupted run of the same seed, snapshot for snapshot.
#
#   bash tests/slurm/run.sh                 # builds ginn (headless) unless GINN is set
#   GINN=target/debug/ginn bash tests/slurm/run.sh
#
# Needs root (it installs Debian's slurm-wlm and munge when they are missing, and starts
# munged, slurmctld and slurmd); stops its daemons when it ends. About a minute once the
# packages are installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
say() { echo "slurm test: $*" >&2; }
fail() { say "FAILED: $*"; echo "slurm: 0 passed, 1 failed"; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slurm-wlm munge >/dev/null
fi

if [ -z "${GINN:-}" ]; then
  say "building ginn (headless)"
  cargo build -q --no-default-features
  GINN="${CARGO_TARGET_DIR:-target}/debug/ginn"
fi
GINN=$(realpath "$GINN")
[ -x "$GINN" ] || fail "no ginn binary at $GINN"

W=$(mktemp -d /tmp/ginn-slurm.XXXXXX)
CONF=$W/slurm.conf
cleanup() {
  for d in slurmd slurmctld; do
    [ -f "$W/$d.pid" ] && kill "$(cat "$W/$d.pid")" 2>/dev/null || true
  done
  sleep 1
  [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

# munge: the key comes with the package; the daemon runs as its own user.
[ -f /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 status=none; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null || fail "munge does not work"

HOST=$(hostname -s)
PORT=$((20000 + RANDOM % 20000))
mkdir -p "$W"/{state,spool}
cat >"$CONF" <<EOF
ClusterName=ginntest
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
# Eight task slots on any machine: the runs are short and may share cores.
SlurmdParameters=config_overrides
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
ReturnToService=2
MpiDefault=none
KillWait=30
JobRequeue=1
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=8 RealMemory=2000 State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$CONF
slurmctld -i -f "$CONF"
slurmd -f "$CONF"
for _ in $(seq 60); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo -h -o %t | grep -q idle || { cat "$W"/*.log >&2; fail "the node did not come up"; }
say "cluster up on $HOST (ports $PORT, $((PORT + 1)))"

# Short runs: 60,000 iterations of a small net on a 32×32 bottle.
SHORT="--resolution 32 --widths 8,8 --iterations 60000 --snapshots every:5000"
cd "$W"
mkdir runs
JOB=$(GINN=$GINN GINN_ARGS=$SHORT sbatch --parsable "$REPO/tests/slurm/seeds.sbatch")
say "submitted job array $JOB"

# Task 3: wait until it trains, then requeue it, which sends SIGTERM first.
LOG3=runs/slurm-${JOB}_3.out
for _ in $(seq 120); do grep -q "training seed 3" "$LOG3" 2>/dev/null && break; sleep 0.5; done
grep -q "training seed 3" "$LOG3" || fail "task 3 never started"
sleep 1
scontrol requeue "${JOB}_3"
for _ in $(seq 60); do grep -q "interrupted" "$LOG3" 2>/dev/null && break; sleep 0.5; done
# A requeued job waits out a hold-off time before it may start again; skip it.
for _ in $(seq 30); do
  squeue -h -j "${JOB}_3" -o %T 2>/dev/null | grep -q PENDING && break
  sleep 0.5
done
scontrol update JobId="${JOB}_3" StartTime=now
say "task 3 sent SIGTERM and requeued"

for _ in $(seq 300); do [ -z "$(squeue -h)" ] && break; sleep 1; done
[ -z "$(squeue -h)" ] || { squeue; fail "the array did not finish in 5 minutes"; }

cat "$LOG3" >&2
grep -q "interrupted (SIGTERM)" "$LOG3" || fail "task 3 was not interrupted"
grep -q "resuming" "$LOG3" || fail "task 3 did not resume"
"$GINN" summary runs/seed*.ginn.json --complete
[ "$(ls runs/seed*.ginn.json | wc -l)" = 8 ] || fail "not 8 run files"

# The interrupted and resumed run equals one that never stopped.
# shellcheck disable=SC2086
"$GINN" train --seed 3 $SHORT --out reference3.ginn.json 2>/dev/null >/dev/null
python3 - runs/seed3.ginn.json reference3.ginn.json <<'EOF' || fail "seed 3 differs from an uninterrupted run"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["stopped"] is None, a["stopped"]
assert len(a["snapshots"]) == len(b["snapshots"]), (len(a["snapshots"]), len(b["snapshots"]))
for x, y in zip(a["snapshots"], b["snapshots"]):
    assert x == y, f"snapshot at iteration {y['iteration']} differs"
print(f"seed 3: {len(a['snapshots'])} snapshots identical to the uninterrupted run")
EOF
say "passed: 8 runs complete; the interrupted one equals an uninterrupted run"
echo "slurm: 1 passed, 0 failed"
