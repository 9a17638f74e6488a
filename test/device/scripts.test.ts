/**
 * The device step scripts, run FOR REAL over SSH (harness.ts: a private sshd in its own mount
 * namespace with overlay /etc, /var, /usr/local), using exactly the command strings and stdin
 * payloads the pure builders in components/device/steps.ts produce, which are the ones the
 * EdgeDevice component hands to remote.Command.
 *
 * STAND-INS (fakes on the device's PATH, see harness.ts) replace what needs the internet, Azure,
 * systemd or a real package database: apt-get, dpkg-query, dpkg --print-architecture, curl,
 * wget (Microsoft's repository config), iotedge (config apply / system status / check / system
 * logs / system stop), systemctl, update-ca-certificates; and sync, which can SIGKILL the
 * calling script between temp write and rename. Everything else (sh, coreutils, stat, chown,
 * find, sha256sum, base64, mktemp, mv) is real, and so are the files, owners and modes.
 */

import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { DEVICE_DIRS, DEVICE_FILES } from "../../components/device/layout";
import * as steps from "../../components/device/steps";
import { ADMIN_USER, OS_RELEASE, RunResult, SshDevice } from "./harness";

const ROOT: steps.ShellTarget = { sudo: false };
const VERSIONS = { aziotEdge: "1.5.21-1", aziotIdentityService: "1.5.6-1" };

/** Unique marker strings stand in for key material, so leaks can be searched for. */
function marker(label: string): string {
    return `SECRET-MARKER-${label}-${crypto.randomBytes(12).toString("hex")}`;
}

function pem(kind: string, body: string): string {
    return `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
}

interface Material {
    files: steps.DeviceFileContent[];
    secrets: string[];
}

function material(): Material {
    const idKey = marker("IDENTITY-KEY");
    const caKey = marker("EDGE-CA-KEY");
    return {
        secrets: [idKey, caKey],
        files: [
            { role: "trust-bundle", content: pem("CERTIFICATE", "root-ca-" + crypto.randomUUID()) },
            {
                role: "identity-cert",
                content: pem("CERTIFICATE", "identity-" + crypto.randomUUID()),
            },
            { role: "identity-key", content: pem("PRIVATE KEY", idKey) },
            { role: "edge-ca-cert", content: pem("CERTIFICATE", "edge-ca-" + crypto.randomUUID()) },
            { role: "edge-ca-key", content: pem("PRIVATE KEY", caKey) },
        ],
    };
}

const CONFIG_V1 = [
    'hostname = "dev-1"',
    "",
    "[provisioning]",
    'source = "manual"',
    'iothub_hostname = "hub.azure-devices.net"',
    'device_id = "dev-1"',
    "",
    "[provisioning.authentication]",
    'method = "x509"',
    'identity_cert = "file:///var/aziot/certs/device-id.pem"',
    'identity_pk = "file:///var/aziot/secrets/device-id.key.pem"',
    "",
].join("\n");
const CONFIG_V2 = CONFIG_V1.replace('hostname = "dev-1"', 'hostname = "dev-1b"');

function applyStep(config: string, extra: Partial<steps.ApplyParams> = {}): steps.StepCommand {
    return steps.applyStep(
        {
            configToml: config,
            healthTimeoutSeconds: 10,
            check: "configuration",
            aziotEdgeVersion: VERSIONS.aziotEdge,
            ...extra,
        },
        ROOT,
    );
}

async function runStep(dev: SshDevice, step: steps.StepCommand): Promise<RunResult> {
    return dev.run(step.command, step.stdin);
}

function ok(res: RunResult): RunResult {
    assert.equal(res.code, 0, `step failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
    return res;
}

function callsOf(dev: SshDevice, name: string, first?: string) {
    return dev
        .calls()
        .filter((c) => c.name === name && (first === undefined || c.argv[0] === first));
}

function appliedConfig(dev: SshDevice): boolean {
    return dev
        .calls()
        .some((c) => c.name === "iotedge" && c.argv[0] === "config" && c.argv[1] === "apply");
}

