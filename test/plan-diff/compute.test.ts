import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import type { PlanDocument } from "../../cli/commands/plan";
import {
    computePlanDiff,
    emptySnapshot,
    parsePlanDir,
    PlanDiff,
    PlanDirError,
    renderPlanDiff,
    summaryLine,
} from "../../cli/plan-diff";
import {
    baseConfigs,
    basePlan,
    CERT,
    CMD,
    configToml,
    device,
    file,
    HUB,
    resource,
    snapshot,
} from "./fixtures";

const GOLDEN = path.join(__dirname, "golden");

/** Diff of the base plan against the base plan changed by `mutate`. */
function diffOf(
    mutate: (plan: PlanDocument, configs: Map<string, string>) => void,
    context?: number,
): PlanDiff {
    const plan = basePlan();
    const configs = baseConfigs();
    mutate(plan, configs);
    return computePlanDiff(snapshot(basePlan(), baseConfigs()), snapshot(plan, configs), {
        context,
    });
}

/** The sample used by the golden files: one of every kind of change, against the base plan. */
function samplePlans(): { plan: PlanDocument; configs: Map<string, string> } {
    const plan = basePlan();
    const configs = baseConfigs();
    plan.resources[0] = resource(HUB, "cloud-hub", "cloud-v2", ["properties.secret"]);
    plan.resources.push(resource(CMD, "edge-03-apply", "edge-03", ["connection.privateKey"]));
    plan.resources.push(resource(CERT, "edge-03-edge-ca", "edge-03"));
    plan.resources = plan.resources.filter((r) => r.name !== "edge-02-apply");
    plan.devices = [
        device("edge-01", {
            files: [
                file("/var/aziot/certs/root-ca.pem", "0600"),
                file("/var/aziot/secrets/id.key", "0600", "aziotks"),
            ],
        }),
        device("edge-03", { provisioning: "dps-x509" }),
    ];
    configs.delete("edge-02");
    configs.set("edge-01", configToml("edge-01", "0ne00000002"));
    configs.set("edge-03", configToml("edge-03"));
    plan.unknownSecrets.push("iotedge-fleet:edge03Key");
    return { plan, configs };
}

function sampleDiff(): PlanDiff {
    const { plan, configs } = samplePlans();
    return computePlanDiff(snapshot(basePlan(), baseConfigs()), snapshot(plan, configs));
}

