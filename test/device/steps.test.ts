/**
 * Pure builders of components/device/steps.ts: quoting, manifests, triggers, validation and the
 * EFLOW PowerShell command strings (command-string tests only: there is no Windows host here).
 * The Linux command strings are also run for real over SSH in scripts.test.ts.
 */

import * as assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import * as fc from "fast-check";

import { DEVICE_FILES, DeviceFileRole } from "../../components/device/layout";
import * as steps from "../../components/device/steps";

const ROOT: steps.ShellTarget = { sudo: false };

describe("device/steps (pure builders)", function () {
    it("shQuote: sh reads back any string exactly (property, real /bin/sh)", () => {
        fc.assert(
            fc.property(
                fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("\0")),
                (s) => {
                    const out = execFileSync("/bin/sh", ["-c", `printf %s ${steps.shQuote(s)}`]);
                    assert.equal(out.toString("utf8"), s);
                },
            ),
            { numRuns: 40 },
        );
    });

    it("psQuote doubles single quotes", () => {
        assert.equal(steps.psQuote("it's"), "'it''s'");
    });

    it("wraps scripts as `[sudo -n ]env NAME='v' ... sh -c '<script>' iotedge-fleet-<step>`", () => {
        const cmd = steps.installStep({ versions: { aziotEdge: "1.5.21-1" } }, ROOT).command;
        assert.match(cmd, /^env STEP='install' EDGE_VERSION='1\.5\.21-1' IDENTITY_VERSION='' /);
        assert.match(cmd, / sh -c '# iotedge-fleet device step prelude/);
        assert.match(cmd, / iotedge-fleet-install$/);
        const sudo = steps.installStep({ versions: { aziotEdge: "1.5.21-1" } }, { sudo: true });
        assert.equal(sudo.command, `sudo -n ${cmd}`);
        assert.deepEqual(steps.shellTargetFor("root"), { sudo: false });
        assert.deepEqual(steps.shellTargetFor("pi"), { sudo: true });
    });

    it("rejects versions apt would not take as a pin, and parameter names that are not shell names", () => {
        for (const v of ["latest; rm -rf /", "", "1.5 .2", "$(id)", "-1"]) {
            assert.throws(
                () => steps.assertDebVersion("versions.aziotEdge", v),
                /versions\.aziotEdge/,
            );
        }
        for (const v of ["1.5.21-1", "1:1.5.0~rc1-3", "20.10.25+azure-ubuntu22.04u1"]) {
            steps.assertDebVersion("v", v);
        }
        assert.throws(() => steps.linuxCommand("x", "", { "A;B": "1" }, ROOT), /invalid parameter/);
    });

    it("upstreamVersion strips epoch and Debian revision", () => {
        const table: Array<[string, string]> = [
            ["1.5.21-1", "1.5.21"],
            ["1:1.5.0~rc1-3", "1.5.0~rc1"],
            ["1.5.21", "1.5.21"],
            ["1.4.10-2-1", "1.4.10-2"],
        ];
        for (const [deb, up] of table) {
            assert.equal(steps.upstreamVersion(deb), up, deb);
        }
    });

    describe("files manifest", () => {
        const files: steps.DeviceFileContent[] = [
            { role: "identity-cert", content: "CERT" },
            { role: "identity-key", content: "KEY-MARKER" },
            {
                role: "symmetric-key",
                content: Buffer.from([0, 1, 2, 255]).toString("base64"),
                encoding: "base64",
            },
        ];

        it("lists every layout path once: `f` with layout owner/group/mode, `r` for roles not given", () => {
            const lines = steps.encodeFilesManifest(files).trimEnd().split("\n");
            assert.equal(lines[0], "iotedge-fleet-files 1");
            assert.equal(lines[lines.length - 1], "end");
            for (const spec of Object.values(DEVICE_FILES)) {
                const mine = lines.filter((l) => l.split(" ")[1] === spec.path);
                assert.equal(mine.length, 1, spec.path);
                const given = files.some((f) => f.role === spec.role);
                const [kind, , owner, group, mode] = mine[0].split(" ");
                if (given) {
                    assert.deepEqual(
                        [kind, owner, group, mode],
                        ["f", spec.owner, spec.group, spec.mode],
                    );
                } else {
                    assert.equal(kind, "r");
                }
            }
            assert.ok(lines.includes("d /var/aziot/certs aziotcs aziotcs 0755"));
            assert.ok(lines.includes("d /var/aziot/secrets aziotks aziotks 0700"));
            assert.ok(lines.includes(`r ${steps.TRUST_STORE_PATH} t`));
        });

        it("flags identity and Edge CA material to clear generated certs (seed 003/004), not the rest", () => {
            const lines = steps.encodeFilesManifest(files).split("\n");
            const flagOf = (role: DeviceFileRole) => {
                const f = lines
                    .find((l) => l.split(" ")[1] === DEVICE_FILES[role].path)!
                    .split(" ");
                return f[0] === "f" ? f[5] : f[2];
            };
            assert.equal(flagOf("identity-cert"), "c");
            assert.equal(flagOf("identity-key"), "c");
            assert.equal(flagOf("edge-ca-key"), "c");
            assert.equal(flagOf("symmetric-key"), "-");
            assert.equal(flagOf("trust-bundle"), "-");
        });

        it("round-trips content bytes through base64, utf8 and raw bytes alike (property)", () => {
            fc.assert(
                fc.property(fc.uint8Array({ maxLength: 200 }), fc.string(), (bytes, text) => {
                    const m = steps.encodeFilesManifest([
                        {
                            role: "symmetric-key",
                            content: Buffer.from(bytes).toString("base64"),
                            encoding: "base64",
                        },
                        { role: "identity-cert", content: text },
                    ]);
                    const data = (p: string) =>
                        Buffer.from(
                            m
                                .split("\n")
                                .find((l) => l.split(" ")[1] === p)!
                                .split(" ")[6],
                            "base64",
                        );
                    assert.deepEqual(
                        new Uint8Array(data(DEVICE_FILES["symmetric-key"].path)),
                        bytes,
                    );
                    assert.equal(data(DEVICE_FILES["identity-cert"].path).toString("utf8"), text);
                }),
                { numRuns: 100 },
            );
        });

        it("keeps content out of the command string", () => {
            const step = steps.filesStep(files, "CA", ROOT);
            assert.equal(step.command.includes("KEY-MARKER"), false);
            assert.equal(
                step.command.includes(Buffer.from("KEY-MARKER").toString("base64")),
                false,
            );
            assert.ok(step.stdin!.includes(Buffer.from("KEY-MARKER").toString("base64")));
            assert.equal(step.command, steps.filesStep([], undefined, ROOT).command);
        });

        it("reports unknown and duplicate roles with their field paths", () => {
            assert.deepEqual(
                steps.validateFiles([
                    { role: "identity-key" },
                    { role: "identity-key" },
                    { role: "x" },
                ]),
                ['files[1].role: "identity-key" given twice', 'files[2].role: unknown role "x"'],
            );
            assert.throws(() =>
                steps.encodeFilesManifest([{ role: "x" as DeviceFileRole, content: "" }]),
            );
        });
    });

    describe("triggers", () => {
        it("are deterministic, order-independent and change only with the content (property)", () => {
            const roles = Object.keys(DEVICE_FILES) as DeviceFileRole[];
            fc.assert(
                fc.property(
                    fc.uniqueArray(fc.constantFrom(...roles), { minLength: 1 }),
                    fc.string(),
                    (picked, salt) => {
                        const files = picked.map((role) => ({ role, content: `${role}:${salt}` }));
                        const t = steps.fileTriggers(files);
                        assert.deepEqual(steps.fileTriggers([...files].reverse()), t);
                        const changed = files.map((f, i) =>
                            i === 0 ? { ...f, content: f.content + "!" } : f,
                        );
                        const t2 = steps.fileTriggers(changed);
                        const diff = t2.filter((x) => !t.includes(x)).map((x) => x.split("=")[0]);
                        assert.deepEqual(diff, [files[0].role]);
                    },
                ),
                { numRuns: 100 },
            );
        });

        it("never contain the content itself", () => {
            const t = steps.fileTriggers(
                [{ role: "identity-key", content: "KEY-MARKER" }],
                "CA-MARKER",
            );
            assert.equal(JSON.stringify(t).includes("MARKER"), false);
            assert.match(t[0], /^identity-key=sha256:[0-9a-f]{64}$/);
            assert.match(steps.configTrigger("x"), /^config\.toml=sha256:[0-9a-f]{64}$/);
        });
    });

    describe("apply and teardown parameters", () => {
        it("passes the timeout, check mode and the upstream aziot-edged version inline; config on stdin", () => {
            const s = steps.applyStep(
                {
                    configToml: "c",
                    healthTimeoutSeconds: 30,
                    check: "all",
                    aziotEdgeVersion: "1.5.21-1",
                },
                ROOT,
            );
            assert.match(
                s.command,
                /HEALTH_TIMEOUT='30' CHECK_MODE='all' EXPECTED_EDGED_VERSION='1\.5\.21'/,
            );
            assert.equal(s.stdin, "c");
            assert.throws(
                () =>
                    steps.applyStep(
                        { configToml: "c", healthTimeoutSeconds: 1.5, check: "none" },
                        ROOT,
                    ),
                /healthTimeoutSeconds/,
            );
        });

        it("teardown lists every layout path and purges only when asked", () => {
            const keep = steps.teardownCommand({ purge: false }, ROOT);
            for (const spec of Object.values(DEVICE_FILES)) {
                assert.ok(keep.includes(spec.path), spec.path);
            }
            assert.match(keep, /PURGE='0'/);
            assert.match(steps.teardownCommand({ purge: true }, ROOT), /PURGE='1'/);
            assert.throws(() =>
                steps.teardownCommand({ purge: false, extraPaths: ["/tmp/a b"] }, ROOT),
            );
        });
    });

    describe("EFLOW command strings (no Windows host: string tests only)", () => {
        it("encodes parameters + prelude + script as UTF-16LE base64 for -EncodedCommand", () => {
            const cmd = steps.eflowProvisionStep("dev:1*", {
                idScope: "0ne0'0",
                registrationId: "dev:1*",
                provisioningType: "DpsX509",
            }).command;
            const script = steps.decodePowershellCommand(cmd);
            assert.match(script, /^\$Step = 'apply'\n/);
            assert.match(script, /\$ScopeId = '0ne0''0'/);
            assert.match(script, /\$Dir = 'C:\\ProgramData\\iotedge-fleet\\dev_1_-[0-9a-f]{8}'/);
            assert.ok(script.includes(steps.SCRIPTS.eflowPrelude));
            assert.ok(script.endsWith(steps.SCRIPTS.eflowProvision));
        });

        it("stays under cmd.exe's 8191-character command line limit (OpenSSH's default Windows shell)", () => {
            const id = "d".repeat(128); // IoT Hub device and DPS registration IDs are at most 128
            const p = {
                idScope: "0ne00ABCDEF",
                registrationId: id,
                provisioningType: "DpsSymmetricKey" as const,
            };
            const commands = [
                steps.eflowInstallStep(id).command,
                steps.eflowFilesStep(id, [{ role: "symmetric-key", content: "a2V5" }]).command,
                steps.eflowProvisionStep(id, p).command,
                steps.eflowProvisionStep(id, { ...p, provisioningType: "DpsX509" }).command,
                steps.eflowTeardownCommand(id),
            ];
            for (const c of commands) {
                assert.ok(c.length < 8191, `${c.length} characters`);
            }
        });

        it("files step rejects roles EFLOW does not use", () => {
            assert.throws(
                () => steps.eflowFilesStep("d", [{ role: "edge-ca-key", content: "k" }]),
                /not used by EFLOW/,
            );
        });

        it("safeName keeps plain IDs and disambiguates rewritten ones", () => {
            assert.equal(steps.safeName("dev-1.a_b"), "dev-1.a_b");
            assert.notEqual(steps.safeName("a:b"), steps.safeName("a*b"));
            assert.match(steps.safeName("../x"), /^_\._x-[0-9a-f]{8}$/);
        });
    });

    it("the step scripts are shellcheck-clean as they run (prelude + script, POSIX sh)", function () {
        try {
            execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
        } catch {
            this.skip(); // shellcheck is not installed (Debian package `shellcheck`)
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iotedge-fleet-sc-"));
        try {
            for (const name of ["install", "files", "apply", "teardown"] as const) {
                const file = path.join(dir, `${name}.sh`);
                fs.writeFileSync(file, `${steps.SCRIPTS.prelude}\n${steps.SCRIPTS[name]}`);
                execFileSync("shellcheck", ["-s", "sh", file]);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