describe("device scripts over real SSH (stand-ins: apt-get, dpkg-query, dpkg, curl, iotedge, update-ca-certificates, sync)", function () {
    let dev: SshDevice;
    let m: Material;

    before(async () => {
        dev = await SshDevice.start({ osRelease: OS_RELEASE.ubuntu2204 });
        m = material();
    });
    after(async () => {
        await dev?.stop();
    });

    it("install: configures Microsoft's Ubuntu 22.04 repository and installs the pinned versions", async () => {
        const res = ok(await runStep(dev, steps.installStep({ versions: VERSIONS }, ROOT)));
        assert.match(res.stdout, /detected ubuntu 22\.04 \(amd64\)/);
        const curl = callsOf(dev, "curl");
        assert.equal(curl.length, 1);
        assert.ok(
            curl[0].argv.includes(
                "https://packages.microsoft.com/config/ubuntu/22.04/packages-microsoft-prod.deb",
            ),
        );
        const installs = callsOf(dev, "apt-get").filter((c) => c.argv.includes("install"));
        assert.ok(
            installs.some((c) => c.argv.includes("moby-engine") && c.argv.includes("moby-cli")),
        );
        assert.ok(
            installs.some(
                (c) =>
                    c.argv.includes("aziot-edge=1.5.21-1") &&
                    c.argv.includes("aziot-identity-service=1.5.6-1"),
            ),
        );
        assert.deepEqual(
            {
                edge: dev.installedPackages()["aziot-edge"],
                identity: dev.installedPackages()["aziot-identity-service"],
            },
            { edge: "1.5.21-1", identity: "1.5.6-1" },
        );
        assert.match(res.stdout, /result: changed/);
    });

    it("install: a second run skips what is installed at the wanted version (dpkg-query)", async () => {
        dev.clearCalls();
        const res = ok(await runStep(dev, steps.installStep({ versions: VERSIONS }, ROOT)));
        assert.deepEqual(callsOf(dev, "apt-get"), []);
        assert.deepEqual(callsOf(dev, "curl"), []);
        assert.match(res.stdout, /result: unchanged/);
    });

    it("install: a new pinned version upgrades only aziot packages", async () => {
        dev.clearCalls();
        const versions = { aziotEdge: "1.5.22-1", aziotIdentityService: "1.5.7-1" };
        ok(await runStep(dev, steps.installStep({ versions }, ROOT)));
        const installs = callsOf(dev, "apt-get").filter((c) => c.argv.includes("install"));
        assert.equal(installs.length, 1);
        assert.ok(installs[0].argv.includes("aziot-edge=1.5.22-1"));
        // Back to the version the rest of the suite expects.
        ok(await runStep(dev, steps.installStep({ versions: VERSIONS }, ROOT)));
        assert.equal(dev.installedPackages()["aziot-edge"], "1.5.21-1");
    });

    it("files: writes every file and directory with the owner, group and mode from layout.ts", async () => {
        const trustCa = pem("CERTIFICATE", "os-trust-" + crypto.randomUUID());
        const res = ok(await runStep(dev, steps.filesStep(m.files, trustCa, ROOT)));
        assert.match(res.stdout, /result: changed/);
        const paths = [
            ...DEVICE_DIRS.map((d) => d.path),
            ...m.files.map((f) => DEVICE_FILES[f.role].path),
        ];
        const stats = await dev.stat(paths);
        for (const d of DEVICE_DIRS) {
            assert.equal(
                stats[d.path],
                `${d.owner}:${d.group} ${d.mode.replace(/^0/, "")}`,
                d.path,
            );
        }
        for (const f of m.files) {
            const spec = DEVICE_FILES[f.role];
            assert.equal(
                stats[spec.path],
                `${spec.owner}:${spec.group} ${spec.mode.replace(/^0/, "")}`,
            );
            assert.equal(dev.read(spec.path), f.content, spec.path);
        }
        assert.equal(dev.read(steps.TRUST_STORE_PATH), trustCa);
        assert.equal(callsOf(dev, "update-ca-certificates").length, 1);
        // Roles not given are not on the device.
        assert.equal(dev.exists(DEVICE_FILES["symmetric-key"].path), false);
    });

    it("apply: writes config.toml, runs `iotedge config apply`, waits for health, runs check", async () => {
        dev.clearCalls();
        const res = ok(await runStep(dev, applyStep(CONFIG_V1)));
        assert.equal(dev.read("/etc/aziot/config.toml"), CONFIG_V1);
        const apply = callsOf(dev, "iotedge", "config");
        assert.deepEqual(
            apply.map((c) => c.argv),
            [["config", "apply", "-c", "/etc/aziot/config.toml"]],
        );
        const check = callsOf(dev, "iotedge", "check");
        assert.deepEqual(check[0].argv, ["check", "--expected-aziot-edged-version", "1.5.21"]);
        // The stand-in's connectivity checks fail (no internet): configuration mode tolerates it.
        assert.match(res.stdout, /Connectivity checks/);
        assert.match(res.stdout, /result: changed/);
    });

    it("a second run with the same inputs changes nothing and does not call `iotedge config apply`", async () => {
        dev.clearCalls();
        const keyPath = DEVICE_FILES["identity-key"].path;
        const inodeBefore = fs.statSync(dev.hostPath(keyPath)).ino;
        const files = ok(await runStep(dev, steps.filesStep(m.files, undefined, ROOT)));
        // trustStoreCa omitted now: its file is removed (a real change) ...
        assert.match(files.stdout, /removed \/usr\/local\/share\/ca-certificates/);
        // ... so run once more to see a fully unchanged run.
        dev.clearCalls();
        const again = ok(await runStep(dev, steps.filesStep(m.files, undefined, ROOT)));
        const apply = ok(await runStep(dev, applyStep(CONFIG_V1)));
        assert.match(again.stdout, /result: unchanged/);
        assert.match(apply.stdout, /result: unchanged/);
        assert.equal(appliedConfig(dev), false);
        assert.deepEqual(callsOf(dev, "update-ca-certificates"), []);
        assert.equal(fs.statSync(dev.hostPath(keyPath)).ino, inodeBefore);
    });

    it("a changed identity certificate re-applies and clears /var/lib/aziot/certd/certs and keyd/keys", async () => {
        ok(
            await dev.run(
                "mkdir -p /var/lib/aziot/certd/certs /var/lib/aziot/keyd/keys && " +
                    "echo old > /var/lib/aziot/certd/certs/edge-ca-gen.pem && " +
                    "echo old > /var/lib/aziot/keyd/keys/gen.key",
            ),
        );
        dev.clearCalls();
        m.files = m.files.map((f) =>
            f.role === "identity-cert" ? { ...f, content: pem("CERTIFICATE", "renewed-id") } : f,
        );
        const files = ok(await runStep(dev, steps.filesStep(m.files, undefined, ROOT)));
        assert.match(files.stdout, /wrote \/var\/aziot\/certs\/device-id\.pem/);
        assert.deepEqual(dev.list("/var/lib/aziot/certd/certs"), []);
        assert.deepEqual(dev.list("/var/lib/aziot/keyd/keys"), []);
        ok(await runStep(dev, applyStep(CONFIG_V1)));
        assert.equal(appliedConfig(dev), true, "config apply after a certificate change");
    });

    it("a changed trust bundle re-applies but keeps IoT Edge's generated certificates", async () => {
        ok(await dev.run("echo gen > /var/lib/aziot/certd/certs/module.pem"));
        dev.clearCalls();
        m.files = m.files.map((f) =>
            f.role === "trust-bundle" ? { ...f, content: pem("CERTIFICATE", "new-root") } : f,
        );
        ok(await runStep(dev, steps.filesStep(m.files, undefined, ROOT)));
        assert.deepEqual(dev.list("/var/lib/aziot/certd/certs"), ["module.pem"]);
        ok(await runStep(dev, applyStep(CONFIG_V1)));
        assert.equal(appliedConfig(dev), true);
    });

    it("a run killed between temp write and rename (stand-in sync SIGKILLs the script) leaves the previous config intact", async () => {
        dev.clearCalls();
        dev.setControl("kill-on-sync", "config.toml");
        const killed = await runStep(dev, applyStep(CONFIG_V2));
        assert.notEqual(killed.code, 0);
        assert.equal(dev.read("/etc/aziot/config.toml"), CONFIG_V1);
        assert.equal(appliedConfig(dev), false);
        assert.ok(
            dev.list("/etc/aziot").some((n) => n.startsWith(".config.toml.iotedge-fleet.")),
            "the killed run left its temp file (proves the kill hit between write and rename)",
        );
        // The next run converges: new config, previous kept, stale temp file gone, applied.
        const res = ok(await runStep(dev, applyStep(CONFIG_V2)));
        assert.equal(dev.read("/etc/aziot/config.toml"), CONFIG_V2);
        assert.equal(dev.read("/etc/aziot/config.toml.prev"), CONFIG_V1);
        assert.deepEqual(
            dev.list("/etc/aziot").filter((n) => n.startsWith(".config.toml")),
            [],
        );
        assert.equal(appliedConfig(dev), true);
        assert.match(res.stdout, /result: changed/);
    });

    it("a files run killed mid-write keeps the old key and the next run still clears generated certs", async () => {
        ok(await dev.run("echo gen > /var/lib/aziot/keyd/keys/derived.key"));
        const oldKey = dev.read(DEVICE_FILES["edge-ca-key"].path);
        const newKey = pem("PRIVATE KEY", marker("EDGE-CA-KEY-2"));
        const next = m.files.map((f) => (f.role === "edge-ca-key" ? { ...f, content: newKey } : f));
        dev.setControl("kill-on-sync", "secrets/.iotedge-fleet.");
        const killed = await runStep(dev, steps.filesStep(next, undefined, ROOT));
        assert.notEqual(killed.code, 0);
        assert.equal(dev.read(DEVICE_FILES["edge-ca-key"].path), oldKey);
        ok(await runStep(dev, steps.filesStep(next, undefined, ROOT)));
        assert.equal(dev.read(DEVICE_FILES["edge-ca-key"].path), newKey);
        assert.deepEqual(dev.list("/var/lib/aziot/keyd/keys"), []);
        assert.deepEqual(
            dev.list("/var/aziot/secrets").filter((n) => n.startsWith(".iotedge-fleet.")),
            [],
        );
        m.files = next;
        m.secrets.push(newKey.split("\n")[1]);
    });

    it("no secret appears in the ssh command, any command line, environment, stand-in log or sshd log", async () => {
        dev.clearCalls();
        dev.setControl("snapshot", "1");
        const fresh = material();
        const filesCmd = steps.filesStep(fresh.files, undefined, ROOT);
        const applyCmd = applyStep(CONFIG_V1);
        const results = [await runStep(dev, filesCmd), await runStep(dev, applyCmd)];
        dev.setControl("snapshot", undefined);
        results.forEach(ok);
        const calls = dev.calls();
        // The snapshots must have seen the step itself, or this test would prove nothing.
        assert.ok(
            calls.some((c) => c.processes.includes("iotedge-fleet-files")),
            "process snapshot taken while the files step ran",
        );
        assert.ok(
            calls.some((c) => c.name === "sync"),
            "a stand-in ran inside the files loop",
        );
        const haystacks: Array<[string, string]> = [
            ["ssh argv (files)", results[0].argv.join(" ")],
            ["ssh argv (apply)", results[1].argv.join(" ")],
            ["step output", results.map((r) => r.stdout + r.stderr).join("\n")],
            ["stand-in log", dev.rawCalls()],
            ["sshd log", dev.sshdLog()],
            ...calls.map((c, i): [string, string] => [
                `call ${i} ${c.name}`,
                [c.argv.join(" "), c.env, c.processes].join("\n"),
            ]),
        ];
        for (const secret of [...fresh.secrets, ...m.secrets]) {
            for (const [where, text] of haystacks) {
                assert.equal(text.includes(secret), false, `${secret} leaked into ${where}`);
            }
        }
        // And the secret did reach the device (the search above is not vacuous).
        assert.ok(dev.read(DEVICE_FILES["identity-key"].path).includes(fresh.secrets[0]));
        m.files = fresh.files;
        m.secrets.push(...fresh.secrets);
    });

    it("health failure: the step fails after the bounded wait and prints the last lines of `iotedge system logs`", async () => {
        dev.clearCalls();
        dev.setControl("status", "down");
        // A config change, so this run does call `iotedge config apply` before waiting.
        const res = await runStep(dev, applyStep(CONFIG_V2, { healthTimeoutSeconds: 1 }));
        dev.setControl("status", undefined);
        assert.equal(appliedConfig(dev), true);
        assert.notEqual(res.code, 0);
        assert.match(res.stderr, /did not report healthy within 1s/);
        assert.match(res.stderr, /aziot-edged +Down - activating/);
        assert.match(res.stderr, /daemon log line 100\n/);
        assert.match(res.stderr, /daemon log line 61\n/);
        assert.doesNotMatch(res.stderr, /daemon log line 60\n/);
        // Not recorded as applied: the next (healthy) run with the same input applies again.
        dev.clearCalls();
        ok(await runStep(dev, applyStep(CONFIG_V2)));
        assert.equal(appliedConfig(dev), true);
        dev.clearCalls();
        ok(await runStep(dev, applyStep(CONFIG_V2)));
        assert.equal(appliedConfig(dev), false, "recorded once healthy");
    });

    it("a failing `iotedge config apply` fails the step with the daemon's last log lines", async () => {
        dev.setControl("apply-rc", "1");
        const res = await runStep(dev, applyStep(CONFIG_V1 + "# changed\n"));
        dev.setControl("apply-rc", undefined);
        assert.notEqual(res.code, 0);
        assert.match(res.stderr, /iotedge config apply failed/);
        assert.match(res.stderr, /daemon log line 100\n/);
        ok(await runStep(dev, applyStep(CONFIG_V1)));
    });

    it("check modes: `configuration` fails on configuration errors, `all` also on connectivity, `none` skips", async () => {
        dev.setControl("check", "config-errors");
        const conf = await runStep(dev, applyStep(CONFIG_V1));
        assert.notEqual(conf.code, 0);
        assert.match(conf.stderr, /× certd configuration is well-formed - Error/);
        assert.match(conf.stderr, /iotedge check reported configuration errors/);

        dev.setControl("check", "connectivity-errors");
        const all = await runStep(dev, applyStep(CONFIG_V1, { check: "all" }));
        assert.notEqual(all.code, 0);
        assert.match(all.stderr, /iotedge check failed/);
        ok(await runStep(dev, applyStep(CONFIG_V1, { check: "configuration" })));

        dev.clearCalls();
        ok(await runStep(dev, applyStep(CONFIG_V1, { check: "none" })));
        assert.deepEqual(callsOf(dev, "iotedge", "check"), []);
        dev.setControl("check", undefined);
    });

    it("a non-root SSH user runs the same steps through `sudo -n` (real sudo); without it the step refuses", async function () {
        if (!fs.existsSync("/usr/bin/sudo")) {
            this.skip(); // Debian package `sudo` is not installed
        }
        const asAdmin = (step: steps.StepCommand) =>
            dev.run(step.command, step.stdin, ADMIN_USER.name);
        const noSudo = await asAdmin(steps.filesStep(m.files, undefined, ROOT));
        assert.notEqual(noSudo.code, 0);
        assert.match(noSudo.stderr, /must run as root/);
        const sudo = steps.shellTargetFor(ADMIN_USER.name);
        assert.deepEqual(sudo, { sudo: true });
        ok(await asAdmin(steps.filesStep(m.files, undefined, sudo)));
        const key = DEVICE_FILES["identity-key"].path;
        // Only root can hand a file to aziotks: proves the step really ran through sudo.
        assert.equal((await dev.stat([key]))[key], "aziotks:aziotks 600");
        const apply = ok(
            await asAdmin(
                steps.applyStep(
                    { configToml: CONFIG_V1, healthTimeoutSeconds: 10, check: "configuration" },
                    sudo,
                ),
            ),
        );
        assert.match(apply.stdout, /iotedge system status: healthy/);
        assert.equal(dev.read("/etc/aziot/config.toml"), CONFIG_V1);
    });

    it("delete: stops IoT Edge and leaves no key, certificate or config behind", async () => {
        ok(
            await dev.run(
                "mkdir -p /etc/aziot/keyd/config.d && echo x > /etc/aziot/keyd/config.d/00-super.toml",
            ),
        );
        ok(await dev.run("echo gen > /var/lib/aziot/keyd/keys/x.key"));
        dev.clearCalls();
        const res = ok(await dev.run(steps.teardownCommand({ purge: false }, ROOT)));
        assert.match(res.stdout, /result: removed/);
        assert.ok(callsOf(dev, "iotedge", "system").some((c) => c.argv[1] === "stop"));
        assert.equal(dev.exists("/var/aziot/secrets"), false);
        assert.equal(dev.exists("/var/aziot/certs"), false);
        assert.equal(dev.exists("/etc/aziot/config.toml"), false);
        assert.equal(dev.exists("/etc/aziot/config.toml.prev"), false);
        assert.equal(dev.exists("/etc/aziot/keyd/config.d/00-super.toml"), false);
        assert.deepEqual(dev.list("/var/lib/aziot/keyd/keys"), []);
        assert.deepEqual(dev.list("/var/lib/aziot/certd/certs"), []);
        assert.deepEqual(callsOf(dev, "apt-get"), [], "no purge unless purgeOnDelete");
        assert.equal(dev.installedPackages()["aziot-edge"], "1.5.21-1");
    });

    it("delete with purgeOnDelete purges the packages", async () => {
        dev.clearCalls();
        ok(await dev.run(steps.teardownCommand({ purge: true }, ROOT)));
        const purge = callsOf(dev, "apt-get").filter((c) => c.argv.includes("purge"));
        assert.equal(purge.length, 1);
        for (const p of ["aziot-edge", "aziot-identity-service", "moby-engine", "moby-cli"]) {
            assert.ok(purge[0].argv.includes(p), p);
        }
        assert.equal(dev.installedPackages()["aziot-edge"], undefined);
    });
});