describe("plan-diff: computing the diff", () => {
    it("unchanged plans: no changes, and the output says so", () => {
        const diff = diffOf(() => {});
        assert.equal(diff.hasChanges, false);
        assert.deepEqual([diff.resources, diff.devices], [[], []]);
        assert.equal(summaryLine(diff), "no changes");
        assert.equal(renderPlanDiff(diff, "markdown"), "**Plan diff, stack `dev`:** no changes\n");
        assert.equal(renderPlanDiff(diff, "text"), "Plan diff, stack dev: no changes\n");
    });

    it("the order of resources and devices in plan.json does not matter", () => {
        const diff = diffOf((plan) => {
            plan.resources.reverse();
            plan.devices.reverse();
        });
        assert.equal(diff.hasChanges, false);
    });

    const cases: Array<{
        name: string;
        /** Changes the old side's configs (default: the base configs). */
        base?: (configs: Map<string, string>) => void;
        mutate: (plan: PlanDocument, configs: Map<string, string>) => void;
        check: (d: PlanDiff) => void;
        summary: string;
    }> = [
        {
            name: "resource added",
            mutate: (p) => p.resources.push(resource(CERT, "edge-01-edge-ca", "edge-01")),
            check: (d) => {
                assert.deepEqual(d.resources, [
                    {
                        type: CERT,
                        added: [resource(CERT, "edge-01-edge-ca", "edge-01")],
                        removed: [],
                        changed: [],
                    },
                ]);
            },
            summary: "1 resource added",
        },
        {
            name: "resource removed",
            mutate: (p) => p.resources.splice(0, 1),
            check: (d) => {
                assert.deepEqual(
                    d.resources.map((t) => [t.type, t.removed.map((r) => r.name)]),
                    [[HUB, ["cloud-hub"]]],
                );
            },
            summary: "1 resource removed",
        },
        {
            name: "resource renamed: one removed, one added, same type group",
            mutate: (p) => (p.resources[0] = resource(HUB, "cloud-hub-2", "cloud")),
            check: (d) => {
                assert.equal(d.resources.length, 1);
                assert.deepEqual(
                    d.resources[0].added.map((r) => r.name),
                    ["cloud-hub-2"],
                );
                assert.deepEqual(
                    d.resources[0].removed.map((r) => r.name),
                    ["cloud-hub"],
                );
            },
            summary: "1 resource added, 1 removed",
        },
        {
            name: "resource changed: parent",
            mutate: (p) => (p.resources[0] = resource(HUB, "cloud-hub", "cloud-v2")),
            check: (d) => {
                assert.deepEqual(d.resources[0].changed, [
                    { type: HUB, name: "cloud-hub", parent: { old: "cloud", new: "cloud-v2" } },
                ]);
            },
            summary: "1 resource changed",
        },
        {
            name: "resource changed: parent removed (now a child of the stack)",
            mutate: (p) => (p.resources[0] = resource(HUB, "cloud-hub")),
            check: (d) => {
                assert.deepEqual(d.resources[0].changed[0].parent, { old: "cloud", new: "" });
            },
            summary: "1 resource changed",
        },
        {
            name: "resource changed: secret inputs",
            mutate: (p) => (p.resources[1].secretInputs = ["connection.password"]),
            check: (d) => {
                assert.deepEqual(d.resources[0].changed, [
                    {
                        type: CMD,
                        name: "edge-01-apply",
                        secretInputs: {
                            added: ["connection.password"],
                            removed: ["connection.privateKey"],
                        },
                    },
                ]);
            },
            summary: "1 resource changed",
        },
        {
            name: "device added, with its config.toml",
            mutate: (p, c) => {
                p.devices.push(device("edge-03"));
                c.set("edge-03", "a = 1\n");
            },
            check: (d) => {
                assert.equal(d.devices.length, 1);
                assert.equal(d.devices[0].status, "added");
                assert.equal(d.devices[0].config?.oldPresent, false);
                assert.equal(d.devices[0].config?.diff.added, 1);
            },
            summary: "1 device changes (1 added; 1 config.toml)",
        },
        {
            name: "device removed, with its config.toml",
            mutate: (p, c) => {
                p.devices.splice(1, 1);
                c.delete("edge-02");
            },
            check: (d) => {
                assert.deepEqual(
                    d.devices.map((x) => [x.deviceId, x.status, x.config?.newPresent]),
                    [["edge-02", "removed", false]],
                );
            },
            summary: "1 device changes (1 removed; 1 config.toml)",
        },
        {
            name: "device changed: provisioning method and kind",
            mutate: (p) => {
                p.devices[0].provisioning = "dps-x509";
                p.devices[0].kind = "eflow";
            },
            check: (d) => {
                assert.deepEqual(d.devices[0].provisioning, {
                    old: "dps-symmetric-key",
                    new: "dps-x509",
                });
                assert.deepEqual(d.devices[0].kind, { old: "linux", new: "eflow" });
                assert.equal(d.devices[0].config, undefined);
            },
            summary: "1 device changes (1 changed)",
        },
        {
            name: "device changed: file mode",
            mutate: (p) => (p.devices[1].files[0].mode = "0600"),
            check: (d) => {
                assert.deepEqual(d.devices[0].files, [
                    {
                        path: "/var/aziot/certs/root-ca.pem",
                        status: "changed",
                        file: file("/var/aziot/certs/root-ca.pem", "0600"),
                        mode: { old: "0644", new: "0600" },
                    },
                ]);
            },
            summary: "1 device changes (1 changed)",
        },
        {
            name: "device changed: file owner and group, file added, file removed",
            mutate: (p) => {
                p.devices[0].files = [
                    file("/var/aziot/certs/root-ca.pem", "0644", "root", "root"),
                    file("/var/aziot/secrets/a.key", "0600", "aziotks", "aziotks"),
                ];
                p.devices[1].files = [];
            },
            check: (d) => {
                assert.deepEqual(
                    d.devices.map((x) => [x.deviceId, x.files.map((f) => [f.path, f.status])]),
                    [
                        [
                            "edge-01",
                            [
                                ["/var/aziot/certs/root-ca.pem", "changed"],
                                ["/var/aziot/secrets/a.key", "added"],
                            ],
                        ],
                        ["edge-02", [["/var/aziot/certs/root-ca.pem", "removed"]]],
                    ],
                );
                const owner = d.devices[0].files[0];
                assert.deepEqual(
                    [owner.owner, owner.group, owner.mode],
                    [{ old: "aziotcs", new: "root" }, { old: "aziotcs", new: "root" }, undefined],
                );
            },
            summary: "2 devices change (2 changed)",
        },
        {
            name: "config.toml line change, with context",
            mutate: (_p, c) => c.set("edge-01", configToml("edge-01", "0ne00000002")),
            check: (d) => {
                assert.equal(d.devices[0].status, "changed");
                const cfg = d.devices[0].config!;
                assert.deepEqual([cfg.diff.added, cfg.diff.removed], [1, 1]);
                assert.equal(cfg.diff.hunks.length, 1);
                const h = cfg.diff.hunks[0];
                // id_scope is line 6: three lines of context either side.
                assert.deepEqual([h.oldStart, h.oldLines, h.newStart, h.newLines], [3, 7, 3, 7]);
                assert.deepEqual(
                    h.lines.map((l) => `${l.mark}${l.text}`),
                    [
                        " [provisioning]",
                        ' source = "dps"',
                        ' global_endpoint = "https://global.azure-devices-provisioning.net"',
                        '-id_scope = "0ne00000001"',
                        '+id_scope = "0ne00000002"',
                        " ",
                        " [provisioning.attestation]",
                        ' method = "symmetric_key"',
                    ],
                );
            },
            summary: "1 device changes (1 changed; 1 config.toml)",
        },
        {
            name: "config.toml appears for a device that had none (unknown offline before)",
            base: (c) => c.delete("edge-02"),
            mutate: () => {},
            check: (d) => {
                assert.deepEqual(
                    d.devices.map((x) => [x.deviceId, x.status, x.config?.oldPresent]),
                    [["edge-02", "changed", false]],
                );
            },
            summary: "1 device changes (1 changed; 1 config.toml)",
        },
        {
            name: "secret config key names",
            mutate: (p) => (p.unknownSecrets = ["iotedge-fleet:other"]),
            check: (d) => {
                assert.deepEqual(d.unknownSecrets, {
                    added: ["iotedge-fleet:other"],
                    removed: ["iotedge-fleet:sshPrivateKey"],
                });
            },
            summary: "2 secret config keys change",
        },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const base = baseConfigs();
            c.base?.(base);
            const plan = basePlan();
            const configs = baseConfigs();
            c.mutate(plan, configs);
            const diff = computePlanDiff(snapshot(basePlan(), base), snapshot(plan, configs));
            assert.equal(diff.hasChanges, true);
            c.check(diff);
            assert.equal(summaryLine(diff), c.summary);
        });
    }

    it("no old plan: everything is added, and the summary says it is a new stack", () => {
        const next = snapshot(basePlan(), baseConfigs());
        const diff = computePlanDiff(undefined, next);
        assert.equal(diff.oldMissing, true);
        assert.equal(diff.counts.resourcesAdded, 3);
        assert.equal(diff.counts.devicesAdded, 2);
        assert.equal(diff.counts.configsChanged, 2);
        assert.equal(
            summaryLine(diff),
            "new stack, 2 devices change (2 added; 2 config.toml), 3 resources added, " +
                "1 secret config key changes",
        );
        // The empty snapshot of the same stack is the same thing, without the "new stack" flag.
        const fromEmpty = computePlanDiff(emptySnapshot("dev", "iotedge-fleet"), next);
        assert.deepEqual({ ...fromEmpty, oldMissing: true }, diff);
    });

    it("plans of different stacks say so", () => {
        const other = basePlan();
        other.stack = "prod";
        const diff = computePlanDiff(
            snapshot(basePlan(), baseConfigs()),
            snapshot(other, baseConfigs()),
        );
        assert.deepEqual(diff.stackChange, { old: "dev", new: "prod" });
        assert.equal(summaryLine(diff), "stack dev -> prod");
    });

    it("groups resources by type, types and names sorted", () => {
        const diff = diffOf((p) => {
            p.resources.push(resource(HUB, "b-hub"), resource(CERT, "z"), resource(HUB, "a-hub"));
        });
        assert.deepEqual(
            diff.resources.map((t) => [t.type, t.added.map((r) => r.name)]),
            [
                [HUB, ["a-hub", "b-hub"]],
                [CERT, ["z"]],
            ],
        );
    });

    it("is deterministic: shuffled inputs give the same diff and the same bytes", () => {
        const expected = sampleDiff();
        const md = renderPlanDiff(expected, "markdown");
        fc.assert(
            fc.property(fc.infiniteStream(fc.nat()), (rand) => {
                const shuffle = <T>(xs: T[]) =>
                    xs
                        .map((x) => [rand.next().value, x] as const)
                        .sort((a, b) => a[0] - b[0])
                        .map(([, x]) => x);
                const old = basePlan();
                const sample = samplePlans();
                const next = sample.plan;
                old.resources = shuffle(old.resources);
                old.devices = shuffle(old.devices);
                next.resources = shuffle(next.resources);
                next.devices = shuffle(next.devices).map((d) => ({
                    ...d,
                    files: shuffle(d.files),
                }));
                const configs = new Map(shuffle([...sample.configs]));
                const diff = computePlanDiff(snapshot(old, baseConfigs()), snapshot(next, configs));
                assert.deepEqual(diff, expected);
                assert.equal(renderPlanDiff(diff, "markdown"), md);
            }),
            { numRuns: 50 },
        );
    });

    describe("rendering", () => {
        for (const format of ["markdown", "text"] as const) {
            const ext = format === "markdown" ? "md" : "txt";
            it(`matches the ${format} golden file (UPDATE_GOLDEN=1 rewrites it)`, () => {
                const out = renderPlanDiff(sampleDiff(), format);
                const golden = path.join(GOLDEN, `sample.${ext}`);
                if (process.env.UPDATE_GOLDEN) {
                    fs.mkdirSync(GOLDEN, { recursive: true });
                    fs.writeFileSync(golden, out);
                }
                assert.equal(out, fs.readFileSync(golden, "utf8"));
            });
        }

        it("markdown: summary first, headings, per-type counts, a diff block per config", () => {
            const md = renderPlanDiff(sampleDiff(), "markdown");
            const lines = md.split("\n");
            assert.equal(
                lines[0],
                "**Plan diff, stack `dev`:** 3 devices change (1 added, 1 removed, 1 changed; " +
                    "3 config.toml), 2 resources added, 1 removed, 1 changed, " +
                    "1 secret config key changes",
            );
            for (const heading of [
                "### Resources: 2 added, 1 removed, 1 changed",
                "### Devices: 1 added, 1 removed, 1 changed",
                "### config.toml: 3 devices",
                "#### `azure-native:iothub:IotHubResource`: 1 changed",
                "#### `command:remote:Command`: 1 added, 1 removed",
            ]) {
                assert.ok(lines.includes(heading), `missing heading ${heading}\n${md}`);
            }
            assert.ok(
                lines.includes(
                    "- **changed** `cloud-hub`: parent `cloud` → `cloud-v2`; secret inputs added `properties.secret`",
                ),
                md,
            );
            assert.ok(
                lines.includes(
                    "  - file **changed** `/var/aziot/certs/root-ca.pem`: mode `0644` → `0600`",
                ),
                md,
            );
            assert.ok(lines.includes('-id_scope = "0ne00000001"'), md);
            assert.ok(lines.includes('+id_scope = "0ne00000002"'), md);
            assert.equal(lines.filter((l) => l === "```diff").length, 3);
            assert.ok(
                lines.includes("+++ /dev/null"),
                "removed device's config diffs to /dev/null",
            );
        });

        it("names cannot break out of their code spans or the diff fence", () => {
            const plan = basePlan();
            plan.devices.push(device("we`ird<b>"));
            plan.resources.push(resource(HUB, "a``b"));
            const configs = baseConfigs();
            configs.set("we`ird<b>", 'x = "```"\n');
            const md = renderPlanDiff(
                computePlanDiff(snapshot(basePlan(), baseConfigs()), snapshot(plan, configs)),
                "markdown",
            );
            assert.ok(md.includes("- **added** ```a``b```"), md);
            assert.ok(md.includes("<code>we`ird&lt;b&gt;</code>"), md);
            assert.ok(md.includes("````diff\n"), "the fence is longer than the backticks inside");
        });
    });
});

