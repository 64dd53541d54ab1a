// Preload for precd: the V8 CPU profiler, started once precd is up. `node --cpu-prof` cannot be used on
// precd: the BPF verifier gives up with EAGAIN when a signal is pending, and V8's sampler sends SIGPROF
// every millisecond, so the load always fails (docs/benchmarks.md, issue 19 section).
//   PROF_OUT=FILE node --import bench/precd-cpu/profile-preload.mjs bin/precd.js -c CONF
//   kill -TTIN PID   # start profiling (PROF_INTERVAL_US, default 1000)
//   kill -TTOU PID   # stop and write FILE (default /tmp/precd.cpuprofile)
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
const s = new Session();
s.connect();
const interval = Number(process.env.PROF_INTERVAL_US ?? 1000);
process.on('SIGTTIN', () => {
  s.post('Profiler.enable', () => s.post('Profiler.setSamplingInterval', { interval }, () => s.post('Profiler.start', () => process.stderr.write('precd: profiling\n'))));
});
process.on('SIGTTOU', () => {
  s.post('Profiler.stop', (err, r) => {
    writeFileSync(process.env.PROF_OUT ?? '/tmp/precd.cpuprofile', JSON.stringify(r.profile));
    process.stderr.write('precd: profile written\n');
  });
});