describe("install step: OS and architecture detection over real SSH (stand-ins: apt-get, dpkg, dpkg-query, curl)", function () {
    let dev: SshDevice;
    before(async () => {
        dev = await SshDevice.start({ osRelease: OS_RELEASE.centos9 });
    });
    after(async () => {
        await dev?.stop();
    });

    const install = () => dev.run(steps.installStep({ versions: VERSIONS }, ROOT).command);

    for (const [name, release, pretty] of [
        ["CentOS Stream 9", OS_RELEASE.centos9, "CentOS Stream 9"],
        ["Ubuntu 18.04", OS_RELEASE.ubuntu1804, "Ubuntu 18.04.6 LTS"],
    ] as const) {
        it(`fails clearly on an unsupported OS (${name}) before touching packages`, async () => {
            dev.clearCalls();
            dev.setOsRelease(release);
            const res = await install();
            assert.notEqual(res.code, 0);
            assert.match(res.stderr, new RegExp(`unsupported operating system '${pretty}'`));
            assert.match(res.stderr, /supported: Ubuntu 20\.04\/22\.04\/24\.04, Debian 11\/12/);
            assert.deepEqual(callsOf(dev, "apt-get"), []);
        });
    }

    it("fails clearly on an unsupported architecture", async () => {
        dev.clearCalls();
        dev.setOsRelease(OS_RELEASE.debian12);
        dev.setControl("arch", "i386");
        const res = await install();
        assert.notEqual(res.code, 0);
        assert.match(res.stderr, /unsupported architecture 'i386'/);
        assert.deepEqual(callsOf(dev, "apt-get"), []);
    });

    it("fails when apt-get fails (stand-in configured to fail), with apt's message", async () => {
        dev.setOsRelease(OS_RELEASE.debian12);
        dev.setControl("arch", "arm64");
        dev.setControl("fail-apt-get", "1");
        const res = await install();
        dev.setControl("fail-apt-get", undefined);
        assert.notEqual(res.code, 0);
        assert.match(res.stderr, /E: stand-in apt-get configured to fail/);
        assert.doesNotMatch(res.stdout, /result:/);
    });

    it("Raspberry Pi OS 11 on armhf uses Microsoft's Debian 11 repository", async () => {
        dev.clearCalls();
        dev.setOsRelease(OS_RELEASE.raspbian11);
        dev.setControl("arch", "armhf");
        ok(await install());
        const curl = callsOf(dev, "curl");
        assert.ok(
            curl[0].argv.includes(
                "https://packages.microsoft.com/config/debian/11/packages-microsoft-prod.deb",
            ),
        );
    });
});

