#!/bin/sh
# tests/slurm/start.sh -- start a single-node Slurm on this machine, for the
# Slurm tests (tests/slurm.bats). Run as root (.ci/run does). Debian 12's
# slurm-wlm and munge; no cgroups (proctrack/linuxproc, task/none), memory
# limits enforced by sampling (jobacct_gather/linux with OverMemoryKill).
# Node name, CPUs and memory come from hostname -s and slurmd -C.
# Idempotent: a Slurm that already answers is left alone.
set -eu
if scontrol ping 2>/dev/null | grep -q UP && sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix|alloc'; then
    echo "slurm: already running"; exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "tests/slurm/start.sh: must run as root" >&2; exit 1; }
host=$(hostname -s)
cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -n 1)
mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n 1)
mkdir -p /etc/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm /run/munge
cat > /etc/slurm/slurm.conf <<CONF
# written by autopeft tests/slurm/start.sh: a single-node test cluster
ClusterName=autopeft-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=1
JobAcctGatherParams=OverMemoryKill
MpiDefault=none
KillWait=2
MinJobAge=3600
InactiveLimit=20
SchedulerParameters=sched_interval=2
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
# munge: its key comes with the package; it runs as the munge user
[ -s /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || dd if=/dev/urandom bs=1 count=1024 > /etc/munge/munge.key; }
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
i=0
until sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix|alloc'; do
    i=$((i + 1))
    [ $i -lt 60 ] || { echo "slurm: the node did not come up" >&2; sinfo >&2 || true; tail -n 20 /var/log/slurm/*.log >&2; exit 1; }
    sleep 1
done
echo "slurm: up ($host, $cpus CPUs, $mem MB)"
