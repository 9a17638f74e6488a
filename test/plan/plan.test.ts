/**
 * The offline plan, end to end: the `iotedge-fleet` command in a child process, as a newcomer
 * or a pipeline runs it, on the example stacks and on a fleet with every provisioning method.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseToml } from "smol-toml";
import { stringify as toYaml } from "yaml";
import { deriveDeviceKey } from "../../components/dataplane/derive-key";
import { goodFleet } from "../fleet/fixtures";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin/iotedge-fleet.js");

function cli(args: string[]): { status: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tmpDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every file under dir, relative path → content. */
function readTree(dir: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else out.set(path.relative(dir, p), fs.readFileSync(p, "utf8"));
        }
    };
    walk(dir);
    return out;
}

/** Every example stack, with its device count and provisioning source. */
const EXAMPLES: Array<[string, number, "dps" | "manual" | undefined]> = [
    ["dev", 3, "dps"],
    ["prod", 3, "dps"],
    ["platform", 0, undefined],
    ["site-a", 3, "dps"],
    ["site-b", 2, "dps"],
    ["single", 1, "manual"],
];

it("every stack file in stacks/ is an example planned here", () => {
    const files = fs.readdirSync(path.join(ROOT, "stacks")).filter((f) => f.endsWith(".yaml"));
    assert.deepEqual(
        files.map((f) => f.replace(/^Pulumi\.(.*)\.yaml$/, "$1")).sort(),
        EXAMPLES.map(([s]) => s).sort(),
    );
});

for (const [stack, deviceCount, source] of EXAMPLES) {
    describe(`plan --stack ${stack}`, () => {
        let first: string;
        let run: ReturnType<typeof cli>;
        before(() => {
            first = tmpDir(`plan-${stack}-`);
            run = cli(["plan", "--stack", stack, "--out", first]);
        });

        it("succeeds and prints a summary", () => {
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.stdout, new RegExp(`Plan for stack ${stack}`));
            assert.match(run.stdout, /Resources: \d+/);
            assert.match(run.stdout, new RegExp(`Devices: ${deviceCount}\n`));
        });

        it("writes plan.json with resources, parents, secret inputs and device files", () => {
            const plan = JSON.parse(fs.readFileSync(path.join(first, "plan.json"), "utf8"));
            assert.equal(plan.stack, stack);
            const types = new Set(plan.resources.map((r: { type: string }) => r.type));
            // A fleet stack declares no Azure resource; a platform stack no device.
            const fleetStack = stack.startsWith("site-");
            const expected = [
                ...(fleetStack
                    ? ["pulumi:pulumi:StackReference"]
                    : ["azure-native:iothub:IotHubResource", "tls:index/selfSignedCert:SelfSignedCert"]),
                ...(deviceCount > 0 ? ["iotedge:device:EdgeDevice", "command:remote:Command"] : []),
            ];
            for (const t of expected) assert.ok(types.has(t), `missing ${t}`);
            assert.equal(fleetStack, [...types].some((t) => String(t).startsWith("pulumi:pulumi:StackRef")));
            if (fleetStack) {
                assert.ok(![...types].some((t) => String(t).startsWith("azure-native:")));
            }
            if (deviceCount === 0) return;
            const files = plan.resources.find((r: { name: string }) =>
                r.name.endsWith(`${plan.devices[0].deviceId}-files`),
            );
            assert.equal(files.parent, `fleet-device-${plan.devices[0].deviceId}`);
            assert.deepEqual(files.secretInputs, ["connection", "stdin"]);
            for (const device of plan.devices) {
                for (const f of device.files) {
                    if (f.path.startsWith("/var/aziot/secrets/")) {
                        assert.deepEqual([f.owner, f.mode], ["aziotks", "0600"], f.path);
                    } else {
                        assert.deepEqual([f.owner, f.mode], ["aziotcs", "0644"], f.path);
                    }
                }
            }
        });

        it("writes a parseable config.toml per device", () => {
            const plan = JSON.parse(fs.readFileSync(path.join(first, "plan.json"), "utf8"));
            for (const device of plan.devices) {
                const file = path.join(first, "devices", device.deviceId, "config.toml");
                const toml = parseToml(fs.readFileSync(file, "utf8")) as any;
                assert.equal(toml.provisioning.source, source);
                if (source === "dps") {
                    assert.equal(toml.provisioning.attestation.registration_id, device.deviceId);
                } else {
                    assert.equal(toml.provisioning.device_id, device.deviceId);
                }
            }
        });

        it("is byte-identical on a second run", () => {
            const second = tmpDir(`plan-${stack}-again-`);
            const again = cli(["plan", "--stack", stack, "--out", second]);
            assert.equal(again.status, 0, again.stderr);
            assert.deepEqual(readTree(second), readTree(first));
            assert.equal(again.stdout.replaceAll(second, "OUT"), run.stdout.replaceAll(first, "OUT"));
        });
    });
}

