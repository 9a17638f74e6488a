/**
 * EdgeDevice graph under `pulumi.runtime.setMocks`: which remote.Commands exist per device,
 * their names, parents, order (dependsOn), triggers, secrecy and logging. No SSH here: the
 * scripts themselves are exercised over real SSH in scripts.test.ts. The EFLOW variant is
 * graph- and command-string-tested only (no Windows host in CI).
 */

import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import * as pulumi from "@pulumi/pulumi";

import type * as DeviceModule from "../../components/device";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VAL = "1b47061264138c4ac30d75fd1eb44270";

interface Recorded {
    type: string;
    name: string;
    inputs: any;
}

const recorded: Recorded[] = [];
const options = new Map<string, pulumi.ResourceOptions & { additionalSecretOutputs?: string[] }>();

function isSecretInput(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as any)[SECRET_SIG] === SECRET_VAL;
}

function reveal(v: any): any {
    return isSecretInput(v) ? v.value : v;
}

function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply(resolve));
}

function input(name: string): any {
    const r = recorded.filter((x) => x.name === name);
    assert.equal(r.length, 1, `exactly one resource named ${name}`);
    return r[0].inputs;
}

const KEY_MARKER = "GRAPH-SECRET-KEY-MARKER";

function pem(kind: string, body: string) {
    return `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
}

describe("device/EdgeDevice (graph under mocks)", function () {
    let mod: typeof DeviceModule;
    const capture: pulumi.ResourceTransformation = (args) => {
        options.set(args.name, args.opts);
        return undefined;
    };

    before(async () => {
        pulumi.runtime.setMocks(
            {
                newResource(args) {
                    recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
                    return { id: `${args.name}_id`, state: args.inputs };
                },
                call(args) {
                    throw new Error(`unexpected call ${args.token}`);
                },
            },
            "project",
            "stack",
            false,
        );
        mod = await import("../../components/device");
    });

    function linuxArgs(
        deviceId: string,
        over: { idCert?: string; config?: string; user?: string } = {},
    ): DeviceModule.EdgeDeviceArgs {
        return {
            deviceId,
            connection: {
                host: `${deviceId}.lan`,
                user: over.user ?? "root",
                privateKey: pulumi.secret("SSH-PRIVATE-KEY"),
            },
            versions: { aziotEdge: "1.5.21-1", aziotIdentityService: "1.5.6-1" },
            files: [
                { role: "trust-bundle", content: pem("CERTIFICATE", "root") },
                {
                    role: "identity-cert",
                    content: pem("CERTIFICATE", over.idCert ?? `id-${deviceId}`),
                },
                {
                    role: "identity-key",
                    content: pulumi.secret(pem("PRIVATE KEY", `${KEY_MARKER}-${deviceId}`)),
                },
            ],
            configToml:
                over.config ?? `hostname = "${deviceId}"\n[provisioning]\nsource = "manual"\n`,
        };
    }

    async function build(
        name: string,
        args: DeviceModule.EdgeDeviceArgs,
    ): Promise<DeviceModule.EdgeDevice> {
        const dev = new mod.EdgeDevice(name, args, { transformations: [capture] });
        await Promise.all([
            promiseOf(dev.install.id),
            promiseOf(dev.files.id),
            promiseOf(dev.apply.id),
            promiseOf(dev.triggers),
        ]);
        return dev;
    }

    it("declares install, files and apply as remote.Commands named `${name}-<role>`, parented by the device", async () => {
        const dev = await build("d1", linuxArgs("dev-1"));
        for (const step of mod.EDGE_DEVICE_STEPS) {
            const r = recorded.filter((x) => x.name === `d1-${step}`);
            assert.equal(r.length, 1);
            assert.equal(r[0].type, "command:remote:Command");
            assert.equal(options.get(`d1-${step}`)?.parent, dev);
        }
        const urn = await promiseOf(dev.files.urn);
        assert.match(urn, /iotedge:device:EdgeDevice\$command:remote:Command::d1-files$/);
        assert.equal(recorded.filter((x) => x.name.startsWith("d1-")).length, 3);
    });

    it("orders the steps install → files → apply with dependsOn", async () => {
        const dev = await build("d2", linuxArgs("dev-2"));
        assert.deepEqual(options.get("d2-install")?.dependsOn, []);
        assert.deepEqual(options.get("d2-files")?.dependsOn, [dev.install]);
        assert.deepEqual(options.get("d2-apply")?.dependsOn, [dev.files]);
    });

    it("puts the teardown on install (deleted last) and keeps triggers off it (a replaced step runs the old delete)", async () => {
        await build("d3", linuxArgs("dev-3"));
        const install = input("d3-install");
        assert.equal(install.triggers, undefined);
        assert.match(install.delete, /iotedge-fleet-teardown$/);
        assert.match(install.delete, /iotedge system stop/);
        assert.match(install.delete, /PURGE='0'/);
        for (const step of ["files", "apply"]) {
            const i = input(`d3-${step}`);
            assert.equal(i.delete, undefined, `${step} has no delete`);
            assert.ok(Array.isArray(i.triggers) && i.triggers.length > 0, `${step} has triggers`);
            assert.equal(reveal(i.update), reveal(i.create), `${step} update = create`);
        }
        assert.equal(install.update, install.create);
        assert.equal(install.addPreviousOutputInEnv, false);
    });

    it("carries the pinned versions in the install command (a version change is an in-place update)", async () => {
        await build("d4", linuxArgs("dev-4"));
        const create: string = input("d4-install").create;
        assert.match(
            create,
            /^env STEP='install' EDGE_VERSION='1\.5\.21-1' IDENTITY_VERSION='1\.5\.6-1'/,
        );
        assert.match(create, / iotedge-fleet-install$/);
    });

    it("sends keys only on stdin: stdin secret, commands and triggers secret-free, logging none, secret outputs declared", async () => {
        const dev = await build("d5", linuxArgs("dev-5"));
        assert.equal(await pulumi.isSecret(dev.files.stdin), true, "stdin Output is secret");
        assert.equal(await pulumi.isSecret(dev.apply.stdin), false, "config.toml is not");
        const files = input("d5-files");
        assert.ok(isSecretInput(files.stdin), "files stdin is secret");
        const keyLine = String(files.stdin.value)
            .split("\n")
            .find((l) => l.startsWith("f /var/aziot/secrets/device-id.key.pem "))!;
        const keyB64 = keyLine.split(" ").pop()!;
        assert.match(Buffer.from(keyB64, "base64").toString(), new RegExp(`${KEY_MARKER}-dev-5`));
        assert.equal(files.logging, "none");
        const secretOutputs = options.get("d5-files")?.additionalSecretOutputs ?? [];
        for (const out of ["stdin", "stdout", "stderr"]) {
            assert.ok(secretOutputs.includes(out), `${out} declared secret`);
        }
        for (const step of ["install", "files", "apply"]) {
            const i = input(`d5-${step}`);
            const plain = JSON.stringify([
                reveal(i.create),
                reveal(i.update),
                i.delete,
                i.triggers,
            ]);
            assert.equal(
                plain.includes(KEY_MARKER),
                false,
                `${step} command/triggers carry no key`,
            );
            assert.equal(isSecretInput(i.create), false, `${step} create is not secret`);
            assert.equal(isSecretInput(i.triggers), false, `${step} triggers are not secret`);
            assert.ok(
                isSecretInput(i.connection) || isSecretInput(i.connection.privateKey),
                "ssh key secret",
            );
        }
        // config.toml carries no secret and stays readable in a plan.
        const apply = input("d5-apply");
        assert.equal(isSecretInput(apply.stdin), false);
        assert.match(apply.stdin, /hostname = "dev-5"/);
    });

    it("unchanged inputs give identical triggers; one device's new certificate changes only that device's triggers", async () => {
        const a1 = await build("f1-a", linuxArgs("dev-a"));
        const b1 = await build("f1-b", linuxArgs("dev-b"));
        const a2 = await build("f2-a", linuxArgs("dev-a", { idCert: "renewed" }));
        const b2 = await build("f2-b", linuxArgs("dev-b"));
        const a1again = await build("f3-a", linuxArgs("dev-a"));
        assert.deepEqual(input("f3-a-files").triggers, input("f1-a-files").triggers);
        assert.deepEqual(input("f3-a-apply").triggers, input("f1-a-apply").triggers);
        assert.deepEqual(input("f2-b-files").triggers, input("f1-b-files").triggers);
        assert.deepEqual(input("f2-b-apply").triggers, input("f1-b-apply").triggers);
        assert.notDeepEqual(input("f2-a-files").triggers, input("f1-a-files").triggers);
        assert.notDeepEqual(input("f2-a-apply").triggers, input("f1-a-apply").triggers);
        // The diff names the file that changed, and only it.
        const before: string[] = input("f1-a-files").triggers;
        const after: string[] = input("f2-a-files").triggers;
        const changed = after.filter((t) => !before.includes(t)).map((t) => t.split("=")[0]);
        assert.deepEqual(changed, ["identity-cert"]);
        assert.deepEqual(await promiseOf(a1.triggers), await promiseOf(a1again.triggers));
        assert.notDeepEqual(await promiseOf(a1.triggers), await promiseOf(a2.triggers));
        assert.deepEqual(await promiseOf(b1.triggers), await promiseOf(b2.triggers));
    });

    it("a config change alters the apply trigger only, not the files trigger", async () => {
        await build("g1", linuxArgs("dev-g"));
        await build("g2", linuxArgs("dev-g", { config: 'hostname = "other"\n' }));
        assert.deepEqual(input("g2-files").triggers, input("g1-files").triggers);
        assert.notDeepEqual(input("g2-apply").triggers, input("g1-apply").triggers);
        assert.match(input("g1-apply").triggers[0], /^config\.toml=sha256:[0-9a-f]{64}$/);
    });

    it("runs the scripts under `sudo -n` when the SSH user is not root", async () => {
        await build("s1", linuxArgs("dev-s", { user: "edgeadmin" }));
        for (const step of ["install", "files", "apply"]) {
            assert.match(reveal(input(`s1-${step}`).create), /^sudo -n env STEP=/);
        }
        assert.match(input("s1-install").delete, /^sudo -n env STEP='teardown'/);
    });

    it("passes a jump host as the connection proxy, with its key secret", async () => {
        const args = linuxArgs("dev-j");
        args.connection.jump = { host: "bastion", user: "jump", privateKey: "JUMP-KEY" };
        await build("j1", args);
        const conn = reveal(input("j1-install").connection);
        assert.ok(isSecretInput(input("j1-install").connection), "connection (with keys) secret");
        assert.deepEqual(
            { host: conn.proxy.host, user: conn.proxy.user, key: conn.proxy.privateKey },
            { host: "bastion", user: "jump", key: "JUMP-KEY" },
        );
    });

    it("copies offline .deb files with CopyToRemote before install and installs them by sha256", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iotedge-fleet-graph-"));
        try {
            const edge = path.join(dir, "edge.deb");
            const identity = path.join(dir, "identity.deb");
            fs.writeFileSync(edge, "edge");
            fs.writeFileSync(identity, "identity");
            const args = linuxArgs("dev-o");
            args.offlinePackages = { aziotEdgeDeb: edge, aziotIdentityServiceDeb: identity };
            await build("o1", args);
            const copies = recorded.filter((r) => r.type === "command:remote:CopyToRemote");
            const mine = copies
                .filter((r) => r.name.startsWith("o1-"))
                .map((r) => r.name)
                .sort();
            assert.deepEqual(mine, ["o1-offline-aziot-edge", "o1-offline-aziot-identity-service"]);
            assert.equal(
                input("o1-offline-aziot-edge").remotePath,
                "/var/tmp/iotedge-fleet-dev-o-aziot-edge.deb",
            );
            const deps = options.get("o1-install")?.dependsOn as pulumi.Resource[];
            assert.equal(deps.length, 2);
            const create: string = input("o1-install").create;
            assert.match(
                create,
                /OFFLINE_EDGE_DEB='\/var\/tmp\/iotedge-fleet-dev-o-aziot-edge\.deb'/,
            );
            const sha = crypto.createHash("sha256").update("edge").digest("hex");
            assert.ok(create.includes(`OFFLINE_EDGE_SHA256='${sha}'`));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reports every invalid field at once, with its path", () => {
        const bad = linuxArgs("dev-x");
        bad.versions = { aziotEdge: "latest; rm -rf /", moby: "x y" };
        bad.files = [
            ...bad.files,
            { role: "identity-key", content: "dup" },
            { role: "nope" as any, content: "" },
        ];
        bad.healthTimeoutSeconds = -1;
        bad.eflow = { idScope: "0ne", registrationId: "r", provisioningType: "DpsX509" };
        const problems = mod.validateEdgeDeviceArgs(bad);
        assert.deepEqual(
            problems.map((p) => p.split(":")[0]),
            [
                "device.versions.aziotEdge",
                "device.versions.moby",
                "device.files[3].role",
                "device.files[4].role",
                "device.healthTimeoutSeconds",
                "device.eflow",
            ],
        );
        assert.throws(() => new mod.EdgeDevice("bad", bad), /versions\.aziotEdge/);
    });

    describe("kind eflow (graph and command strings only: no Windows host here)", () => {
        function eflowArgs(type: "DpsX509" | "DpsSymmetricKey"): DeviceModule.EdgeDeviceArgs {
            const files: DeviceModule.EdgeDeviceArgs["files"] =
                type === "DpsX509"
                    ? [
                          { role: "identity-cert", content: pem("CERTIFICATE", "eflow-id") },
                          {
                              role: "identity-key",
                              content: pulumi.secret(pem("PRIVATE KEY", `${KEY_MARKER}-eflow`)),
                          },
                      ]
                    : [
                          {
                              role: "symmetric-key",
                              content: pulumi.secret(
                                  Buffer.from(`${KEY_MARKER}-sym`).toString("base64"),
                              ),
                              encoding: "base64",
                          },
                      ];
            return {
                deviceId: "win-1",
                kind: "eflow",
                connection: {
                    host: "winhost",
                    user: "Administrator",
                    privateKey: pulumi.secret("K"),
                },
                versions: { aziotEdge: "1.5.21-1" },
                files,
                configToml: "unused for eflow",
                eflow: { idScope: "0ne00ABCDEF", registrationId: "win-1", provisioningType: type },
            };
        }

        it("provisions with Provision-EflowVm -provisioningType DpsX509 and the copied identity files", async () => {
            const dev = await build("w1", eflowArgs("DpsX509"));
            const apply = reveal(input("w1-apply").create) as string;
            assert.match(
                apply,
                /^powershell\.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand /,
            );
            const script = mod.decodePowershellCommand(apply);
            assert.match(script, /\$ScopeId = '0ne00ABCDEF'/);
            assert.match(script, /\$RegistrationId = 'win-1'/);
            assert.match(
                script,
                /Provision-EflowVm -provisioningType DpsX509 -scopeId \$ScopeId -registrationId \$RegistrationId `\s+-identityCertPath \(Join-Path \$Dir 'device-id\.pem'\) -identityPrivKeyPath \(Join-Path \$Dir 'device-id\.key\.pem'\)/,
            );
            const files = input("w1-files");
            assert.ok(isSecretInput(files.stdin));
            assert.equal(files.logging, "none");
            const filesScript = mod.decodePowershellCommand(reveal(files.create));
            assert.match(filesScript, /icacls\.exe \$Dir \/inheritance:r/);
            assert.match(filesScript, /\[Console\]::In\.ReadToEnd\(\)/);
            assert.equal(
                JSON.stringify(
                    recorded
                        .filter((r) => r.name.startsWith("w1-"))
                        .map((r) => [reveal(r.inputs.create), r.inputs.delete, r.inputs.triggers]),
                ).includes(KEY_MARKER),
                false,
            );
            assert.deepEqual(options.get("w1-apply")?.dependsOn, [dev.files]);
            assert.deepEqual(options.get("w1-files")?.dependsOn, [dev.install]);
        });

        it("reads the symmetric key from its file inside the script, never from the command line", async () => {
            await build("w2", eflowArgs("DpsSymmetricKey"));
            const commands = ["install", "files", "apply"].map(
                (s) => reveal(input(`w2-${s}`).create) as string,
            );
            const scripts = commands.map((c) => mod.decodePowershellCommand(c));
            assert.match(
                scripts[2],
                /-symmKey \(Get-Content -Raw \(Join-Path \$Dir 'device-id\.key'\)\)\.Trim\(\)/,
            );
            const symB64 = Buffer.from(`${KEY_MARKER}-sym`).toString("base64");
            for (const text of [
                ...commands,
                ...scripts,
                JSON.stringify(input("w2-apply").triggers),
            ]) {
                assert.equal(text.includes(KEY_MARKER), false);
                assert.equal(text.includes(symB64), false);
            }
            // On stdin, the key file holds the base64 text Provision-EflowVm -symmKey expects.
            const stdin = String(input("w2-files").stdin.value);
            const line = stdin.split("\n").find((l) => l.startsWith("f device-id.key "))!;
            assert.equal(Buffer.from(line.split(" ")[2], "base64").toString(), symB64);
            assert.match(
                mod.decodePowershellCommand(input("w2-install").delete),
                /Remove-Item -Recurse -Force -Path \$Dir/,
            );
        });

        it("requires the eflow block and the identity files its provisioning type needs", () => {
            const noBlock = { ...eflowArgs("DpsX509"), eflow: undefined };
            assert.deepEqual(mod.validateEdgeDeviceArgs(noBlock), [
                'device.eflow: required when kind is "eflow"',
            ]);
            const missing = { ...eflowArgs("DpsX509"), files: [] };
            assert.deepEqual(mod.validateEdgeDeviceArgs(missing), [
                'device.files: role "identity-cert" is required for EFLOW DpsX509',
                'device.files: role "identity-key" is required for EFLOW DpsX509',
            ]);
        });
    });
});
