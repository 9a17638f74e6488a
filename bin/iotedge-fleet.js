#!/usr/bin/env node
// Entry point of the `iotedge-fleet` command. The project is TypeScript run in place (as the
// Pulumi nodejs runtime runs index.ts), so the CLI registers ts-node in transpile-only mode:
// `npm test` type-checks the whole tree with `tsc --noEmit`.
"use strict";
const path = require("path");
require("ts-node").register({
    transpileOnly: true,
    project: path.join(__dirname, "..", "tsconfig.json"),
});
require("../cli/main")
    .main(process.argv.slice(2))
    .then(
        (code) => {
            process.exitCode = code;
        },
        (err) => {
            process.stderr.write(`iotedge-fleet: ${err && err.message ? err.message : err}\n`);
            process.exitCode = 2;
        },
    );