describe("plan of a fleet with every provisioning method, secrets in plain config", () => {
    // Known secret strings, as a careless stack file might hold them in plain text. None may
    // reach the plan's files or its output.
    const sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-SSH-MARKER-b3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
    const groupKey = Buffer.from("SECRET-GROUP-KEY-MARKER-0123456789abcdef").toString("base64");
    const sasKey = Buffer.from("SECRET-SAS-KEY-MARKER-0123456789abcdef").toString("base64");
    const connectionString = `HostName=hub-b.azure-devices.net;DeviceId=manual-cs;SharedAccessKey=${sasKey}`;
    let out: string;
    let run: ReturnType<typeof cli>;

    before(() => {
        const fleet = goodFleet();
        fleet.enrollmentGroups[0].attestation.primaryKeySecret = "groupKey";
        const config = {
            config: {
                "iotedge-fleet:sshPrivateKey": sshKey,
                "iotedge-fleet:csManual": connectionString,
                "iotedge-fleet:groupKey": groupKey,
                "iotedge-fleet:fleet": fleet,
            },
        };
        const dir = tmpDir("plan-all-");
        const file = path.join(dir, "Pulumi.all.yaml");
        fs.writeFileSync(file, toYaml(config));
        out = path.join(dir, "out");
        run = cli(["plan", "--stack", "all", "--config", file, "--out", out]);
    });

    it("plans every method", () => {
        assert.equal(run.status, 0, run.stderr);
        const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8"));
        assert.deepEqual(
            plan.devices.map((d: { provisioning: string }) => d.provisioning).sort(),
            [
                "dps-symmetric-key",
                "dps-symmetric-key",
                "dps-tpm",
                "dps-x509",
                "dps-x509",
                "dps-x509-est",
                "manual-connection-string",
                "manual-symmetric-key",
                "manual-x509",
            ],
        );
        assert.equal(fs.readdirSync(path.join(out, "devices")).length, 9);
    });

    it("writes no secret value anywhere", () => {
        const derived = deriveDeviceKey(groupKey, "dps-sym-group");
        const needles = [
            "SECRET-SSH-MARKER",
            groupKey,
            sasKey,
            derived,
            "SECRET-GROUP-KEY-MARKER",
            Buffer.from(groupKey, "base64").toString("hex"),
        ];
        const haystacks = [...readTree(out).entries(), ["stdout", run.stdout], ["stderr", run.stderr]];
        for (const [where, text] of haystacks) {
            for (const needle of needles) {
                assert.ok(!text.includes(needle), `${where} contains a secret (${needle.slice(0, 12)}...)`);
            }
        }
    });

    it("names the secret inputs it holds back", () => {
        const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8"));
        const group = plan.resources.find((r: { name: string }) => r.name === "fleet-cloud-group-sym-group");
        assert.ok(group, "the symmetric-key enrollment group is declared");
        assert.ok(group.secretInputs.includes("primaryKey"));
        assert.ok(group.secretInputs.includes("policyKey"));
    });
});

describe("validate and plan reject a bad fleet, naming every problem", () => {
    it("validate exits 1 with one line per problem", () => {
        const fleet = goodFleet();
        fleet.devices[1].deviceId = "manual-x509";
        fleet.devices[3].parentHostname = "gw.local";
        const dir = tmpDir("validate-");
        const file = path.join(dir, "Pulumi.bad.yaml");
        fs.writeFileSync(
            file,
            toYaml({ config: { "iotedge-fleet:fleet": fleet, "iotedge-fleet:sshPrivateKey": "x", "iotedge-fleet:csManual": "x" } }),
        );
        const r = cli(["validate", "--stack", "bad", "--config", file]);
        assert.equal(r.status, 1);
        assert.deepEqual(r.stdout.trim().split("\n"), [
            'fleet.devices[1].deviceId: duplicate device ID "manual-x509"',
            "fleet.devices[3].parentHostname: DPS provisioning is not supported in nested mode: use a manual method for a child device, or drop parentHostname",
        ]);

        const plan = cli(["plan", "--stack", "bad", "--config", file, "--out", path.join(dir, "out")]);
        assert.equal(plan.status, 1);
        assert.match(plan.stderr, /fleet\.devices\[1\]\.deviceId: duplicate device ID/);
        assert.ok(!fs.existsSync(path.join(dir, "out")), "nothing is written for a bad fleet");
    });

    it("validate passes the example stacks", () => {
        for (const [stack, devices] of EXAMPLES) {
            const r = cli(["validate", "--stack", stack]);
            assert.equal(r.status, 0, r.stdout + r.stderr);
            assert.match(r.stdout, new RegExp(`is valid \\(${devices} devices?,`));
        }
    });

    it("usage errors exit 2", () => {
        assert.equal(cli(["plan", "--stack", "dev"]).status, 2);
        assert.equal(cli(["plan", "--stack", "dev", "--out", "x", "--bogus"]).status, 2);
        assert.equal(cli(["nope"]).status, 2);
    });
});
