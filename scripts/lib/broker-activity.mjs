// When a local broker has finished the work a client gave it. A QoS 0 publisher can exit
// as soon as its messages sit in socket buffers (mosquitto_pub does); the broker may still
// be reading them for a second. Benchmarks that compare wall times must (a) start each run
// on an idle broker, so one run's backlog is not charged to the next, and (b) also report
// when the broker was done, which is the throughput a user actually gets.
// Linux only: reads the broker's on-CPU time from /proc/PID/schedstat (nanoseconds).
import { readFileSync } from 'node:fs';

const SAMPLE_MS = 10;
/** A 10 ms sample with more than this much broker CPU counts as busy (mosquitto idles at far less). */
const BUSY_NS = 1e6;
const QUIET_MS = 150;

const cpuNs = (pid) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Resolves with the time (ms, hrtime clock) of the broker's last busy sample, once it has been quiet for QUIET_MS. */
export async function brokerIdle(pid, timeoutMs = 60_000) {
  const deadline = nowMs() + timeoutMs;
  let prev = cpuNs(pid);
  let lastBusy = nowMs();
  for (;;) {
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
    const cur = cpuNs(pid);
    const t = nowMs();
    if (cur - prev > BUSY_NS) lastBusy = t;
    prev = cur;
    if (t - lastBusy >= QUIET_MS) return lastBusy;
    if (t > deadline) throw new Error(`broker ${pid} still busy after ${timeoutMs} ms`);
  }
}
export { nowMs };
