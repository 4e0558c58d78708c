/**
 * What else the machine did during a bench phase, from Linux's /proc: CPU used by other processes,
 * steal time (a hypervisor that gave the cores to another guest), and the broker's own CPU when it
 * runs here (the embedded broker's process, or the process listening on the broker's port). On
 * other systems every figure is absent and bench says so once. The parsers are pure; the readers
 * below them touch only /proc.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The machine's CPU time, summed over its cores, in clock ticks. */
export interface CpuTimes {
  /** Time some process ran: user, nice, system, irq, softirq. */
  readonly busy: number;
  readonly steal: number;
  /** Everything, idle included: cores x elapsed ticks. */
  readonly total: number;
}

/** The first line of /proc/stat ("cpu  user nice system idle iowait irq softirq steal ..."). */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return undefined;
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 8 || f.some((x) => !Number.isFinite(x))) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** utime + stime of /proc/PID/stat, in clock ticks (fields 14 and 15, counted after the command name). */
export function parseProcessTicks(text: string): number | undefined {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** Inodes of sockets listening on `port` in /proc/net/tcp or tcp6 ("sl local rem st ... inode"). */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return procNetTcp
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A')
    .map((f) => f[9] as string);
}

/** Inodes of listening Unix sockets bound to `path` in /proc/net/unix (flag 00010000: accepting). */
export function listeningUnixInodes(procNetUnix: string, path: string): string[] {
  return procNetUnix
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[7] === path && f[3] === '00010000')
    .map((f) => f[6] as string);
}

/** One reading of the machine, this process and the broker. */
export interface MachineSample {
  readonly at: number;
  readonly machine: CpuTimes | undefined;
  readonly self: number | undefined;
  readonly broker: number | undefined;
}

/** Shares of the machine over a span, in cores (1 = one core fully busy); undefined where /proc had no answer. */
export interface MachineLoad {
  /** Other processes: neither this load generator nor the broker. */
  readonly otherCores: number | undefined;
  /** Share of the machine's time taken by the hypervisor, 0..1. */
  readonly steal: number | undefined;
  readonly brokerCores: number | undefined;
}

export function loadBetween(a: MachineSample, b: MachineSample, cores: number): MachineLoad {
  if (a.machine === undefined || b.machine === undefined) return { otherCores: undefined, steal: undefined, brokerCores: undefined };
  const total = b.machine.total - a.machine.total;
  if (total <= 0) return { otherCores: undefined, steal: undefined, brokerCores: undefined };
  const inCores = (ticks: number): number => Math.round(((ticks / total) * cores) * 100) / 100;
  const self = a.self === undefined || b.self === undefined ? 0 : b.self - a.self;
  const broker = a.broker === undefined || b.broker === undefined ? undefined : b.broker - a.broker;
  return {
    otherCores: Math.max(0, inCores(b.machine.busy - a.machine.busy - self - (broker ?? 0))),
    steal: Math.round(((b.machine.steal - a.machine.steal) / total) * 1000) / 1000,
    brokerCores: broker === undefined ? undefined : inCores(broker),
  };
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** The process listening on a local TCP port or Unix socket path, found through /proc; undefined elsewhere or when it is not ours to see. */
export function findListeningProcess(where: { port: number } | { path: string }, self = process.pid): number | undefined {
  const inodes =
    'port' in where
      ? [...listeningInodes(read('/proc/net/tcp') ?? '', where.port), ...listeningInodes(read('/proc/net/tcp6') ?? '', where.port)]
      : listeningUnixInodes(read('/proc/net/unix') ?? '', where.path);
  if (inodes.length === 0) return undefined;
  const wanted = new Set(inodes.map((i) => `socket:[${i}]`));
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== self);
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch {
        // The descriptor closed while we looked.
      }
    }
  }
  return undefined;
}

/** Reads the machine, this process and (when known) the broker's process. */
export function sampleMachine(brokerPid: number | undefined): MachineSample {
  const stat = read('/proc/stat');
  const self = read('/proc/self/stat');
  const broker = brokerPid === undefined ? undefined : read(`/proc/${brokerPid}/stat`);
  return {
    at: Date.now(),
    machine: stat === undefined ? undefined : parseProcStat(stat),
    self: self === undefined ? undefined : parseProcessTicks(self),
    broker: broker === undefined ? undefined : parseProcessTicks(broker),
  };
}

/** The soft "Max open files" of /proc/self/limits; undefined when unlimited or not readable. */
export function parseOpenFilesLimit(limits: string): number | undefined {
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  const n = Number(soft);
  return soft === undefined || !Number.isFinite(n) ? undefined : n;
}

/** This process's descriptor limit (Linux); undefined elsewhere. */
export const openFilesLimit = (): number | undefined => {
  const text = read('/proc/self/limits');
  return text === undefined ? undefined : parseOpenFilesLimit(text);
};
