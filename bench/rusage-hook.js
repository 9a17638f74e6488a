// Preloaded into a benchmarked child process (`node -r bench/rusage-hook.js ...`): on exit, it
// reports the process's own peak resident set size (getrusage ru_maxrss) and CPU times on
// stderr as one `@@bench {...}` line, which bench/plan-bench.ts parses. Plain JavaScript, so it
// loads before (and without) ts-node.
"use strict";
process.on("exit", (code) => {
    const r = process.resourceUsage();
    const report = {
        code,
        maxRssKb: r.maxRSS,
        userMs: Math.round(r.userCPUTime / 1000),
        systemMs: Math.round(r.systemCPUTime / 1000),
    };
    process.stderr.write(`\n@@bench ${JSON.stringify(report)}\n`);
});