describe("install step: offline .deb packages over real SSH (copied by SFTP like CopyToRemote; stand-in apt-get)", function () {
    let dev: SshDevice;
    let tmp: string;
    const debs = { edge: "", identity: "" };
    const sha = (p: string) => crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");

    before(async () => {
        dev = await SshDevice.start({ osRelease: OS_RELEASE.debian12 });
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "iotedge-fleet-debs-"));
        debs.edge = path.join(tmp, "aziot-edge_1.5.21-1_amd64.deb");
        debs.identity = path.join(tmp, "aziot-identity-service_1.5.6-1_amd64.deb");
        fs.writeFileSync(debs.edge, "edge deb " + crypto.randomUUID());
        fs.writeFileSync(debs.identity, "identity deb " + crypto.randomUUID());
        dev.setControl(
            "deb-map",
            `${sha(debs.edge)} aziot-edge 1.5.21-1\n${sha(debs.identity)} aziot-identity-service 1.5.6-1\n`,
        );
        // Moby is already there, so an offline install needs no network at all.
        dev.setControl("dpkg-state", "moby-engine 20.10.25-1\nmoby-cli 20.10.25-1\n");
    });
    after(async () => {
        await dev?.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    function offlineParams(): steps.InstallParams {
        return {
            versions: VERSIONS,
            offline: {
                aziotEdgeDeb: {
                    remotePath: steps.offlineRemotePath("dev-1", "aziot-edge"),
                    sha256: sha(debs.edge),
                },
                aziotIdentityServiceDeb: {
                    remotePath: steps.offlineRemotePath("dev-1", "aziot-identity-service"),
                    sha256: sha(debs.identity),
                },
            },
        };
    }

    it("refuses a copied package whose sha256 does not match the local file", async () => {
        const p = offlineParams();
        fs.writeFileSync(path.join(tmp, "tampered.deb"), "tampered");
        dev.copyTo(path.join(tmp, "tampered.deb"), p.offline!.aziotEdgeDeb.remotePath);
        dev.copyTo(debs.identity, p.offline!.aziotIdentityServiceDeb.remotePath);
        dev.clearCalls();
        const res = await dev.run(steps.installStep(p, ROOT).command);
        assert.notEqual(res.code, 0);
        assert.match(res.stderr, /does not match the sha256 of the local file/);
        assert.deepEqual(callsOf(dev, "apt-get"), []);
    });

    it("copies the given .deb files and installs exactly them, without configuring a repository", async () => {
        const p = offlineParams();
        dev.copyTo(debs.edge, p.offline!.aziotEdgeDeb.remotePath);
        dev.copyTo(debs.identity, p.offline!.aziotIdentityServiceDeb.remotePath);
        dev.clearCalls();
        ok(await dev.run(steps.installStep(p, ROOT).command));
        const installed = fs
            .readFileSync(path.join(dev.control, "installed-debs"), "utf8")
            .trim()
            .split("\n")
            .map((l) => l.split(" ")[1]);
        assert.deepEqual(installed.sort(), [sha(debs.edge), sha(debs.identity)].sort());
        assert.deepEqual(callsOf(dev, "curl"), []);
        assert.deepEqual(callsOf(dev, "wget"), []);
        assert.equal(dev.installedPackages()["aziot-edge"], "1.5.21-1");
        assert.equal(dev.installedPackages()["aziot-identity-service"], "1.5.6-1");
    });

    it("delete removes the uploaded packages", async () => {
        const p = offlineParams();
        const uploads = [
            p.offline!.aziotEdgeDeb.remotePath,
            p.offline!.aziotIdentityServiceDeb.remotePath,
        ];
        ok(await dev.run(steps.teardownCommand({ purge: false, extraPaths: uploads }, ROOT)));
        for (const u of uploads) {
            assert.equal(dev.exists(u), false, u);
        }
    });
});