describe("plan-diff: reading plan.json", () => {
    const good = JSON.stringify(basePlan());

    it("accepts a plan written by `plan`", () => {
        const s = parsePlanDir("d", good, baseConfigs());
        assert.deepEqual(s.plan, basePlan());
    });

    const bad: Array<[string, string, RegExp]> = [
        ["not JSON", "{", /plan\.json: not JSON/],
        ["not an object", "[]", /expected a JSON object/],
        [
            "wrong field types, every one reported",
            JSON.stringify({
                ...basePlan(),
                stack: 3,
                resources: [{ type: "t" }],
                devices: [{ deviceId: "x", files: [{ path: 1 }] }],
            }),
            /stack: expected a string[\s\S]*resources\[0\]\.name: expected a string[\s\S]*resources\[0\]\.secretInputs[\s\S]*devices\[0\]\.provisioning[\s\S]*devices\[0\]\.files\[0\]\.path/,
        ],
        [
            "duplicate resource",
            JSON.stringify({ ...basePlan(), resources: [resource(HUB, "a"), resource(HUB, "a")] }),
            /resources\[1\]: duplicate resource/,
        ],
        [
            "duplicate device",
            JSON.stringify({ ...basePlan(), devices: [device("a"), device("a")] }),
            /devices\[1\]\.deviceId: duplicate device a/,
        ],
        [
            "duplicate file",
            JSON.stringify({
                ...basePlan(),
                devices: [
                    device("edge-01", { files: [file("/p"), file("/p")] }),
                    device("edge-02"),
                ],
            }),
            /devices\[0\]\.files\[1\]\.path: duplicate file \/p/,
        ],
    ];
    for (const [name, text, message] of bad) {
        it(`rejects ${name}`, () => {
            assert.throws(
                () => parsePlanDir("d", text, new Map()),
                (err: unknown) => err instanceof PlanDirError && message.test(err.message),
            );
        });
    }

    it("rejects a config.toml for a device the plan does not have", () => {
        assert.throws(
            () => parsePlanDir("d", good, new Map([["ghost", "x"]])),
            /devices\/ghost\/config\.toml: no device ghost in plan\.json/,
        );
    });
});
